#include "runtime/speculative/sampling.h"

#include <gtest/gtest.h>

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
