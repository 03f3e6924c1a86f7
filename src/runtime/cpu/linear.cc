#include "runtime/cpu/linear.h"

#include <cblas.h>

#include <cassert>
#include <vector>

#include "runtime/kernels/cpu/reference.h"

namespace specmap::runtime {

namespace {

// Output features per chunk of the thread split: enough work per chunk to amortise the
// hand-off, small enough to balance two to eight cores on a d_model of 512.
constexpr std::size_t kOutputsPerChunk = 64;

void linear_f32(std::span<const float> x, std::size_t rows, const WeightTensor& weight, std::span<float> y) {
  const auto in = static_cast<int>(weight.cols);
  const auto out = static_cast<int>(weight.rows);
  const float* w = weight.f32().data();
  if (rows == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, w, in, x.data(), 1, 0.0f, y.data(), 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), out, in, 1.0f, x.data(), in, w,
              in, 0.0f, y.data(), out);
}

}  // namespace

void linear(std::span<const float> x, std::size_t rows, const WeightTensor& weight, std::span<float> y,
            ThreadPool& pool) {
  const std::size_t in = weight.cols;
  const std::size_t out = weight.rows;
  assert(x.size() >= rows * in);
  assert(y.size() >= rows * out);
  if (rows == 0) return;
  if (weight.type == TensorType::f32) return linear_f32(x, rows, weight, y);

  if (weight.type == TensorType::q8_0 || weight.type == TensorType::q4_0) {
    std::vector<std::vector<BlockQ8_0>> xq(rows);
    for (std::size_t r = 0; r < rows; ++r)
      xq[r] = reference::quantize_activations_q8_0(x.subspan(r * in, in));
    pool.parallel_for(out, kOutputsPerChunk, [&](std::size_t begin, std::size_t end) {
      for (std::size_t o = begin; o < end; ++o)
        for (std::size_t r = 0; r < rows; ++r)
          y[r * out + o] = reference::dot_row_q8(weight.type, weight.row(o), xq[r]);
    });
    return;
  }
  // f16 / bf16: each weight row is converted once and used for every activation row.
  pool.parallel_for(out, kOutputsPerChunk, [&](std::size_t begin, std::size_t end) {
    std::vector<float> w(in);
    for (std::size_t o = begin; o < end; ++o) {
      reference::dequantize_row(weight.type, weight.row(o), w);
      for (std::size_t r = 0; r < rows; ++r) {
        const float* xr = x.data() + r * in;
        float sum = 0.0f;
        for (std::size_t i = 0; i < in; ++i) sum += w[i] * xr[i];
        y[r * out + o] = sum;
      }
    }
  });
}

void add_bias(std::span<float> y, std::span<const float> bias) {
  if (bias.empty()) return;
  assert(y.size() % bias.size() == 0);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += bias[i % bias.size()];
}

}  // namespace specmap::runtime
