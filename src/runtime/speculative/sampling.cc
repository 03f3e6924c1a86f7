#include "runtime/speculative/sampling.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>

#include "runtime/cpu/vector_lanes.h"

namespace specmap::runtime {
namespace {

// The kernels below are written as loops over blocks of kBlock values with plain scalar
// bodies, not with the 64-byte vector types of the other kernels: GCC 12 compiles a
// comparison or select of such a type lane by lane wherever the target's registers are
// narrower (AVX2, SSE2, NEON), while its loop vectoriser turns a fixed-length loop into the
// target's own width. kBlock is a multiple of every vector length (16 floats on AVX-512),
// so no scalar epilogue inside a block is needed, which the -O2 cost model requires.
constexpr std::size_t kBlock = 16;

// The largest value under the rule of a scalar loop that replaces its best only by a
// greater value, starting at values[0]: a NaN never replaces it, and a NaN values[0] stays.
// kBlock interleaved slices run that loop from the same start and their results are
// combined by the same rule, so the value equals the scalar loop's. n >= 1.
template <class T>
[[gnu::always_inline]] inline T largest_of(const T* values, std::size_t n) {
  const T first = values[0];
  T slices[kBlock];
  std::fill(std::begin(slices), std::end(slices), first);
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (std::size_t k = 0; k < kBlock; ++k) slices[k] = values[i + k] > slices[k] ? values[i + k] : slices[k];
  }
  T best = first;
  for (const T value : slices) best = value > best ? value : best;
  for (; i < n; ++i) best = values[i] > best ? values[i] : best;
  return best;
}

// Index of the scalar loop's best: the first entry equal to the largest value (the loop
// keeps the first of equal maxima; +0 and -0 compare equal for both), 0 when values[0] is
// NaN (nothing compares greater than it).
template <class T>
[[gnu::always_inline]] inline int argmax_of(const T* values, std::size_t n) {
  if (n == 0) return -1;
  const T best = largest_of(values, n);
  if (best != best) return 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (values[i] == best) return static_cast<int>(i);
  }
  return 0;
}

SPECMAP_LANES_CLONES
float largest_float(const float* values, std::size_t n) { return largest_of(values, n); }

SPECMAP_LANES_CLONES
int argmax_floats(const float* values, std::size_t n) { return argmax_of(values, n); }

SPECMAP_LANES_CLONES
int argmax_doubles(const double* values, std::size_t n) { return argmax_of(values, n); }

