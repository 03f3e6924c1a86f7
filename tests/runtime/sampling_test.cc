#include "runtime/speculative/sampling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace specmap::runtime {
namespace {

TEST(SamplingTest, SoftmaxMatchesDefinitionAndSumsToOne) {
  const std::vector<float> logits = {1.0F, 2.0F, 0.5F, -1.0F};
  const std::vector<double> probs = softmax(logits, 1.0);
  double denominator = 0.0;
  for (const float l : logits) denominator += std::exp(static_cast<double>(l));
  ASSERT_EQ(probs.size(), logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    EXPECT_NEAR(probs[i], std::exp(static_cast<double>(logits[i])) / denominator, 1e-12);
  }
  EXPECT_NEAR(std::accumulate(probs.begin(), probs.end(), 0.0), 1.0, 1e-12);
}

TEST(SamplingTest, SoftmaxIsStableForHugeLogits) {
  // exp(1e4) overflows a double; subtracting the maximum first keeps it finite.
  const std::vector<float> logits = {10000.0F, 10000.0F - static_cast<float>(std::log(3.0)), -10000.0F};
  const std::vector<double> probs = softmax(logits, 1.0);
  EXPECT_NEAR(probs[0], 0.75, 1e-5);
  EXPECT_NEAR(probs[1], 0.25, 1e-5);
  EXPECT_EQ(probs[2], 0.0);
}

TEST(SamplingTest, TemperatureSharpensAndFlattens) {
  const std::vector<float> logits = {2.0F, 1.0F};
  // p0/p1 = exp((2 - 1) / T).
  EXPECT_NEAR(softmax(logits, 0.5)[0] / softmax(logits, 0.5)[1], std::exp(2.0), 1e-9);
  EXPECT_NEAR(softmax(logits, 2.0)[0] / softmax(logits, 2.0)[1], std::exp(0.5), 1e-9);
}

TEST(SamplingTest, NegativeInfinityLogitGetsZeroProbability) {
  const float minus_inf = -std::numeric_limits<float>::infinity();
  const std::vector<double> probs = softmax(std::vector<float>{0.0F, minus_inf, 0.0F}, 1.0);
  EXPECT_DOUBLE_EQ(probs[0], 0.5);
  EXPECT_EQ(probs[1], 0.0);
  EXPECT_DOUBLE_EQ(probs[2], 0.5);
}

// The vocabulary sizes real models have, and ones that are not multiples of the kernels'
// block of 16 values, so the padded last block is exercised too.
TEST(SamplingTest, SoftmaxOfLongRowsMatchesStdExp) {
  std::mt19937 rng(5);
  std::normal_distribution<float> logit(0.0F, 4.0F);
  for (const std::size_t vocab : {std::size_t{1}, std::size_t{15}, std::size_t{17}, std::size_t{32000},
                                  std::size_t{32003}, std::size_t{151936}}) {
    for (const double temperature : {1.0, 0.7, 2.5}) {
      std::vector<float> logits(vocab);
      for (float& l : logits) l = logit(rng);
      const std::vector<double> probs = softmax(logits, temperature);
      const double top = *std::max_element(logits.begin(), logits.end());
      double denominator = 0.0;
      for (const float l : logits) denominator += std::exp((static_cast<double>(l) - top) / temperature);
      double total = 0.0;
      for (std::size_t i = 0; i < vocab; ++i) {
        const double expected = std::exp((static_cast<double>(logits[i]) - top) / temperature) / denominator;
        ASSERT_NEAR(probs[i] / expected, 1.0, 1e-13) << "vocab " << vocab << " T " << temperature << " i " << i;
        total += probs[i];
      }
      EXPECT_NEAR(total, 1.0, 1e-12) << "vocab " << vocab;
    }
  }
}

TEST(SamplingTest, SoftmaxGivesZeroToLogitsFarBelowTheMaximumAndToNaN) {
  std::vector<float> logits(40, 0.0F);
  logits[3] = -720.0F;  // e^-720 is below the smallest normal double
  logits[20] = std::numeric_limits<float>::quiet_NaN();
  logits[33] = -700.0F;  // e^-700 is a normal double and stays
  const std::vector<double> probs = softmax(logits, 1.0);
  EXPECT_EQ(probs[3], 0.0);
  EXPECT_EQ(probs[20], 0.0);
  // 37 logits of 0 share the mass; e^-700 adds nothing visible to the sum.
  EXPECT_NEAR(probs[33] / (std::exp(-700.0) / 37.0), 1.0, 1e-12);
  EXPECT_NEAR(probs[0], 1.0 / 37.0, 1e-15);
}

TEST(SamplingTest, ArgmaxOfLongRowsIsTheFirstOfEqualMaxima) {
  for (const std::size_t size : {std::size_t{2}, std::size_t{16}, std::size_t{33}, std::size_t{32003}}) {
    std::vector<float> floats(size, -1.0F);
    std::vector<double> doubles(size, -1.0);
    const std::size_t first = size / 2;
    floats[first] = floats[size - 1] = 3.0F;
    doubles[first] = doubles[size - 1] = 3.0;
    EXPECT_EQ(argmax(floats), static_cast<int>(first)) << size;
    EXPECT_EQ(argmax(doubles), static_cast<int>(first)) << size;
    // A NaN never wins, except in front, where nothing compares greater than it.
    if (first > 1) {
      floats[first - 1] = std::numeric_limits<float>::quiet_NaN();
      EXPECT_EQ(argmax(floats), static_cast<int>(first)) << size;
    }
    floats[0] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(argmax(floats), 0) << size;
  }
  std::vector<float> negative_zero_first(20, -5.0F);
  negative_zero_first[4] = -0.0F;
  negative_zero_first[9] = 0.0F;
  EXPECT_EQ(argmax(negative_zero_first), 4);
}

TEST(SamplingTest, ArgmaxPrefersLowestIndexOnTies) {
  EXPECT_EQ(argmax(std::vector<float>{0.1F, 0.7F, 0.7F, 0.2F}), 1);
  EXPECT_EQ(argmax(std::vector<double>{-3.0, -1.0, -2.0}), 1);
  EXPECT_EQ(argmax(std::vector<double>{}), -1);
}

TEST(SamplingTest, UniformUnitStaysInHalfOpenIntervalAndHasMeanOneHalf) {
  std::mt19937_64 rng(7);
  constexpr int kDraws = 100000;
  double sum = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = uniform_unit(rng);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // Standard deviation of the mean: sqrt(1/12 / n) ~ 0.0009.
  EXPECT_NEAR(sum / kDraws, 0.5, 0.005);
}

TEST(SamplingTest, UniformUnitUsesTheEngineTopBits) {
  // Reproducible across standard libraries because it is a fixed function of the raw
  // engine output, which the C++ standard pins down for mt19937_64.
  std::mt19937_64 a(42);
  std::mt19937_64 b(42);
  const std::uint64_t raw = b();
  EXPECT_EQ(uniform_unit(a), static_cast<double>(raw >> 11) / 9007199254740992.0);
  // The standard requires the 10000th output of a default-seeded mt19937_64 to be this.
  std::mt19937_64 reference;
  reference.discard(9999);
  EXPECT_EQ(reference(), 9981545732273789042ULL);
}

TEST(SamplingTest, SampleIndexFollowsUnnormalisedWeights) {
  const std::vector<double> weights = {1.0, 0.0, 3.0, 4.0};  // probabilities 1/8, 0, 3/8, 4/8
  std::mt19937_64 rng(3);
  constexpr int kDraws = 80000;
  std::vector<int> counts(weights.size(), 0);
  for (int i = 0; i < kDraws; ++i) counts[static_cast<std::size_t>(sample_index(weights, rng))] += 1;
  EXPECT_EQ(counts[1], 0);
  const double expected[] = {1.0 / 8, 0.0, 3.0 / 8, 4.0 / 8};
  for (std::size_t i = 0; i < weights.size(); ++i) {
    // Five binomial standard deviations.
    const double sd = std::sqrt(expected[i] * (1 - expected[i]) / kDraws);
    EXPECT_NEAR(static_cast<double>(counts[i]) / kDraws, expected[i], 5 * sd + 1e-12) << "index " << i;
  }
}

TEST(SamplingTest, SampleIndexNeverReturnsZeroWeightEntries) {
  const std::vector<double> weights = {0.0, 1e-300, 0.0};
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(sample_index(weights, rng), 1);
}

TEST(SamplingTest, SampleIndexWithoutPositiveWeightFallsBackToArgmax) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(sample_index(std::vector<double>{0.0, 0.0}, rng), 0);
  EXPECT_EQ(sample_index(std::vector<double>{-2.0, -1.0}, rng), 1);
}

TEST(SamplingTest, SameSeedSameSamples) {
  const std::vector<double> weights = {0.2, 0.3, 0.5};
  std::mt19937_64 a(99);
  std::mt19937_64 b(99);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sample_index(weights, a), sample_index(weights, b));
}

}  // namespace
}  // namespace specmap::runtime
