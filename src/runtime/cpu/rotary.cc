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

namespace {
// cos and sin of row `position`'s angles, in double: positions times small frequencies lose
// digits in float.
void row_angles(double position, std::span<const float> inverse_frequencies, std::vector<float>& cosines,
                std::vector<float>& sines) {
  for (std::size_t i = 0; i < inverse_frequencies.size(); ++i) {
    const double angle = position * double(inverse_frequencies[i]);
    cosines[i] = static_cast<float>(std::cos(angle));
    sines[i] = static_cast<float>(std::sin(angle));
  }
}

void rotate_row(float* row, std::size_t heads, std::size_t head_dim, const std::vector<float>& cosines,
                const std::vector<float>& sines) {
  const std::size_t half = head_dim / 2;
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
}  // namespace

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
      row_angles(double(first_position + r), inverse_frequencies, cosines, sines);
      rotate_row(x.data() + r * width, heads, head_dim, cosines, sines);
    }
  });
}

void apply_rotary(std::span<float> q, std::size_t heads, std::span<float> k, std::size_t kv_heads,
                  std::size_t head_dim, std::size_t first_position,
                  std::span<const float> inverse_frequencies, ThreadPool& pool) {
  const std::size_t half = head_dim / 2;
  const std::size_t q_width = heads * head_dim;
  const std::size_t k_width = kv_heads * head_dim;
  assert(inverse_frequencies.size() == half && q_width > 0 && k_width > 0 && q.size() % q_width == 0);
  const std::size_t rows = q.size() / q_width;
  assert(k.size() == rows * k_width);
  pool.parallel_for(rows, kRowsPerChunk, [&](std::size_t begin, std::size_t end) {
    std::vector<float> cosines(half);
    std::vector<float> sines(half);
    for (std::size_t r = begin; r < end; ++r) {
      row_angles(double(first_position + r), inverse_frequencies, cosines, sines);
      rotate_row(q.data() + r * q_width, heads, head_dim, cosines, sines);
      rotate_row(k.data() + r * k_width, kv_heads, head_dim, cosines, sines);
    }
  });
}

}  // namespace specmap::runtime
