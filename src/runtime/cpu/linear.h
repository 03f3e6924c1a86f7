#pragma once
// Linear layers on weights in their stored type (weights/weight_tensor.h): W is
// [out_features x in_features] and y = x * W^T, as GGUF stores projections.
//
// f32 weights go through OpenBLAS (cblas_sgemv for one row, cblas_sgemm for more; OpenBLAS
// threads as configured by use_blas_threads_on). The other types run the reference
// kernels (kernels/cpu/reference.h) with output features split over the pool's threads;
// q8_0 / q4_0 quantize the activation rows to Q8_0 once per call and take int8 dot
// products per block, as llama.cpp does.
#include <cstddef>
#include <span>

#include "runtime/cpu/thread_pool.h"
#include "runtime/weights/weight_tensor.h"

namespace specmap::runtime {

// y[rows x weight.rows] = x[rows x weight.cols] * W^T.
void linear(std::span<const float> x, std::size_t rows, const WeightTensor& weight, std::span<float> y,
            ThreadPool& pool);

// y[r x width] += bias[width] for every row; nothing when bias is empty.
void add_bias(std::span<float> y, std::span<const float> bias);

}  // namespace specmap::runtime
