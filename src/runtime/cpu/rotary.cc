#include "runtime/cpu/rotary.h"

#include <cassert>
#include <cmath>

namespace specmap::runtime {

namespace {
constexpr std::size_t kRowsPerChunk = 16;
}  // namespace

std::vector<float> rotary_inverse_frequencies(std::size_t head_dim, double theta) {
  std::vector<float> inverse(head_dim / 2);
  for (std::size_t i = 0; i < inverse.size(); ++i)
    inverse[i] = static_cast<float>(std::pow(theta, -2.0 * double(i) / double(head_dim)));
  return inverse;
}

void apply_rotary(std::span<float> x, std::size_t heads, std::size_t head_dim, std::size_t first_position,
                  std::span<const float> inverse_frequencies, ThreadPool& pool) {
  const std::size_t half = head_dim / 2;
  const std::size_t width = heads * head_dim;
  assert(inverse_frequencies.size() == half && width > 0 && x.size() % width == 0);
  const std::size_t rows = x.size() / width;
  pool.parallel_for(rows, kRowsPerChunk, [&](std::size_t begin, std::size_t end) {
    std::vector<float> cosines(half);
    std::vector<float> sines(half);
    for (std::size_t r = begin; r < end; ++r) {
      // Angles in double: positions times small frequencies lose digits in float.
      const double position = double(first_position + r);
      for (std::size_t i = 0; i < half; ++i) {
        const double angle = position * double(inverse_frequencies[i]);
        cosines[i] = static_cast<float>(std::cos(angle));
        sines[i] = static_cast<float>(std::sin(angle));
      }
      float* row = x.data() + r * width;
      for (std::size_t h = 0; h < heads; ++h) {
        float* head = row + h * head_dim;
        for (std::size_t i = 0; i < half; ++i) {
          const float a = head[i];
          const float b = head[i + half];
          head[i] = a * cosines[i] - b * sines[i];
          head[i + half] = b * cosines[i] + a * sines[i];
        }
      }
    }
  });
}

}  // namespace specmap::runtime
