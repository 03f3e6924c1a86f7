#include "runtime/cpu/rms_norm.h"

#include <cassert>
#include <cmath>

namespace specmap::runtime {

namespace {
// Rows per chunk: one row of a few thousand values is far cheaper than waking a thread.
constexpr std::size_t kRowsPerChunk = 8;
// Independent partial sums of squares per row.
constexpr std::size_t kSumChains = 8;
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
      // double: widths reach thousands of values (each product of two floats is exact in
      // double). Eight partial sums: one chain of dependent adds waited on the add latency
      // for every value (about 1 us per row of 768, 25 norms per row in a step).
      double partial[kSumChains] = {};
      std::size_t i = 0;
      for (; i + kSumChains <= width; i += kSumChains)
#pragma GCC unroll 8
        for (std::size_t c = 0; c < kSumChains; ++c) partial[c] += double(in[i + c]) * in[i + c];
      for (; i < width; ++i) partial[0] += double(in[i]) * in[i];
      double sum_squares = 0;
      for (double p : partial) sum_squares += p;
      const auto scale = static_cast<float>(1.0 / std::sqrt(sum_squares / double(width) + eps));
      for (std::size_t i = 0; i < width; ++i) o[i] = in[i] * scale * weight[i];
    }
  });
}

}  // namespace specmap::runtime
