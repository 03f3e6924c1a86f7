// The defining property of speculative sampling: its output is distributed exactly like
// the target's. Many independent seeded runs over toy Markov-chain models are compared
// with the chain's exact joint distribution by a chi-square test; the same test must
// reject decoders whose replacement step is wrong. Both schedules, sequential and
// overlapped (whose pre-drafted first tokens are checked against the previous pass).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

#include "runtime/speculative/speculative.h"
#include "runtime/speculative/speculative_internal.h"
#include "runtime/speculative/speculative_overlapped.h"
#include "speculative_toy_models.h"

namespace specmap::runtime {
namespace {

using testing::ChainModel;
using testing::ChainTables;

constexpr int kVocab = 6;
constexpr double kTemperature = 0.8;
constexpr int kRuns = 40000;
// Upper-tail normal quantile for p = 1e-6: a correct decoder fails about once in a
// million seeds, a biased one is caught when its statistic leaves this tail.
constexpr double kZ = 4.753;

struct ChiSquare {
  double statistic = 0.0;
  int dof = 0;
  double critical = 0.0;
};

// Wilson-Hilferty approximation of the chi-square quantile with `dof` degrees of freedom.
double chi_square_critical(int dof, double z) {
  const double k = dof;
  const double term = 1.0 - 2.0 / (9.0 * k) + z * std::sqrt(2.0 / (9.0 * k));
  return k * term * term * term;
}

// Pearson's statistic; cells expected to hold fewer than 5 draws are pooled so the
// chi-square approximation holds.
ChiSquare chi_square(const std::vector<double>& probs, const std::vector<std::int64_t>& counts, int draws) {
  ChiSquare result;
  double pooled_expected = 0.0;
  double pooled_observed = 0.0;
  int cells = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    const double expected = probs[i] * draws;
    if (expected < 5.0) {
      pooled_expected += expected;
      pooled_observed += static_cast<double>(counts[i]);
      continue;
    }
    const double diff = static_cast<double>(counts[i]) - expected;
    result.statistic += diff * diff / expected;
    ++cells;
  }
  if (pooled_expected > 0.0) {
    const double diff = pooled_observed - pooled_expected;
    result.statistic += diff * diff / pooled_expected;
    ++cells;
  }
  result.dof = cells - 1;
  result.critical = chi_square_critical(result.dof, kZ);
  return result;
}

// Exact probability of every sequence of the first `window` generated tokens, indexed
// base-vocab with the first token most significant.
std::vector<double> exact_joint(const ChainTables& target, const std::vector<int>& prompt,
                                std::size_t window) {
  std::vector<double> joint = {1.0};
  std::vector<int> last = {prompt.back()};
  for (std::size_t k = 0; k < window; ++k) {
    std::vector<double> next_joint;
    std::vector<int> next_last;
    for (std::size_t cell = 0; cell < joint.size(); ++cell) {
      const std::vector<double> p = target.probs(last[cell], prompt.size() + k, kTemperature);
      for (int token = 0; token < kVocab; ++token) {
        next_joint.push_back(joint[cell] * p[static_cast<std::size_t>(token)]);
        next_last.push_back(token);
      }
    }
    joint = std::move(next_joint);
    last = std::move(next_last);
  }
  return joint;
}

struct RunShape {
  int gamma = 3;
  std::size_t window = 4;      // joint distribution of this many leading tokens
  std::size_t new_tokens = 6;  // more than window so the window's iterations use the full gamma
  int runs = kRuns;
};

ChiSquare run_and_test(const RunShape& setup, internal::ResidualRule rule,
                       Schedule schedule = Schedule::sequential,
                       internal::OverlapFault fault = internal::OverlapFault::kNone) {
  const ChainTables target_tables(kVocab, 101);
  // A draft that roughly agrees with the target, so that all-accepted iterations (and
  // with them the bonus token) are common, not only rejections.
  const ChainTables draft_tables = ChainTables::perturbed(target_tables, 1.5, 202);
  ChainModel target(target_tables);
  ChainModel draft(draft_tables);
  const std::vector<int> prompt = {3, 1};

  std::vector<std::int64_t> counts(static_cast<std::size_t>(std::pow(kVocab, setup.window)), 0);
  SpeculativeConfig config;
  config.greedy = false;
  config.temperature = kTemperature;
  std::int64_t accepted = 0;
  std::int64_t drafted = 0;
  std::int64_t warm_blocks = 0;
  internal::Drafter drafter(draft);  // one worker thread for every run
  for (int run = 0; run < setup.runs; ++run) {
    config.seed = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(run + 1);
    Result<GenerationResult> result =
        schedule == Schedule::overlapped
            ? internal::generate_overlapped(draft, target, prompt, setup.new_tokens, setup.gamma, config, rule,
                                            fault, &drafter)
            : internal::generate_with_rule(draft, target, prompt, setup.new_tokens, setup.gamma, config, rule);
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (!result.ok()) return {};
    EXPECT_EQ(result->tokens.size(), setup.new_tokens);
    std::size_t index = 0;
    for (std::size_t k = 0; k < setup.window; ++k) {
      index = index * kVocab + static_cast<std::size_t>(result->tokens[k]);
    }
    counts[index] += 1;
    accepted += result->stats.accepted;
    drafted += result->stats.drafted;
    warm_blocks += result->stats.warm_blocks;
  }
  // Both outcomes of verification must be common, or the test would not exercise them.
  const double ratio = static_cast<double>(accepted) / static_cast<double>(drafted);
  EXPECT_GT(ratio, 0.3);
  EXPECT_LT(ratio, 0.9);
  // Overlapped: pre-drafted blocks must be checked often, or the test would not exercise them.
  if (schedule == Schedule::overlapped) {
    EXPECT_GT(warm_blocks, setup.runs / 4);
  }
  return chi_square(exact_joint(target_tables, prompt, setup.window), counts, setup.runs);
}

void print(const char* label, const ChiSquare& chi) {
  std::cout << label << ": chi2 = " << chi.statistic << ", dof = " << chi.dof
            << ", critical = " << chi.critical << "\n";
}

TEST(SpeculativeDistributionTest, OutputFollowsTargetDistribution) {
  const ChiSquare chi = run_and_test(RunShape{}, internal::ResidualRule::kPositivePart);
  print("residual norm(max(0, p - q)), gamma 3", chi);
  ASSERT_GT(chi.dof, 100);
  EXPECT_LT(chi.statistic, chi.critical);
}

TEST(SpeculativeDistributionTest, OutputFollowsTargetDistributionWithShortDrafts) {
  // gamma 1: every token after a rejection comes from a new iteration, so the draft's
  // catch-up on two pending tokens is exercised constantly.
  const ChiSquare chi = run_and_test(RunShape{1, 3, 5}, internal::ResidualRule::kPositivePart);
  print("residual norm(max(0, p - q)), gamma 1", chi);
  EXPECT_LT(chi.statistic, chi.critical);
}

TEST(SpeculativeDistributionTest, ReplacementFromTargetIsDetected) {
  const ChiSquare chi = run_and_test(RunShape{}, internal::ResidualRule::kTarget);
  print("broken: replacement from p", chi);
  EXPECT_GT(chi.statistic, chi.critical);
}

TEST(SpeculativeDistributionTest, ReplacementFromDraftIsDetected) {
  const ChiSquare chi = run_and_test(RunShape{}, internal::ResidualRule::kDraft);
  print("broken: replacement from q", chi);
  EXPECT_GT(chi.statistic, chi.critical);
}

TEST(SpeculativeDistributionTest, OverlappedOutputFollowsTargetDistribution) {
  // gamma 3 over 6 tokens: a cold block of 3, then a pre-draft of 2 whose first token is
  // checked at position 4, inside the window.
  const ChiSquare chi = run_and_test(RunShape{}, internal::ResidualRule::kPositivePart, Schedule::overlapped);
  print("overlapped, gamma 3", chi);
  ASSERT_GT(chi.dof, 100);
  EXPECT_LT(chi.statistic, chi.critical);
}

TEST(SpeculativeDistributionTest, OverlappedOutputFollowsTargetDistributionWithShortDrafts) {
  // gamma 1: every kept token hands over to a warm block of one pre-drafted token, checked
  // against the previous pass alone.
  const ChiSquare chi =
      run_and_test(RunShape{1, 3, 5}, internal::ResidualRule::kPositivePart, Schedule::overlapped);
  print("overlapped, gamma 1", chi);
  EXPECT_LT(chi.statistic, chi.critical);
}

// The broken overlapped decoders miss by a wide margin (chi2 in the thousands at 40000
// runs); a quarter of the runs keeps the test fast and still far beyond the critical value.
constexpr RunShape kBrokenOverlapped{3, 4, 6, kRuns / 4};

TEST(SpeculativeDistributionTest, OverlappedKeepingThePreDraftUncheckedIsDetected) {
  const ChiSquare chi = run_and_test(kBrokenOverlapped, internal::ResidualRule::kPositivePart,
                                     Schedule::overlapped, internal::OverlapFault::kKeepFirstPredraft);
  print("broken overlapped: first pre-drafted token kept unchecked", chi);
  EXPECT_GT(chi.statistic, chi.critical);
}

TEST(SpeculativeDistributionTest, OverlappedReplacementFromTargetIsDetected) {
  const ChiSquare chi = run_and_test(kBrokenOverlapped, internal::ResidualRule::kTarget, Schedule::overlapped);
  print("broken overlapped: replacement from p", chi);
  EXPECT_GT(chi.statistic, chi.critical);
}

TEST(SpeculativeDistributionTest, ChiSquareCriticalValueMatchesTables) {
  // Published upper quantiles: chi2(0.999, 100) = 149.449, chi2(0.95, 10) = 18.307.
  EXPECT_NEAR(chi_square_critical(100, 3.090232), 149.449, 0.3);
  EXPECT_NEAR(chi_square_critical(10, 1.644854), 18.307, 0.05);
}

}  // namespace
}  // namespace specmap::runtime