std::int64_t bits_of(double x) {
  std::int64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

double double_of(std::int64_t bits) {
  double x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// e^x for x <= 0 (and -inf, NaN), without a comparison or select, so that the loop
// vectorises on every target (see kBlock): |x| >= 708 gives 0 (e^-708 is 3e-308, near the
// smallest normal double; std::exp would give a subnormal or 0), so do -inf and NaN.
// Otherwise x = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two parts, n ln 2's high part
// exact), e^r from its Taylor series to r^13 (truncation below 5e-18 relative), times 2^n
// built in the exponent bits: within a few roundings of std::exp. Adding 1.5 * 2^52 rounds
// x / ln 2 to n and leaves n in the sum's low bits, so no double-to-integer conversion is
// needed (AVX2 has none for 64-bit integers). Clamping and zeroing work on the bits of |x|:
// for non-negative doubles the bit patterns order as the values do.
[[gnu::always_inline]] inline double exp_nonpositive(double x) {
  constexpr std::int64_t kMagnitude = 0x7fffffffffffffff;
  constexpr std::int64_t kSign = std::numeric_limits<std::int64_t>::min();
  const std::int64_t limit = bits_of(708.0);
  const std::int64_t magnitude = bits_of(x) & kMagnitude;
  const std::int64_t excess = magnitude - limit;
  // All ones where |x| < 708, else 0: the sign of the difference, by a logical shift.
  const std::int64_t in_range = -static_cast<std::int64_t>(static_cast<std::uint64_t>(excess) >> 63);
  x = double_of((limit + (excess & in_range)) | kSign);  // -min(|x|, 708)

  constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52
  const double shifted = x * 1.4426950408889634 + kRound;
  const double n = shifted - kRound;
  const double r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
  double p = r * (1.0 / 6227020800.0) + (1.0 / 479001600.0);
  p = p * r + (1.0 / 39916800.0);
  p = p * r + (1.0 / 3628800.0);
  p = p * r + (1.0 / 362880.0);
  p = p * r + (1.0 / 40320.0);
  p = p * r + (1.0 / 5040.0);
  p = p * r + (1.0 / 720.0);
  p = p * r + (1.0 / 120.0);
  p = p * r + (1.0 / 24.0);
  p = p * r + (1.0 / 6.0);
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const double scale = double_of((bits_of(shifted) - bits_of(kRound) + 1023) << 52);
  return double_of(bits_of(p * scale) & in_range);
}

// out[i] = e^((logits[i] - max_logit) * inverse_temperature) for n values, max_logit the
// largest; returns their sum. The last partial block goes through a padded copy (padding
// -inf, whose e^ is 0), so every value takes the same arithmetic. The scalar std::exp this
// replaces cost about 5 ns a value: 0.17 ms for each row of a 32000-token vocabulary, and a
// verification samples gamma + 1 rows and each drafting step one, which made sampling a
// tenth of a speculative iteration on small models.
SPECMAP_LANES_CLONES
double exp_shifted_into(const float* logits, std::size_t n, double max_logit, double inverse_temperature,
                        double* out) {
  double sums[kBlock] = {};
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (std::size_t k = 0; k < kBlock; ++k) {
      const double e = exp_nonpositive((static_cast<double>(logits[i + k]) - max_logit) * inverse_temperature);
      out[i + k] = e;
      sums[k] += e;
    }
  }
  if (i < n) {
    float padded[kBlock];
    std::fill(std::begin(padded), std::end(padded), -std::numeric_limits<float>::infinity());
    std::copy(logits + i, logits + n, padded);
    double tail[kBlock];
    for (std::size_t k = 0; k < kBlock; ++k) {
      tail[k] = exp_nonpositive((static_cast<double>(padded[k]) - max_logit) * inverse_temperature);
      sums[k] += tail[k];
    }
    std::copy(tail, tail + (n - i), out + i);
  }
  double total = 0.0;
  for (const double sum : sums) total += sum;
  return total;
}

SPECMAP_LANES_CLONES
void scale_into(double* values, std::size_t n, double factor) {
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (std::size_t k = 0; k < kBlock; ++k) values[i + k] *= factor;
  }
  for (; i < n; ++i) values[i] *= factor;
}

}  // namespace

void softmax_into(std::span<const float> logits, double temperature, std::span<double> out) {
  if (logits.empty()) return;
  const double max_logit = largest_float(logits.data(), logits.size());
  if (!std::isfinite(max_logit)) {
    // All -inf (or a +inf/NaN logit): no finite reference point; fall back to a one-hot
    // distribution on the largest entry instead of producing NaNs.
    std::fill(out.begin(), out.end(), 0.0);
    out[static_cast<std::size_t>(argmax(logits))] = 1.0;
    return;
  }
  const double sum = exp_shifted_into(logits.data(), logits.size(), max_logit, 1.0 / temperature, out.data());
  // sum >= 1 because the maximum contributes e^0.
  scale_into(out.data(), out.size(), 1.0 / sum);
}

std::vector<double> softmax(std::span<const float> logits, double temperature) {
  std::vector<double> out(logits.size());
  softmax_into(logits, temperature, out);
  return out;
}

int argmax(std::span<const float> values) { return argmax_floats(values.data(), values.size()); }
int argmax(std::span<const double> values) { return argmax_doubles(values.data(), values.size()); }

int softmax_and_argmax_rows(std::span<const float> logits, std::size_t rows, std::vector<double>& scratch) {
  const std::size_t vocab = logits.size() / std::max<std::size_t>(rows, 1);
  scratch.resize(vocab);
  int token = -1;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::span<const float> row = logits.subspan(r * vocab, vocab);
    softmax_into(row, 1.0, scratch);
    token = argmax(row);
  }
  return token;
}

double uniform_unit(std::mt19937_64& rng) {
  // 53 bits fill a double's mantissa exactly, so every value is a multiple of 2^-53 below 1.
  constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;
  return static_cast<double>(rng() >> 11) * kTwoToMinus53;
}

int sample_index(std::span<const double> weights, std::mt19937_64& rng) {
  double total = 0.0;
  int last_positive = -1;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] > 0.0) {
      total += weights[i];
      last_positive = static_cast<int>(i);
    }
  }
  if (last_positive < 0 || !std::isfinite(total)) return argmax(weights);
  const double target = uniform_unit(rng) * total;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0.0) continue;
    cumulative += weights[i];
    if (target < cumulative) return static_cast<int>(i);
  }
  // Rounding can leave `target` a hair above the final cumulative sum.
  return last_positive;
}

}  // namespace specmap::runtime
