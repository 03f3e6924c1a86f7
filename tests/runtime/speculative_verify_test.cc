#include "runtime/speculative/speculative_verify.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/speculative/speculative_internal.h"

namespace specmap::runtime {
namespace {

constexpr std::size_t kVocab = 3;

VerifyPolicy sampling_policy() {
  VerifyPolicy policy;
  policy.greedy = false;
  return policy;
}

TEST(VerifyDraftsTest, GreedyKeepsTheMatchingPrefixThenTakesTheTargetArgmax) {
  const std::vector<int> drafted = {2, 0, 1};
  const std::vector<double> q = {0, 0, 1, 1, 0, 0, 0, 1, 0};
  // Target argmaxes: 2 (match), 0 (match), 2 (mismatch with 1), 1 (unused).
  const std::vector<double> p = {0.1, 0.2, 0.7, 0.6, 0.3, 0.1, 0.2, 0.3, 0.5, 0.1, 0.8, 0.1};
  std::mt19937_64 rng(1);
  Result<VerifyOutcome> outcome = verify_drafts(drafted, {q, kVocab}, {p, kVocab}, VerifyPolicy{}, rng);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->accepted, 2U);
  EXPECT_EQ(outcome->next_token, 2);
  EXPECT_FALSE(outcome->bonus);
}

TEST(VerifyDraftsTest, GreedyAllMatchingGivesBonusFromLastRow) {
  const std::vector<int> drafted = {1};
  const std::vector<double> q = {0, 1, 0};
  const std::vector<double> p = {0.1, 0.8, 0.1, 0.1, 0.1, 0.8};
  std::mt19937_64 rng(1);
  Result<VerifyOutcome> outcome = verify_drafts(drafted, {q, kVocab}, {p, kVocab}, VerifyPolicy{}, rng);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->accepted, 1U);
  EXPECT_EQ(outcome->next_token, 2);
  EXPECT_TRUE(outcome->bonus);
}

TEST(VerifyDraftsTest, SamplingAlwaysKeepsDraftsWhenTargetEqualsDraft) {
  const std::vector<double> q = {0.2, 0.5, 0.3, 0.2, 0.5, 0.3};
  const std::vector<double> p = {0.2, 0.5, 0.3, 0.2, 0.5, 0.3, 0.2, 0.5, 0.3};
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 1000; ++trial) {
    const std::vector<int> drafted = {trial % 3, (trial / 3) % 3};
    Result<VerifyOutcome> outcome = verify_drafts(drafted, {q, kVocab}, {p, kVocab}, sampling_policy(), rng);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->accepted, 2U);
    EXPECT_TRUE(outcome->bonus);
  }
}

TEST(VerifyDraftsTest, SamplingRejectsTokensTheTargetCannotProduce) {
  // p(x=0) == 0: the draft token must be rejected and the replacement, drawn from
  // max(0, p - q), can only be a token where p exceeds q (token 2 here).
  const std::vector<int> drafted = {0};
  const std::vector<double> q = {0.6, 0.4, 0.0};
  const std::vector<double> p = {0.0, 0.4, 0.6, 1.0 / 3, 1.0 / 3, 1.0 / 3};
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 500; ++trial) {
    Result<VerifyOutcome> outcome = verify_drafts(drafted, {q, kVocab}, {p, kVocab}, sampling_policy(), rng);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->accepted, 0U);
    EXPECT_EQ(outcome->next_token, 2);
  }
}

