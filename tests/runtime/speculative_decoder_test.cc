#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "runtime/speculative/speculative.h"
#include "speculative_toy_models.h"

namespace specmap::runtime {
namespace {

using testing::ChainModel;
using testing::ChainTables;
using testing::concat;
using testing::greedy_reference;

constexpr int kVocab = testing::kChainPairVocab;
const std::vector<int> kPrompt = {4, 2, 5};

SpeculativeConfig sampling(std::uint64_t seed, double temperature = 1.0) {
  SpeculativeConfig config;
  config.greedy = false;
  config.temperature = temperature;
  config.seed = seed;
  return config;
}

class SpeculativeDecoderTest : public testing::ChainPairTest {};

TEST_F(SpeculativeDecoderTest, GreedyMatchesPlainGreedyDecodingForEveryGamma) {
  constexpr std::size_t kTokens = 40;
  for (int gamma = 0; gamma <= 6; ++gamma) {
    std::int64_t accepted = 0;
    std::int64_t rejections = 0;
    // Greedy chains fall into short cycles; several starting points reach cycles on
    // which the draft and the target disagree.
    for (int start = 0; start < kVocab; ++start) {
      const std::vector<int> prompt = {start, (start + 3) % kVocab};
      const std::vector<int> expected = greedy_reference(target_tables_, prompt, kTokens);
      target_.expect_prefixes_of(concat(prompt, expected));
      draft_.expect_prefixes_of(concat(prompt, expected));
      Result<GenerationResult> result = decoder_.generate(prompt, kTokens, gamma, SpeculativeConfig{});
      ASSERT_TRUE(result.ok()) << result.error().message;
      EXPECT_EQ(result->tokens, expected) << "gamma " << gamma << ", start " << start;
      EXPECT_EQ(result->stats.tokens_generated, static_cast<Tokens>(kTokens));
      EXPECT_FALSE(result->stats.controlled_acceptance);
      accepted += result->stats.accepted;
      rejections += result->stats.rejections;
    }
    if (gamma > 0) {
      // The perturbed draft must disagree sometimes, or rollback would go untested.
      EXPECT_GT(rejections, 0) << "gamma " << gamma;
      EXPECT_GT(accepted, 0) << "gamma " << gamma;
    }
  }
}

TEST_F(SpeculativeDecoderTest, IdenticalDraftAcceptsEverything) {
  ChainModel twin(target_tables_);
  SpeculativeDecoder decoder(twin, target_);
  for (const bool greedy : {true, false}) {
    SpeculativeConfig config = sampling(5);
    config.greedy = greedy;
    constexpr int kGamma = 4;
    constexpr std::size_t kTokens = 23;
    Result<GenerationResult> result = decoder.generate(kPrompt, kTokens, kGamma, config);
    ASSERT_TRUE(result.ok());
    const SpeculativeStats& stats = result->stats;
    EXPECT_EQ(stats.accepted, stats.drafted);
    EXPECT_EQ(stats.rejections, 0);
    EXPECT_EQ(stats.alpha_estimate(), 1.0);
    EXPECT_EQ(stats.accept_ratio(), 1.0);
    // gamma + 1 tokens per iteration: 4 full iterations give 20, the last drafts 2 for 3.
    EXPECT_EQ(stats.iterations, 5);
    EXPECT_EQ(stats.drafted, 4 * kGamma + 2);
    EXPECT_EQ(result->tokens.size(), kTokens);
  }
}

TEST_F(SpeculativeDecoderTest, ProducesExactlyTheRequestedCount) {
  for (std::size_t tokens = 0; tokens <= 12; ++tokens) {
    Result<GenerationResult> result = decoder_.generate(kPrompt, tokens, 5, sampling(tokens));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->tokens.size(), tokens);
    EXPECT_EQ(result->stats.tokens_generated, static_cast<Tokens>(tokens));
    // Each iteration emits accepted + 1 tokens, so the counts must add up exactly.
    EXPECT_EQ(result->stats.accepted + result->stats.iterations, static_cast<std::int64_t>(tokens));
  }
}

TEST_F(SpeculativeDecoderTest, GammaZeroIsPlainDecodingWithTheTargetOnly) {
  Result<GenerationResult> result = decoder_.generate(kPrompt, 15, 0, sampling(3));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(draft_.append_calls(), 0);
  EXPECT_EQ(target_.append_calls(), 15);
  EXPECT_EQ(result->stats.iterations, 15);
  EXPECT_FALSE(result->stats.accept_ratio().has_value());
  EXPECT_FALSE(result->stats.alpha_estimate().has_value());
}

TEST_F(SpeculativeDecoderTest, RollbackKeepsModelsOnTheAcceptedPrefix) {
  constexpr int kGamma = 4;
  constexpr std::size_t kTokens = 60;
  Result<GenerationResult> result = decoder_.generate(kPrompt, kTokens, kGamma, sampling(77, 1.5));
  ASSERT_TRUE(result.ok());
  ASSERT_GT(result->stats.rejections, 0);
  const std::vector<int> full = concat(kPrompt, result->tokens);
  // The last token is emitted but never fed back, so the target holds all but it.
  ASSERT_EQ(target_.length(), full.size() - 1);
  EXPECT_TRUE(std::equal(target_.sequence().begin(), target_.sequence().end(), full.begin()));
  ASSERT_LE(draft_.length(), full.size() - 1);
  EXPECT_TRUE(std::equal(draft_.sequence().begin(), draft_.sequence().end(), full.begin()));
  // One target call per iteration, asked for gamma + 1 rows (the final one capped).
  EXPECT_EQ(target_.append_calls(), result->stats.iterations);
  EXPECT_EQ(target_.rows_returned(),
            static_cast<std::size_t>(result->stats.drafted + result->stats.iterations));
  EXPECT_EQ(draft_.append_calls(), result->stats.drafted);
}

TEST_F(SpeculativeDecoderTest, SameSeedSameTokensDifferentSeedDifferentTokens) {
  Result<GenerationResult> a = decoder_.generate(kPrompt, 30, 3, sampling(1234));
  Result<GenerationResult> b = decoder_.generate(kPrompt, 30, 3, sampling(1234));
  Result<GenerationResult> c = decoder_.generate(kPrompt, 30, 3, sampling(4321));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->tokens, b->tokens);
  EXPECT_EQ(a->stats.accepted, b->stats.accepted);
  EXPECT_NE(a->tokens, c->tokens);  // 7^30 sequences: a collision would be a seeding bug
}

