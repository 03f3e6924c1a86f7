#include "runtime/kernels/cpu/reference.h"

#include <cassert>
#include <cmath>
#include <cstring>

#include "runtime/weights/quantize.h"

namespace specmap::runtime::reference {

namespace {

template <typename Block>
Block block_at(std::span<const std::byte> row, std::size_t b) {
  Block block;
  std::memcpy(&block, row.data() + b * sizeof(Block), sizeof(Block));
  return block;
}

std::uint16_t u16_at(std::span<const std::byte> row, std::size_t i) {
  std::uint16_t v;
  std::memcpy(&v, row.data() + 2 * i, 2);
  return v;
}

}  // namespace

void dequantize_row(TensorType type, std::span<const std::byte> row, std::span<float> out) {
  const std::size_t cols = out.size();
  assert(row.size() == row_bytes(type, cols));
  switch (type) {
    case TensorType::f32:
      std::memcpy(out.data(), row.data(), cols * 4);
      return;
    case TensorType::f16:
      for (std::size_t i = 0; i < cols; ++i) out[i] = f16_to_f32(u16_at(row, i));
      return;
    case TensorType::bf16:
      for (std::size_t i = 0; i < cols; ++i) out[i] = bf16_to_f32(u16_at(row, i));
      return;
    case TensorType::q8_0:
      for (std::size_t b = 0; b < cols / kQuantBlock; ++b) {
        const auto block = block_at<BlockQ8_0>(row, b);
        const float d = f16_to_f32(block.d);
        for (std::size_t j = 0; j < kQuantBlock; ++j) out[b * kQuantBlock + j] = d * float(block.qs[j]);
      }
      return;
    case TensorType::q4_0:
      for (std::size_t b = 0; b < cols / kQuantBlock; ++b) {
        const auto block = block_at<BlockQ4_0>(row, b);
        const float d = f16_to_f32(block.d);
        for (std::size_t j = 0; j < kQuantBlock / 2; ++j) {
          out[b * kQuantBlock + j] = d * float((block.qs[j] & 0xF) - 8);
          out[b * kQuantBlock + j + kQuantBlock / 2] = d * float((block.qs[j] >> 4) - 8);
        }
      }
      return;
  }
}

float dot_row_f32(TensorType type, std::span<const std::byte> row, std::span<const float> x) {
  const std::size_t cols = x.size();
  float sum = 0.0f;
  if (type == TensorType::f32 || type == TensorType::f16 || type == TensorType::bf16) {
    for (std::size_t i = 0; i < cols; ++i) {
      float w;
      if (type == TensorType::f32)
        std::memcpy(&w, row.data() + 4 * i, 4);
      else
        w = type == TensorType::f16 ? f16_to_f32(u16_at(row, i)) : bf16_to_f32(u16_at(row, i));
      sum += w * x[i];
    }
    return sum;
  }
  float block_values[kQuantBlock];
  for (std::size_t b = 0; b < cols / kQuantBlock; ++b) {
    dequantize_row(type, row.subspan(b * block_bytes(type), block_bytes(type)), block_values);
    for (std::size_t j = 0; j < kQuantBlock; ++j) sum += block_values[j] * x[b * kQuantBlock + j];
  }
  return sum;
}

std::vector<BlockQ8_0> quantize_activations_q8_0(std::span<const float> x) {
  assert(x.size() % kQuantBlock == 0);
  std::vector<BlockQ8_0> blocks(x.size() / kQuantBlock);
  quantize_row_q8_0(x, std::as_writable_bytes(std::span(blocks)));
  return blocks;
}

float dot_row_q8(TensorType type, std::span<const std::byte> row, std::span<const BlockQ8_0> x) {
  assert(type == TensorType::q8_0 || type == TensorType::q4_0);
  float sum = 0.0f;
  for (std::size_t b = 0; b < x.size(); ++b) {
    std::int32_t dot = 0;
    float d_w;
    if (type == TensorType::q8_0) {
      const auto w = block_at<BlockQ8_0>(row, b);
      for (std::size_t j = 0; j < kQuantBlock; ++j) dot += std::int32_t(w.qs[j]) * std::int32_t(x[b].qs[j]);
      d_w = f16_to_f32(w.d);
    } else {
      const auto w = block_at<BlockQ4_0>(row, b);
      for (std::size_t j = 0; j < kQuantBlock / 2; ++j) {
        dot += ((w.qs[j] & 0xF) - 8) * std::int32_t(x[b].qs[j]);
        dot += ((w.qs[j] >> 4) - 8) * std::int32_t(x[b].qs[j + kQuantBlock / 2]);
      }
      d_w = f16_to_f32(w.d);
    }
    sum += float(dot) * d_w * f16_to_f32(x[b].d);
  }
  return sum;
}

double q8_dot_error_bound(TensorType type, std::span<const std::byte> row, std::span<const float> x) {
  const std::size_t cols = x.size();
  std::vector<float> w(cols);
  dequantize_row(type, row, w);
  double bound = 0.0, magnitude = 0.0;
  for (std::size_t b = 0; b < cols / kQuantBlock; ++b) {
    double amax = 0.0, w_abs = 0.0;
    for (std::size_t j = 0; j < kQuantBlock; ++j) {
      const std::size_t i = b * kQuantBlock + j;
      amax = std::max(amax, std::fabs(double(x[i])));
      w_abs += std::fabs(double(w[i]));
      magnitude += std::fabs(double(w[i]) * double(x[i]));
    }
    bound += (amax / 127.0 / 2.0 + amax * std::ldexp(1.0, -11)) * w_abs;
  }
  return bound + double(cols) * std::ldexp(1.0, -23) * magnitude * 2.0;
}

}  // namespace specmap::runtime::reference