TEST(VerifyDraftsTest, SingleStepOutputFollowsTheTargetDistribution) {
  // Draw x ~ q, verify, and tally the emitted first token: it must follow p exactly.
  const std::vector<double> q = {0.7, 0.2, 0.1};
  const std::vector<double> p = {0.2, 0.3, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3};
  std::mt19937_64 rng(17);
  constexpr int kTrials = 60000;
  std::vector<int> counts(kVocab, 0);
  for (int trial = 0; trial < kTrials; ++trial) {
    const std::vector<int> drafted = {sample_index(q, rng)};
    Result<VerifyOutcome> outcome = verify_drafts(drafted, {q, kVocab}, {p, kVocab}, sampling_policy(), rng);
    ASSERT_TRUE(outcome.ok());
    counts[static_cast<std::size_t>(outcome->accepted == 1 ? drafted[0] : outcome->next_token)] += 1;
  }
  for (std::size_t j = 0; j < kVocab; ++j) {
    const double sd = std::sqrt(p[j] * (1 - p[j]) / kTrials);
    EXPECT_NEAR(static_cast<double>(counts[j]) / kTrials, p[j], 5 * sd) << "token " << j;
  }
  // Acceptance probability is sum_x min(p(x), q(x)) = 0.2 + 0.2 + 0.1 = 0.5; the broken
  // rule that replaces from p shows the bias this test guards against: P(0) becomes
  // 0.2 + 0.5 * 0.2 = 0.3 instead of 0.2.
  std::vector<int> broken(kVocab, 0);
  for (int trial = 0; trial < kTrials; ++trial) {
    const std::vector<int> drafted = {sample_index(q, rng)};
    Result<VerifyOutcome> outcome = internal::verify_drafts_with_rule(
        drafted, {q, kVocab}, {p, kVocab}, sampling_policy(), rng, internal::ResidualRule::kTarget);
    ASSERT_TRUE(outcome.ok());
    broken[static_cast<std::size_t>(outcome->accepted == 1 ? drafted[0] : outcome->next_token)] += 1;
  }
  EXPECT_NEAR(static_cast<double>(broken[0]) / kTrials, 0.3, 5 * std::sqrt(0.3 * 0.7 / kTrials));
}

TEST(VerifyDraftsTest, ControlledAcceptanceIgnoresTheModels) {
  const std::vector<int> drafted = {0};
  const std::vector<double> q = {1.0, 0.0, 0.0};
  const std::vector<double> p = {0.0, 1.0, 0.0, 0.0, 0.0, 1.0};  // the target never wants token 0
  VerifyPolicy always;
  always.controlled_alpha = 1.0;
  VerifyPolicy never;
  never.controlled_alpha = 0.0;
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 200; ++trial) {
    Result<VerifyOutcome> kept = verify_drafts(drafted, {q, kVocab}, {p, kVocab}, always, rng);
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept->accepted, 1U);
    EXPECT_EQ(kept->next_token, 2);
    Result<VerifyOutcome> dropped = verify_drafts(drafted, {q, kVocab}, {p, kVocab}, never, rng);
    ASSERT_TRUE(dropped.ok());
    EXPECT_EQ(dropped->accepted, 0U);
    EXPECT_EQ(dropped->next_token, 1);  // the target's own token
  }
}

TEST(VerifyDraftsTest, ZeroDraftsSamplesFromTheOnlyTargetRow) {
  const std::vector<double> p = {0.0, 0.0, 1.0};
  std::mt19937_64 rng(4);
  Result<VerifyOutcome> outcome = verify_drafts({}, {{}, kVocab}, {p, kVocab}, sampling_policy(), rng);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->accepted, 0U);
  EXPECT_EQ(outcome->next_token, 2);
  EXPECT_TRUE(outcome->bonus);
}

TEST(VerifyDraftsTest, RejectsMalformedInput) {
  const std::vector<double> q = {1.0, 0.0, 0.0};
  const std::vector<double> p_short = {0.0, 1.0, 0.0};  // needs gamma + 1 = 2 rows
  const std::vector<double> p = {0.0, 1.0, 0.0, 0.0, 1.0, 0.0};
  std::mt19937_64 rng(1);
  const std::vector<int> drafted = {0};
  EXPECT_FALSE(verify_drafts(drafted, {q, kVocab}, {p_short, kVocab}, VerifyPolicy{}, rng).ok());
  const std::vector<int> outside = {3};
  EXPECT_FALSE(verify_drafts(outside, {q, kVocab}, {p, kVocab}, VerifyPolicy{}, rng).ok());
  VerifyPolicy bad_alpha;
  bad_alpha.controlled_alpha = 1.5;
  EXPECT_FALSE(verify_drafts(drafted, {q, kVocab}, {p, kVocab}, bad_alpha, rng).ok());
}

}  // namespace
}  // namespace specmap::runtime
