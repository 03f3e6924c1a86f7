#include "runtime/cpu/linear.h"

#include <cblas.h>

#include <algorithm>
#include <cassert>

#include "runtime/kernels/cpu/dispatch.h"
#include "runtime/kernels/cpu/packed_weights.h"

namespace specmap::runtime {

// Measured with decode_bench's BM_LinearF32Rows (host-target-110m's gate_proj, 2048 x 768
// f32, one core, AVX-512 set with four outputs per pass, CPU time on this project's shared
// 2-core AMD EPYC VM, both sides in one run): the kernels take 0.47 / 1.00 / 1.93 / 3.79 /
// 7.61 / 14.1 ms for 16 / 32 / 64 / 128 / 256 / 512 rows against OpenBLAS's 0.86 / 1.27 /
// 2.22 / 4.29 / 8.51 / 15.8 ms: 45 % faster at 16 rows, 10-13 % from 64 on, at every row
// count measured. So OpenBLAS only beyond the measured range.
const std::size_t kBlasMinRows = 513;

namespace {

// Output features per chunk of the thread split: enough work per chunk to amortise the
// hand-off, small enough to balance the cores.
constexpr std::size_t kOutputsPerChunk = 32;

void linear_blas(std::span<const float> x, std::size_t rows, const WeightTensor& weight, std::span<float> y) {
  const auto in = static_cast<int>(weight.cols);
  const auto out = static_cast<int>(weight.rows);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), out, in, 1.0f, x.data(), in,
              weight.f32().data(), in, 0.0f, y.data(), out);
}

kernels::FloatRowsKernel float_kernel(const kernels::RowsKernelSet& set, TensorType type) {
  switch (type) {
    case TensorType::f32:
      return set.f32;
    case TensorType::f16:
      return set.f16;
    case TensorType::bf16:
      return set.bf16;
    default:
      return nullptr;
  }
}

kernels::PackedFloatKernel packed_float_kernel(const kernels::RowsKernelSet& set, TensorType type) {
  switch (type) {
    case TensorType::f32:
      return set.packed_f32;
    case TensorType::f16:
      return set.packed_f16;
    default:
      return nullptr;
  }
}

// The outputs split over the pool's threads in whole panels of `panel`.
template <typename Body>
void for_panels(ThreadPool& pool, std::size_t out, std::size_t panel, const Body& body) {
  const std::size_t panels = (out + panel - 1) / panel;
  const std::size_t min_panels = std::max<std::size_t>(1, kOutputsPerChunk / panel);
  pool.parallel_for(panels, min_panels, [&](std::size_t begin, std::size_t end) {
    body(begin * panel, std::min(end * panel, out));
  });
}

}  // namespace

void linear_with(const kernels::RowsKernelSet& set, std::span<const float> x, std::size_t rows,
                 const WeightTensor& weight, std::span<float> y, ThreadPool& pool) {
  const std::size_t in = weight.cols;
  const std::size_t out = weight.rows;
  assert(x.size() >= rows * in && y.size() >= rows * out);
  const bool quantized = weight.type == TensorType::q8_0 || weight.type == TensorType::q4_0;
  // One buffer per calling thread, reused: the activations of one call, quantized.
  thread_local kernels::QuantizedRows quantized_rows;
  // The set's packed kernels when its `pack` made the tensor's packed copy.
  const kernels::PackedWeights* packed =
      weight.packed != nullptr && set.pack != nullptr && weight.packed_by == set.pack ? weight.packed.get()
                                                                                      : nullptr;
  const kernels::PackedQuantKernel packed_quant = packed == nullptr                 ? nullptr
                                                  : weight.type == TensorType::q8_0 ? set.packed_q8_0
                                                  : weight.type == TensorType::q4_0 ? set.packed_q4_0
                                                                                    : nullptr;
  const kernels::PackedFloatKernel packed_float =
      packed == nullptr ? nullptr : packed_float_kernel(set, weight.type);
  for (std::size_t r0 = 0; r0 < rows; r0 += kernels::kMaxKernelRows) {
    const std::size_t n = std::min(kernels::kMaxKernelRows, rows - r0);
    const float* xr = x.data() + r0 * in;
    float* yr = y.data() + r0 * out;
    if (packed_quant != nullptr) {
      (set.prepare_packed != nullptr ? set.prepare_packed : set.prepare)(xr, n, in, quantized_rows);
      const kernels::PackedQuantArgs args{packed, &quantized_rows, yr, out};
      for_panels(pool, out, packed->panel,
                 [&](std::size_t begin, std::size_t end) { packed_quant(args, begin, end); });
    } else if (packed_float != nullptr) {
      const kernels::PackedFloatArgs args{packed, xr, n, yr, out};
      for_panels(pool, out, packed->panel,
                 [&](std::size_t begin, std::size_t end) { packed_float(args, begin, end); });
    } else if (quantized) {
      set.prepare(xr, n, in, quantized_rows);
      const kernels::QuantRowsKernel kernel = weight.type == TensorType::q8_0 ? set.q8_0 : set.q4_0;
      const kernels::QuantRowsArgs args{weight.bytes.data(), weight.row_stride(), &quantized_rows, yr, out};
      pool.parallel_for(out, kOutputsPerChunk,
                        [&](std::size_t begin, std::size_t end) { kernel(args, begin, end); });
    } else {
      const kernels::FloatRowsKernel kernel = float_kernel(set, weight.type);
      const kernels::FloatRowsArgs args{weight.bytes.data(), weight.row_stride(), in, xr, n, yr, out};
      pool.parallel_for(out, kOutputsPerChunk,
                        [&](std::size_t begin, std::size_t end) { kernel(args, begin, end); });
    }
  }
}

void linear(std::span<const float> x, std::size_t rows, const WeightTensor& weight, std::span<float> y,
            ThreadPool& pool) {
  if (rows == 0) return;
  if (weight.type == TensorType::f32 && rows >= kBlasMinRows) return linear_blas(x, rows, weight, y);
  linear_with(kernels::active_kernel_set(), x, rows, weight, y, pool);
}

void add_bias(std::span<float> y, std::span<const float> bias) {
  if (bias.empty()) return;
  assert(y.size() % bias.size() == 0);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += bias[i % bias.size()];
}

}  // namespace specmap::runtime
