#include "runtime/speculative/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace specmap::runtime {
namespace {

template <class T>
int argmax_of(std::span<const T> values) {
  if (values.empty()) return -1;
  std::size_t best = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    // Strictly greater: the first of equal maxima stays.
    if (values[i] > values[best]) best = i;
  }
  return static_cast<int>(best);
}

}  // namespace

void softmax_into(std::span<const float> logits, double temperature, std::span<double> out) {
  if (logits.empty()) return;
  const double max_logit = *std::max_element(logits.begin(), logits.end());
  if (!std::isfinite(max_logit)) {
    // All -inf (or a +inf/NaN logit): no finite reference point; fall back to a one-hot
    // distribution on the largest entry instead of producing NaNs.
    std::fill(out.begin(), out.end(), 0.0);
    out[static_cast<std::size_t>(argmax(logits))] = 1.0;
    return;
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    out[i] = std::exp((static_cast<double>(logits[i]) - max_logit) / temperature);
    sum += out[i];
  }
  // sum >= 1 because the maximum contributes exp(0).
  for (double& p : out) p /= sum;
}

std::vector<double> softmax(std::span<const float> logits, double temperature) {
  std::vector<double> out(logits.size());
  softmax_into(logits, temperature, out);
  return out;
}

int argmax(std::span<const float> values) { return argmax_of(values); }
int argmax(std::span<const double> values) { return argmax_of(values); }

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