TEST_F(SpeculativeDecoderTest, StatsCountPositionsConsistently) {
  constexpr int kGamma = 3;
  Result<GenerationResult> result = decoder_.generate(kPrompt, 200, kGamma, sampling(8));
  ASSERT_TRUE(result.ok());
  const SpeculativeStats& stats = result->stats;
  ASSERT_EQ(stats.position_reached.size(), static_cast<std::size_t>(kGamma));
  std::int64_t accepted = 0;
  std::int64_t reached = 0;
  for (int k = 0; k < kGamma; ++k) {
    accepted += stats.position_accepted[k];
    reached += stats.position_reached[k];
    EXPECT_LE(stats.position_accepted[k], stats.position_reached[k]);
    // Position k+2 is reached exactly when position k+1 was kept, except in a final
    // iteration shortened to hit the requested count.
    if (k + 1 < kGamma) {
      EXPECT_LE(stats.position_reached[k + 1], stats.position_accepted[k]);
      EXPECT_GE(stats.position_reached[k + 1], stats.position_accepted[k] - 1);
    }
  }
  EXPECT_EQ(accepted, stats.accepted);
  EXPECT_EQ(reached, stats.accepted + stats.rejections);  // the Bernoulli trials of the alpha estimate
  EXPECT_GE(stats.draft_time, 0.0);
  EXPECT_GE(stats.target_time, 0.0);
  EXPECT_GE(stats.other_time, 0.0);
}

TEST_F(SpeculativeDecoderTest, RecordsEveryModelPassInOrder) {
  constexpr int kGamma = 3;
  Result<GenerationResult> result = decoder_.generate(kPrompt, 60, kGamma, sampling(9));
  ASSERT_TRUE(result.ok());
  const SpeculativeStats& stats = result->stats;
  std::int64_t draft_passes = 0, target_passes = 0;
  Seconds draft_seconds = 0, target_seconds = 0;
  for (const PassTime& p : stats.passes) {
    EXPECT_GE(p.seconds, 0.0);
    EXPECT_GE(p.tokens, 1u);
    (p.draft ? draft_passes : target_passes) += 1;
    (p.draft ? draft_seconds : target_seconds) += p.seconds;
  }
  EXPECT_EQ(draft_passes, draft_.append_calls());
  EXPECT_EQ(target_passes, target_.append_calls());
  // The first pass of each model takes in the prompt.
  ASSERT_FALSE(stats.passes.empty());
  EXPECT_TRUE(stats.passes.front().draft);
  EXPECT_EQ(stats.passes.front().tokens, kPrompt.size());
  // The passes are the models' calls without their rollbacks: within the clocks.
  EXPECT_LE(draft_seconds, stats.draft_time + 1e-12);
  EXPECT_LE(target_seconds, stats.target_time + 1e-12);
}

