#pragma once
// Matrix products through OpenBLAS.
//
// Projection weights are stored as the cost model's Op describes them, W[in_features x
// out_features] row-major, and y = x * W. Measured on this host (one core, Debian's
// OpenBLAS 0.3.21, matrices far beyond the cache), a one-row product streams
// W[in x out] at 17-21 GB/s but W[out x in] (PyTorch's nn.Linear layout) at 14-18 GB/s,
// and decode is bound by exactly that stream. Checkpoint readers transpose once at load.
#include <cstddef>
#include <span>

namespace specmap::runtime {

// y[rows x out] = x[rows x in] * W[in x out]. One row uses cblas_sgemv, more use
// cblas_sgemm; OpenBLAS threads as configured by use_blas_threads_on.
void linear(std::span<const float> x, std::size_t rows, std::span<const float> weight,
            std::size_t in_features, std::size_t out_features, std::span<float> y);

// y[rows x out] = x[rows x in] * W^T for W stored [out x in]: the LM head of a model whose
// head is tied to its [vocab x d_model] embedding table.
void linear_transposed(std::span<const float> x, std::size_t rows, std::span<const float> weight,
                       std::size_t in_features, std::size_t out_features, std::span<float> y);

}  // namespace specmap::runtime
