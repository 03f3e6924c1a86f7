#include "runtime/cpu/linear.h"

#include <cblas.h>

#include <cassert>

namespace specmap::runtime {

void linear(std::span<const float> x, std::size_t rows, std::span<const float> weight,
            std::size_t in_features, std::size_t out_features, std::span<float> y) {
  assert(x.size() >= rows * in_features);
  assert(weight.size() == in_features * out_features);
  assert(y.size() >= rows * out_features);
  if (rows == 0) return;
  const auto in = static_cast<int>(in_features);
  const auto out = static_cast<int>(out_features);
  if (rows == 1) {
    // y^T = W^T x^T with W row-major [in x out].
    cblas_sgemv(CblasRowMajor, CblasTrans, in, out, 1.0f, weight.data(), out, x.data(), 1, 0.0f, y.data(), 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), out, in, 1.0f, x.data(), in,
              weight.data(), out, 0.0f, y.data(), out);
}

void linear_transposed(std::span<const float> x, std::size_t rows, std::span<const float> weight,
                       std::size_t in_features, std::size_t out_features, std::span<float> y) {
  assert(x.size() >= rows * in_features);
  assert(weight.size() == in_features * out_features);
  assert(y.size() >= rows * out_features);
  if (rows == 0) return;
  const auto in = static_cast<int>(in_features);
  const auto out = static_cast<int>(out_features);
  if (rows == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, weight.data(), in, x.data(), 1, 0.0f, y.data(),
                1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), out, in, 1.0f, x.data(), in,
              weight.data(), in, 0.0f, y.data(), out);
}

}  // namespace specmap::runtime
