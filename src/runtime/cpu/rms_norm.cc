#include "runtime/cpu/rms_norm.h"

#include <cassert>
#include <cmath>

namespace specmap::runtime {

namespace {
// Rows per chunk: one row of a few thousand values is far cheaper than waking a thread.
constexpr std::size_t kRowsPerChunk = 8;
}  // namespace

void rms_norm(std::span<const float> x, std::span<const float> weight, float eps, std::span<float> out,
              ThreadPool& pool) {
  const std::size_t width = weight.size();
  assert(width > 0 && x.size() % width == 0 && out.size() >= x.size());
  const std::size_t rows = x.size() / width;
  pool.parallel_for(rows, kRowsPerChunk, [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      const float* in = x.data() + r * width;
      float* o = out.data() + r * width;
      double sum_squares = 0;  // double: widths reach thousands of values
      for (std::size_t i = 0; i < width; ++i) sum_squares += double(in[i]) * in[i];
      const auto scale = static_cast<float>(1.0 / std::sqrt(sum_squares / double(width) + eps));
      for (std::size_t i = 0; i < width; ++i) o[i] = in[i] * scale * weight[i];
    }
  });
}

}  // namespace specmap::runtime
