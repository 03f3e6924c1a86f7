// The portable kernel set: plain C++ (the compiler vectorises what it can), for every CPU.
#include <cstring>

#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/weights/quantize.h"

namespace specmap::runtime::kernels {

namespace {

constexpr std::size_t kChunk = 256;  // columns converted to f32 at a time

// Element i of a row of type T as f32.
template <TensorType T>
float element(const std::byte* row, std::size_t i) {
  if constexpr (T == TensorType::f32) {
    float v;
    std::memcpy(&v, row + 4 * i, 4);
    return v;
  } else {
    std::uint16_t h;
    std::memcpy(&h, row + 2 * i, 2);
    return T == TensorType::f16 ? f16_to_f32(h) : bf16_to_f32(h);
  }
}

// 8 partial sums per row, so the compiler can keep them in one vector register.
template <TensorType T>
void float_rows(const FloatRowsArgs& a, std::size_t begin, std::size_t end) {
  float w[kChunk];
  for (std::size_t o = begin; o < end; ++o) {
    const std::byte* row = a.weight + o * a.row_bytes;
    float acc[kMaxKernelRows][8] = {};
    for (std::size_t c0 = 0; c0 < a.cols; c0 += kChunk) {
      const std::size_t n = a.cols - c0 < kChunk ? a.cols - c0 : kChunk;
      for (std::size_t i = 0; i < n; ++i) w[i] = element<T>(row, c0 + i);
      for (std::size_t r = 0; r < a.rows; ++r) {
        const float* x = a.x + r * a.cols + c0;
        std::size_t i = 0;
        for (; i + 8 <= n; i += 8)
          for (std::size_t k = 0; k < 8; ++k) acc[r][k] += w[i + k] * x[i + k];
        for (; i < n; ++i) acc[r][0] += w[i] * x[i];
      }
    }
    for (std::size_t r = 0; r < a.rows; ++r) {
      float s = 0;
      for (float v : acc[r]) s += v;
      a.y[r * a.y_stride + o] = s;
    }
  }
}

template <TensorType T>
void quant_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  const QuantizedRows& x = *a.x;
  for (std::size_t o = begin; o < end; ++o) {
    const std::byte* row = a.weight + o * a.row_bytes;
    float acc[kMaxKernelRows] = {};
    for (std::size_t b = 0; b < x.blocks; ++b) {
      std::int8_t w[kQuantBlock];
      std::uint16_t d_bits;
      if constexpr (T == TensorType::q8_0) {
        std::memcpy(&d_bits, row + b * sizeof(BlockQ8_0), 2);
        std::memcpy(w, row + b * sizeof(BlockQ8_0) + 2, kQuantBlock);
      } else {
        std::memcpy(&d_bits, row + b * sizeof(BlockQ4_0), 2);
        std::uint8_t qs[kQuantBlock / 2];
        std::memcpy(qs, row + b * sizeof(BlockQ4_0) + 2, sizeof qs);
        for (std::size_t j = 0; j < kQuantBlock / 2; ++j) {
          w[j] = static_cast<std::int8_t>((qs[j] & 0xF) - 8);
          w[j + kQuantBlock / 2] = static_cast<std::int8_t>((qs[j] >> 4) - 8);
        }
      }
      const float d = f16_to_f32(d_bits);
      for (std::size_t r = 0; r < x.rows; ++r) {
        const std::int8_t* q = x.qs.data() + r * x.row_values() + b * kQuantBlock;
        std::int32_t dot = 0;
        for (std::size_t j = 0; j < kQuantBlock; ++j) dot += std::int32_t(w[j]) * q[j];
        acc[r] += float(dot) * (d * x.scales[r * x.pairs * 2 + b]);
      }
    }
    for (std::size_t r = 0; r < x.rows; ++r) a.y[r * a.y_stride + o] = acc[r];
  }
}

}  // namespace

void prepare_quantized_rows_portable(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out) {
  out.rows = rows;
  out.blocks = cols / kQuantBlock;
  out.pairs = (out.blocks + 1) / 2;
  const std::size_t stride = out.row_values();
  out.qs.assign(rows * stride, 0);
  out.scales.assign(rows * out.pairs * 2, 0.0f);
  out.sums.assign(rows * out.pairs * 2, 0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t b = 0; b < out.blocks; ++b) {
      BlockQ8_0 block;
      quantize_row_q8_0(std::span<const float>(x + r * cols + b * kQuantBlock, kQuantBlock),
                        std::as_writable_bytes(std::span(&block, 1)));
      std::int32_t sum = 0;
      for (std::size_t j = 0; j < kQuantBlock; ++j) {
        out.qs[r * stride + b * kQuantBlock + j] = block.qs[j];
        sum += block.qs[j];
      }
      out.scales[r * out.pairs * 2 + b] = f16_to_f32(block.d);
      out.sums[r * out.pairs * 2 + b] = sum;
    }
}

const RowsKernelSet& portable_kernels() {
  static const RowsKernelSet set{"portable",
                                 float_rows<TensorType::f32>,
                                 float_rows<TensorType::f16>,
                                 float_rows<TensorType::bf16>,
                                 prepare_quantized_rows_portable,
                                 quant_rows<TensorType::q8_0>,
                                 quant_rows<TensorType::q4_0>};
  return set;
}

}  // namespace specmap::runtime::kernels
