#pragma once
// Linear layers on weights in their stored type (weights/weight_tensor.h): W is
// [out_features x in_features] and y = x * W^T, as GGUF stores projections.
//
// Up to kernels::kMaxKernelRows rows (decode and verification steps) run the kernels of
// kernels/cpu/ (the best set this CPU runs, dispatch.h), which stream each weight row once
// for all rows, with the output features split over the pool's threads (in whole panels
// when the tensor carries a packed copy made by the set's `pack`: then the set's packed
// kernels run, kernels/cpu/packed_weights.h); q8_0 / q4_0
// quantize the activation rows to Q8_0 once per call and take int8 dot products per block,
// as llama.cpp does. More rows run in groups of that many, except f32 beyond
// kBlasMinRows rows, which goes to OpenBLAS's GEMM (threads as use_blas_threads_on set).
#include <cstddef>
#include <span>

#include "runtime/cpu/thread_pool.h"
#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/weights/weight_tensor.h"

namespace specmap::runtime {

// From this many rows on, f32 products go to OpenBLAS's sgemm instead of the kernels in
// groups of 16 rows; measured with decode_bench's BM_LinearF32Rows
// on host-target-110m's d_ff x d_model matrix, one core (figures at the definition).
extern const std::size_t kBlasMinRows;

// y[rows x weight.rows] = x[rows x weight.cols] * W^T.
void linear(std::span<const float> x, std::size_t rows, const WeightTensor& weight, std::span<float> y,
            ThreadPool& pool);

// The same with a given kernel set, for every row count (no OpenBLAS): tests and benchmarks.
void linear_with(const kernels::RowsKernelSet& set, std::span<const float> x, std::size_t rows,
                 const WeightTensor& weight, std::span<float> y, ThreadPool& pool);

// y[r x width] += bias[width] for every row; nothing when bias is empty.
void add_bias(std::span<float> y, std::span<const float> bias);

}  // namespace specmap::runtime