TEST_F(SpeculativeDecoderTest, HookSeesEveryIteration) {
  std::vector<IterationRecord> seen;
  std::size_t emitted = 0;
  SpeculativeConfig config = sampling(21);
  config.on_iteration = [&](const IterationRecord& record) {
    EXPECT_EQ(record.drafted.size(), static_cast<std::size_t>(record.gamma));
    emitted += record.accepted + 1;
    EXPECT_EQ(record.tokens_generated, static_cast<Tokens>(emitted));
    seen.push_back(record);
  };
  Result<GenerationResult> result = decoder_.generate(kPrompt, 50, 4, config);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(static_cast<std::int64_t>(seen.size()), result->stats.iterations);
  EXPECT_EQ(emitted, 50U);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].index, static_cast<std::int64_t>(i));
    EXPECT_EQ(seen[i].bonus, seen[i].accepted == static_cast<std::size_t>(seen[i].gamma));
  }
}

void check_controlled(bool greedy, double alpha) {
  const ChainTables target_tables(kVocab, 31);
  const ChainTables draft_tables(kVocab, 32);
  ChainModel target(target_tables);
  ChainModel draft(draft_tables);
  SpeculativeDecoder decoder(draft, target);
  SpeculativeConfig config = sampling(55);
  config.greedy = greedy;
  config.controlled_alpha = alpha;
  constexpr int kGamma = 4;
  Result<GenerationResult> result = decoder.generate(kPrompt, 12000, kGamma, config);
  ASSERT_TRUE(result.ok());
  const SpeculativeStats& stats = result->stats;
  EXPECT_TRUE(stats.controlled_acceptance);
  EXPECT_EQ(stats.controlled_alpha, alpha);

  // Each verified position is an independent Bernoulli(alpha) trial.
  const double trials = static_cast<double>(stats.accepted + stats.rejections);
  EXPECT_NEAR(*stats.alpha_estimate(), alpha, 5 * std::sqrt(alpha * (1 - alpha) / trials));
  for (int k = 0; k < kGamma; ++k) {
    const double reached = static_cast<double>(stats.position_reached[k]);
    EXPECT_NEAR(stats.position_accepted[k] / reached, alpha, 5 * std::sqrt(alpha * (1 - alpha) / reached))
        << "position " << k + 1;
  }
  // accepted/drafted is a different number: (E[tokens per iteration] - 1) / gamma. The
  // per-iteration count lies in [0, gamma], so its mean has standard deviation at most
  // gamma / (2 sqrt(iterations)).
  const double expected_tokens = (1 - std::pow(alpha, kGamma + 1)) / (1 - alpha);
  const double tolerance = 5.0 / (2.0 * std::sqrt(static_cast<double>(stats.iterations)));
  EXPECT_NEAR(*stats.accept_ratio(), (expected_tokens - 1) / kGamma, tolerance);
  // Both models still ran in full every iteration.
  EXPECT_EQ(target.append_calls(), stats.iterations);
  EXPECT_EQ(draft.append_calls(), stats.drafted);
}

TEST(SpeculativeControlledTest, GreedyMeasuredAlphaMatchesTheForcedOne) {
  check_controlled(true, 0.3);
  check_controlled(true, 0.8);
}

TEST(SpeculativeControlledTest, SampledMeasuredAlphaMatchesTheForcedOne) { check_controlled(false, 0.6); }

TEST_F(SpeculativeDecoderTest, RejectsInvalidRequests) {
  EXPECT_FALSE(decoder_.generate(kPrompt, 5, -1, SpeculativeConfig{}).ok());
  EXPECT_FALSE(decoder_.generate({}, 5, 2, SpeculativeConfig{}).ok());
  EXPECT_FALSE(decoder_.generate(std::vector<int>{kVocab}, 5, 2, SpeculativeConfig{}).ok());
  EXPECT_FALSE(decoder_.generate(kPrompt, 5, 2, sampling(1, 0.0)).ok());
  SpeculativeConfig bad_alpha;
  bad_alpha.controlled_alpha = -0.1;
  EXPECT_FALSE(decoder_.generate(kPrompt, 5, 2, bad_alpha).ok());

  const ChainTables other_tables(kVocab + 1, 3);
  ChainModel other(other_tables);
  SpeculativeDecoder mismatched(other, target_);
  Result<GenerationResult> result = mismatched.generate(kPrompt, 5, 2, SpeculativeConfig{});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("vocabulary"), std::string::npos);
  // Without drafting the draft's vocabulary does not matter.
  EXPECT_TRUE(mismatched.generate(kPrompt, 5, 0, SpeculativeConfig{}).ok());
}

}  // namespace
}  // namespace specmap::runtime
