#pragma once
// Turning logits into distributions and drawing tokens from them reproducibly. Uniform
// draws are built directly from the 64-bit engine's output because the standard
// std::*_distribution classes may produce different values on different standard
// libraries, and a seed must give the same tokens everywhere.
#include <cstddef>
#include <random>
#include <span>
#include <vector>

namespace specmap::runtime {

// A row-major [rows x vocab] block of probability distributions (one per position).
struct DistributionRows {
  std::span<const double> values;
  std::size_t vocab = 0;

  [[nodiscard]] std::size_t rows() const { return vocab == 0 ? 0 : values.size() / vocab; }
  [[nodiscard]] std::span<const double> row(std::size_t index) const {
    return values.subspan(index * vocab, vocab);
  }
};

// softmax(logits / temperature) in double precision. The maximum logit is subtracted
// first so large logits cannot overflow exp(). Requires temperature > 0 and finite, and
// out.size() == logits.size(); logits of -infinity, NaN logits after the first, and logits
// 708 x temperature or more below the maximum (whose share would be below 3e-308) get
// probability 0. A NaN or +infinity as the largest value gives a one-hot distribution on the
// argmax.
void softmax_into(std::span<const float> logits, double temperature, std::span<double> out);
[[nodiscard]] std::vector<double> softmax(std::span<const float> logits, double temperature);

// Index of the largest entry; the lowest index wins ties so greedy decoding does not
// depend on evaluation order. Returns -1 for an empty span.
[[nodiscard]] int argmax(std::span<const float> values);
[[nodiscard]] int argmax(std::span<const double> values);

// Softmax (temperature 1) and argmax of each of the `rows` rows of `logits`, using
// `scratch` for the probabilities; returns the last row's argmax. The work greedy decoding
// does on every model call's logits: the profiler and timing code charge it to the pass.
int softmax_and_argmax_rows(std::span<const float> logits, std::size_t rows, std::vector<double>& scratch);

// Uniform double in [0, 1) carrying the engine's top 53 bits.
[[nodiscard]] double uniform_unit(std::mt19937_64& rng);

// Draws index i with probability weights[i] / sum(weights). The weights need not be
// normalised; an index whose weight is 0 (or negative) is never drawn. When no weight is
// positive there is nothing to sample and the result is argmax(weights).
[[nodiscard]] int sample_index(std::span<const double> weights, std::mt19937_64& rng);

}  // namespace specmap::runtime
