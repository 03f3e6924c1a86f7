#include "runtime/cpu/rotary.h"

#include <algorithm>
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
void row_angles(double position, std::span<const float> inverse_frequencies, float* cosines, float* sines) {
  for (std::size_t i = 0; i < inverse_frequencies.size(); ++i) {
    const double angle = position * double(inverse_frequencies[i]);
    cosines[i] = static_cast<float>(std::cos(angle));
    sines[i] = static_cast<float>(std::sin(angle));
  }
}

// Every layer of a step rotates the same positions with the same frequencies: the angles of
// each position are computed once per thread and reused (a sin and a cos in double per
// angle were most of the rotary's time at a few rows, 12 times per step). The table
// restarts when the frequencies change (another model's head size or theta).
class AngleTable {
 public:
  // cos (first half) and sin (second half) of `position`'s angles.
  const float* row(std::size_t position, std::span<const float> inverse_frequencies) {
    const std::size_t half = inverse_frequencies.size();
    if (!std::equal(inverse_frequencies.begin(), inverse_frequencies.end(), frequencies_.begin(),
                    frequencies_.end())) {
      frequencies_.assign(inverse_frequencies.begin(), inverse_frequencies.end());
      values_.clear();
      positions_ = 0;
    }
    if (position >= positions_) {
      const std::size_t grown = std::max(position + 1, 2 * positions_);
      values_.resize(grown * 2 * half);
      for (std::size_t p = positions_; p < grown; ++p)
        row_angles(double(p), inverse_frequencies, values_.data() + p * 2 * half,
                   values_.data() + p * 2 * half + half);
      positions_ = grown;
    }
    return values_.data() + position * 2 * half;
  }

 private:
  std::vector<float> frequencies_;
  std::vector<float> values_;  // [positions_ x 2 * half]
  std::size_t positions_ = 0;
};

const float* angles_of(std::size_t position, std::span<const float> inverse_frequencies) {
  thread_local AngleTable table;
  return table.row(position, inverse_frequencies);
}

void rotate_row(float* row, std::size_t heads, std::size_t head_dim, const float* cosines,
                const float* sines) {
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
    for (std::size_t r = begin; r < end; ++r) {
      const float* angles = angles_of(first_position + r, inverse_frequencies);
      rotate_row(x.data() + r * width, heads, head_dim, angles, angles + half);
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
    for (std::size_t r = begin; r < end; ++r) {
      const float* angles = angles_of(first_position + r, inverse_frequencies);
      rotate_row(q.data() + r * q_width, heads, head_dim, angles, angles + half);
      rotate_row(k.data() + r * k_width, kv_heads, head_dim, angles, angles + half);
    }
  });
}

}  // namespace specmap::runtime
