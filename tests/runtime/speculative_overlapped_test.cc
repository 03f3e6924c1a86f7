// The overlapped schedule: lossless greedy output (toy chains and a real-shaped executor
// pair), exact counts, rollback after a rejection, an abort that stops the drafter after its
// in-flight step, drafter and target really running at the same time, controlled acceptance.
// Its output distribution is tested in speculative_distribution_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "describe/model.h"
#include "describe/soc.h"
#include "runtime/executor/plan_runner.h"
#include "runtime/speculative/speculative.h"
#include "runtime/executor/transformer_executor.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime_test_support.h"
#include "speculative_toy_models.h"

namespace specmap::runtime {
namespace {

using testing::ChainModel;
using testing::ChainTables;
using testing::concat;
using testing::greedy_reference;

constexpr int kVocab = testing::kChainPairVocab;
const std::vector<int> kPrompt = {4, 2, 5};
// Long enough for any healthy run; reached only when the schedule is wrong, so a broken
// decoder fails instead of hanging.
constexpr std::chrono::seconds kDeadlock{30};

SpeculativeConfig overlapped(std::uint64_t seed = 0, bool greedy = true, double temperature = 1.0) {
  SpeculativeConfig config;
  config.schedule = Schedule::overlapped;
  config.greedy = greedy;
  config.temperature = temperature;
  config.seed = seed;
  return config;
}

// Every block's gamma when every draft is kept: a cold block, then warm blocks while a
// pre-draft is still useful, each clipped to the tokens still missing.
std::vector<int> all_accepted_blocks(std::size_t tokens, int gamma) {
  std::vector<int> blocks;
  std::size_t missing = tokens;
  int g = static_cast<int>(std::min<std::size_t>(gamma, missing - 1));
  for (;;) {
    blocks.push_back(g);
    const int h = g > 0 ? static_cast<int>(std::min<std::size_t>(gamma, missing - g - 1)) : 0;
    if (h == 0) return blocks;
    missing -= static_cast<std::size_t>(g);
    g = h;
  }
}

// Counters every overlapped run must satisfy, whatever happened.
void expect_consistent(const SpeculativeStats& stats, std::size_t tokens) {
  EXPECT_TRUE(stats.overlapped);
  EXPECT_EQ(stats.cold_blocks + stats.warm_blocks, stats.iterations);
  EXPECT_EQ(stats.predrafts, stats.warm_blocks + stats.discarded_predrafts);
  EXPECT_GE(stats.discarded_predraft_tokens, 0);
  EXPECT_LE(stats.target_passes, stats.iterations);
  EXPECT_GE(stats.target_passes, stats.cold_blocks);
  // Every block emits its kept drafts plus one token, except those handing over to a warm block.
  EXPECT_EQ(stats.accepted + stats.iterations - stats.warm_blocks, static_cast<std::int64_t>(tokens));
  std::int64_t reached = 0;
  std::int64_t accepted = 0;
  for (std::size_t k = 0; k < stats.position_reached.size(); ++k) {
    reached += stats.position_reached[k];
    accepted += stats.position_accepted[k];
    EXPECT_LE(stats.position_accepted[k], stats.position_reached[k]);
  }
  EXPECT_EQ(accepted, stats.accepted);
  EXPECT_EQ(reached, stats.accepted + stats.rejections);
  EXPECT_GE(stats.draft_time, 0.0);
  EXPECT_GE(stats.target_time, 0.0);
  EXPECT_GE(stats.other_time, 0.0);
  EXPECT_GE(stats.overlapped_draft_time, 0.0);
}

class OverlappedTest : public testing::ChainPairTest {};

TEST_F(OverlappedTest, GreedyMatchesPlainGreedyDecodingForEveryGamma) {
  constexpr std::size_t kTokens = 40;
  for (int gamma = 0; gamma <= 6; ++gamma) {
    std::int64_t rejections = 0;
    std::int64_t warm = 0;
    std::int64_t discarded = 0;
    for (int start = 0; start < kVocab; ++start) {
      const std::vector<int> prompt = {start, (start + 3) % kVocab};
      const std::vector<int> expected = greedy_reference(target_tables_, prompt, kTokens);
      target_.expect_prefixes_of(concat(prompt, expected));
      draft_.expect_prefixes_of(concat(prompt, expected));
      const std::int64_t draft_calls = draft_.append_calls();
      Result<GenerationResult> result = decoder_.generate(prompt, kTokens, gamma, overlapped());
      ASSERT_TRUE(result.ok()) << result.error().message;
      EXPECT_EQ(result->tokens, expected) << "gamma " << gamma << ", start " << start;
      if (gamma == 0) {
        EXPECT_FALSE(result->stats.overlapped);  // gamma 0 is the sequential schedule
        EXPECT_EQ(draft_.append_calls(), draft_calls);
        continue;
      }
      expect_consistent(result->stats, kTokens);
      // Every draft call made a token that was verified or thrown away with its pre-draft.
      EXPECT_EQ(draft_.append_calls() - draft_calls,
                result->stats.drafted + result->stats.discarded_predraft_tokens);
      rejections += result->stats.rejections;
      warm += result->stats.warm_blocks;
      discarded += result->stats.discarded_predrafts;
    }
    if (gamma > 0) {
      // Both fates of a pre-draft must occur, or half the schedule went untested.
      EXPECT_GT(rejections, 0) << "gamma " << gamma;
      EXPECT_GT(warm, 0) << "gamma " << gamma;
      EXPECT_GT(discarded, 0) << "gamma " << gamma;
    }
  }
}

TEST_F(OverlappedTest, IdenticalDraftKeepsEveryBlockWarm) {
  ChainModel twin(target_tables_);
  SpeculativeDecoder decoder(twin, target_);
  for (const bool greedy : {true, false}) {
    constexpr int kGamma = 4;
    constexpr std::size_t kTokens = 23;
    Result<GenerationResult> result = decoder.generate(kPrompt, kTokens, kGamma, overlapped(5, greedy));
    ASSERT_TRUE(result.ok());
    const SpeculativeStats& stats = result->stats;
    expect_consistent(stats, kTokens);
    const std::vector<int> blocks = all_accepted_blocks(kTokens, kGamma);  // 4 4 4 4 4 2
    ASSERT_EQ(blocks, (std::vector<int>{4, 4, 4, 4, 4, 2}));
    EXPECT_EQ(stats.iterations, static_cast<std::int64_t>(blocks.size()));
    EXPECT_EQ(stats.cold_blocks, 1);
    EXPECT_EQ(stats.warm_blocks, static_cast<std::int64_t>(blocks.size()) - 1);
    EXPECT_EQ(stats.drafted, 22);
    EXPECT_EQ(stats.accepted, stats.drafted);
    EXPECT_EQ(stats.rejections, 0);
    EXPECT_EQ(stats.discarded_predrafts, 0);
    EXPECT_EQ(stats.discarded_predraft_tokens, 0);
    EXPECT_EQ(stats.alpha_estimate(), 1.0);
    EXPECT_EQ(result->tokens.size(), kTokens);
  }
}

TEST_F(OverlappedTest, ProducesExactlyTheRequestedCount) {
  for (std::size_t tokens = 0; tokens <= 12; ++tokens) {
    for (const int gamma : {1, 2, 5}) {
      const std::int64_t draft_calls = draft_.append_calls();
      Result<GenerationResult> result = decoder_.generate(kPrompt, tokens, gamma, overlapped(tokens, false));
      ASSERT_TRUE(result.ok());
      EXPECT_EQ(result->tokens.size(), tokens);
      EXPECT_EQ(result->stats.tokens_generated, static_cast<Tokens>(tokens));
      expect_consistent(result->stats, tokens);
      // Nothing is pre-drafted that could not be used: every draft call made a token that
      // was verified or thrown away with its pre-draft.
      EXPECT_EQ(draft_.append_calls() - draft_calls,
                result->stats.drafted + result->stats.discarded_predraft_tokens);
    }
  }
}

TEST_F(OverlappedTest, CountersHooksAndModelCallsAgree) {
  constexpr int kGamma = 3;
  constexpr std::size_t kTokens = 300;
  std::size_t emitted = 0;
  std::int64_t records = 0;
  std::int64_t warm_first_rejected = 0;
  std::int64_t warm_first_kept = 0;
  std::size_t target_rows = 0;
  bool previous_handed_over = false;
  SpeculativeConfig config = overlapped(21, false);
  config.on_iteration = [&](const IterationRecord& record) {
    EXPECT_EQ(record.index, records++);
    EXPECT_EQ(record.drafted.size(), static_cast<std::size_t>(record.gamma));
    EXPECT_EQ(record.warm, previous_handed_over) << "a block is warm exactly when the one before handed over";
    previous_handed_over = record.handed_over;
    EXPECT_EQ(record.bonus, record.accepted == static_cast<std::size_t>(record.gamma));
    if (record.handed_over) {
      EXPECT_TRUE(record.bonus);
      EXPECT_EQ(record.next_token, -1);
    } else {
      EXPECT_GE(record.next_token, 0);
    }
    emitted += record.accepted + (record.handed_over ? 0 : 1);
    EXPECT_EQ(record.tokens_generated, static_cast<Tokens>(emitted));
    if (record.warm && record.accepted == 0) {
      ++warm_first_rejected;  // no target pass
    } else {
      target_rows += static_cast<std::size_t>(record.gamma) + (record.warm ? 0 : 1);
    }
    if (record.warm && record.accepted > 0) ++warm_first_kept;
  };
  Result<GenerationResult> result = decoder_.generate(kPrompt, kTokens, kGamma, config);
  ASSERT_TRUE(result.ok());
  const SpeculativeStats& stats = result->stats;
  expect_consistent(stats, kTokens);
  EXPECT_EQ(records, stats.iterations);
  EXPECT_EQ(emitted, kTokens);
  EXPECT_GT(warm_first_rejected, 0);
  EXPECT_GT(warm_first_kept, 0);
  EXPECT_GT(stats.discarded_predrafts, 0);
  // One target pass per block except warm blocks whose first token was rejected; a cold
  // pass scores gamma + 1 rows, a warm one gamma (its first token was scored by the pass before).
  EXPECT_EQ(target_.append_calls(), stats.iterations - warm_first_rejected);
  EXPECT_EQ(stats.target_passes, target_.append_calls());
  EXPECT_EQ(target_.rows_returned(), target_rows);
  EXPECT_EQ(draft_.append_calls(), stats.drafted + stats.discarded_predraft_tokens);
}

TEST_F(OverlappedTest, RejectionRollsTheDrafterBackToTheKeptPrefix) {
  constexpr int kGamma = 4;
  constexpr std::size_t kTokens = 120;
  std::int64_t rejections_seen = 0;
  SpeculativeConfig config = overlapped(77, false, 1.5);
  std::vector<int> committed = kPrompt;
  config.on_iteration = [&](const IterationRecord& record) {
    committed.insert(committed.end(), record.drafted.begin(),
                     record.drafted.begin() + static_cast<std::ptrdiff_t>(record.accepted));
    if (!record.handed_over) committed.push_back(record.next_token);
    ASSERT_EQ(committed.size(), kPrompt.size() + static_cast<std::size_t>(record.tokens_generated));
    // The target holds all but the token emitted after the drafts (fed with the next pass);
    // after a hand-over, no token follows them and it holds everything.
    ASSERT_EQ(target_.length(), committed.size() - (record.handed_over ? 0 : 1)) << "block " << record.index;
    EXPECT_TRUE(std::equal(target_.sequence().begin(), target_.sequence().end(), committed.begin()));
    if (record.accepted < static_cast<std::size_t>(record.gamma)) {
      ++rejections_seen;
      // The drafter stopped and was rolled back to the kept prefix: everything but the
      // replacement, before the next (cold) block starts.
      ASSERT_EQ(draft_.length(), committed.size() - 1) << "block " << record.index;
      EXPECT_TRUE(std::equal(draft_.sequence().begin(), draft_.sequence().end(), committed.begin()));
    }
  };
  Result<GenerationResult> result = decoder_.generate(kPrompt, kTokens, kGamma, config);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(committed, concat(kPrompt, result->tokens));
  EXPECT_EQ(rejections_seen, result->stats.rejections);
  EXPECT_GT(rejections_seen, 5);
  ASSERT_EQ(target_.length(), committed.size() - 1);
  ASSERT_LE(draft_.length(), committed.size() - 1);
  EXPECT_TRUE(std::equal(draft_.sequence().begin(), draft_.sequence().end(), committed.begin()));
}

TEST_F(OverlappedTest, SameSeedSameTokensDifferentSeedDifferentTokens) {
  // The drafter's engine is reseeded per job from the generation's engine, so the tokens do
  // not depend on how far an aborted pre-draft got.
  Result<GenerationResult> a = decoder_.generate(kPrompt, 60, 3, overlapped(1234, false));
  Result<GenerationResult> b = decoder_.generate(kPrompt, 60, 3, overlapped(1234, false));
  Result<GenerationResult> c = decoder_.generate(kPrompt, 60, 3, overlapped(4321, false));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->tokens, b->tokens);
  EXPECT_EQ(a->stats.accepted, b->stats.accepted);
  EXPECT_EQ(a->stats.discarded_predrafts, b->stats.discarded_predrafts);
  EXPECT_NE(a->tokens, c->tokens);
}

TEST_F(OverlappedTest, RejectsInvalidRequests) {
  EXPECT_FALSE(decoder_.generate(kPrompt, 5, -1, overlapped()).ok());
  EXPECT_FALSE(decoder_.generate({}, 5, 2, overlapped()).ok());
  EXPECT_FALSE(decoder_.generate(kPrompt, 5, 2, overlapped(1, false, 0.0)).ok());
  const ChainTables other_tables(kVocab + 1, 3);
  ChainModel other(other_tables);
  SpeculativeDecoder mismatched(other, target_);
  EXPECT_FALSE(mismatched.generate(kPrompt, 5, 2, overlapped()).ok());
  EXPECT_TRUE(mismatched.generate(kPrompt, 5, 0, overlapped()).ok());
}

// Forwards to a ChainModel and lets a test intervene before each append and after each truncate.
class HookedModel : public TokenModel {
 public:
  explicit HookedModel(ChainModel& inner) : inner_(inner) {}
  [[nodiscard]] int vocab() const override { return inner_.vocab(); }
  [[nodiscard]] std::size_t length() const override { return inner_.length(); }
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    if (before_append) before_append(calls_, inner_.length() + tokens.size());
    ++calls_;
    return inner_.append(tokens, last_rows);
  }
  void truncate(std::size_t length) override {
    const bool rollback = length > 0 && length < inner_.length();
    inner_.truncate(length);
    if (rollback && on_rollback) on_rollback();
  }
  // (call index, the model's length once the append is done)
  std::function<void(std::int64_t, std::size_t)> before_append;
  std::function<void()> on_rollback;

 private:
  ChainModel& inner_;
  std::int64_t calls_ = 0;
};

// Counters two threads wait on, each wait bounded by a deadline that fails the test.
class Signals {
 public:
  void bump(int which) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counts_[which];
    }
    changed_.notify_all();
  }
  // False when the deadline passed first.
  bool wait_until(int which, std::int64_t at_least, std::chrono::milliseconds deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return counts_[which] >= at_least; });
  }
  std::int64_t count(int which) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[which];
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::int64_t counts_[4] = {};
};

// Identical models, greedy: every block hands over, so every target pass but the last has a
// pre-draft beside it. Target pass k and the first step of pre-draft k each wait until the
// other has started: both calls must be running at the same time. Returns the waits that
// ran into the deadline (0 when the two really overlapped).
struct OverlapRun {
  std::int64_t timeouts = 0;
  SpeculativeStats stats;
  std::vector<int> tokens;
};
OverlapRun run_with_rendezvous(Schedule schedule, std::chrono::milliseconds deadline) {
  constexpr int kGamma = 3;
  constexpr std::size_t kTokens = 16;  // blocks 3 3 3 3 3: passes 0..3 have a pre-draft beside them
  constexpr std::int64_t kOverlapped = 4;
  enum { kTargetStarted, kDraftStarted };
  const ChainTables tables(kVocab, 41);
  ChainModel target_inner(tables);
  ChainModel draft_inner(tables);
  HookedModel target(target_inner);
  HookedModel draft(draft_inner);
  Signals signals;
  std::mutex timeouts_mutex;
  OverlapRun out;
  auto timed_out = [&] {
    std::lock_guard<std::mutex> lock(timeouts_mutex);
    ++out.timeouts;
  };
  target.before_append = [&](std::int64_t call, std::size_t) {
    if (call >= kOverlapped) return;
    signals.bump(kTargetStarted);
    if (!signals.wait_until(kDraftStarted, call + 1, deadline)) timed_out();
  };
  draft.before_append = [&](std::int64_t call, std::size_t) {
    // Calls 0..gamma-1 draft the cold block; then each pre-draft takes gamma calls.
    if (call < kGamma || (call - kGamma) % kGamma != 0) return;
    const std::int64_t predraft = (call - kGamma) / kGamma;
    if (predraft >= kOverlapped) return;
    signals.bump(kDraftStarted);
    if (!signals.wait_until(kTargetStarted, predraft + 1, deadline)) timed_out();
  };
  SpeculativeConfig config;
  config.schedule = schedule;
  SpeculativeDecoder decoder(draft, target);
  Result<GenerationResult> result = decoder.generate(kPrompt, kTokens, kGamma, config);
  EXPECT_TRUE(result.ok());
  if (result.ok()) {
    out.stats = result->stats;
    out.tokens = result->tokens;
  }
  EXPECT_EQ(out.tokens, greedy_reference(tables, kPrompt, kTokens));
  return out;
}

TEST(OverlappedConcurrencyTest, DrafterAndTargetRunAtTheSameTime) {
  const OverlapRun run = run_with_rendezvous(Schedule::overlapped, kDeadlock);
  EXPECT_EQ(run.timeouts, 0) << "the pre-draft did not run while the target verified";
  EXPECT_EQ(all_accepted_blocks(16, 3), (std::vector<int>{3, 3, 3, 3, 3}));
  EXPECT_EQ(run.stats.cold_blocks, 1);
  EXPECT_EQ(run.stats.warm_blocks, 4);
  EXPECT_EQ(run.stats.predrafts, 4);
  EXPECT_EQ(run.stats.discarded_predrafts, 0);
}

TEST(OverlappedConcurrencyTest, TheSameRendezvousFailsForTheSequentialSchedule) {
  // The check has teeth: run one after the other, the calls never meet (each wait runs into
  // its deadline, kept short here because it is certain to be reached).
  const OverlapRun run = run_with_rendezvous(Schedule::sequential, std::chrono::milliseconds(20));
  EXPECT_GT(run.timeouts, 0);
}

TEST(OverlappedAbortTest, RejectionStopsThePreDraftAfterItsInFlightStep) {
  // Controlled acceptance 0: every block is rejected at its first draft. The first step of
  // each pre-draft starts while the target verifies (the target waits for it) and does not
  // end before the target has rolled back, which happens after the abort was requested;
  // the drafter must then stop: exactly one pre-drafted token per block is thrown away.
  constexpr int kGamma = 2;
  constexpr std::size_t kTokens = 12;
  enum { kPredraftStarted, kTargetRolledBack };
  const ChainTables target_tables(kVocab, 51);
  const ChainTables draft_tables(kVocab, 52);
  ChainModel target_inner(target_tables);
  ChainModel draft_inner(draft_tables);
  HookedModel target(target_inner);
  HookedModel draft(draft_inner);
  Signals signals;
  std::mutex state_mutex;  // the hook (calling thread) and the drafter's appends share these
  std::size_t block_start = kPrompt.size();
  std::int64_t blocks_done = 0;
  std::int64_t timeouts = 0;

  // A block has a pre-draft when at least gamma + 2 tokens are missing (block k misses
  // kTokens - k tokens: each emits only its replacement).
  const std::int64_t with_predraft = static_cast<std::int64_t>(kTokens) - kGamma - 1;
  target.before_append = [&](std::int64_t call, std::size_t) {
    if (call >= with_predraft) return;
    if (!signals.wait_until(kPredraftStarted, call + 1, kDeadlock)) {
      std::lock_guard<std::mutex> lock(state_mutex);
      ++timeouts;
    }
  };
  target.on_rollback = [&] { signals.bump(kTargetRolledBack); };
  draft.before_append = [&](std::int64_t, std::size_t length_after) {
    std::size_t start = 0;
    std::int64_t done = 0;
    {
      std::lock_guard<std::mutex> lock(state_mutex);
      start = block_start;
      done = blocks_done;
    }
    // Cold drafting ends at start + gamma - 1; only the pre-draft's first step reaches start + gamma.
    if (length_after != start + kGamma) return;
    signals.bump(kPredraftStarted);
    if (!signals.wait_until(kTargetRolledBack, done + 1, kDeadlock)) {
      std::lock_guard<std::mutex> lock(state_mutex);
      ++timeouts;
    }
  };
  std::int64_t previous_draft_calls = 0;
  std::vector<int> committed = kPrompt;
  SpeculativeConfig config;
  config.schedule = Schedule::overlapped;
  config.controlled_alpha = 0.0;
  config.on_iteration = [&](const IterationRecord& record) {
    EXPECT_EQ(record.accepted, 0U);
    EXPECT_FALSE(record.warm);
    committed.push_back(record.next_token);
    const std::int64_t calls = draft_inner.append_calls() - previous_draft_calls;
    previous_draft_calls = draft_inner.append_calls();
    const bool predraft = record.index < with_predraft;
    EXPECT_EQ(calls, record.gamma + (predraft ? 1 : 0)) << "block " << record.index;
    // Rolled back to the committed prefix (all but the replacement) before the next cold
    // block. (The last block drafts nothing and leaves the draft alone.)
    if (record.gamma > 0) {
      EXPECT_EQ(draft.length(), committed.size() - 1) << "block " << record.index;
    }
    EXPECT_EQ(target.length(), committed.size() - 1) << "block " << record.index;
    std::lock_guard<std::mutex> lock(state_mutex);
    block_start = committed.size();
    blocks_done = record.index + 1;
  };
  SpeculativeDecoder decoder(draft, target);
  Result<GenerationResult> result = decoder.generate(kPrompt, kTokens, kGamma, config);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(timeouts, 0);
  const SpeculativeStats& stats = result->stats;
  expect_consistent(stats, kTokens);
  EXPECT_EQ(stats.iterations, static_cast<std::int64_t>(kTokens));
  EXPECT_EQ(stats.predrafts, with_predraft);
  EXPECT_EQ(stats.discarded_predrafts, with_predraft);
  EXPECT_EQ(stats.discarded_predraft_tokens, with_predraft);
  EXPECT_EQ(stats.warm_blocks, 0);
  EXPECT_EQ(signals.count(kTargetRolledBack), stats.rejections);
}

// A draft whose logits have the wrong size: the error surfaces from the worker thread.
class ShortLogitsModel : public ChainModel {
 public:
  using ChainModel::ChainModel;
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    std::vector<float> logits = ChainModel::append(tokens, last_rows);
    if (length() > fail_after_) logits.pop_back();
    return logits;
  }
  std::size_t fail_after_ = 0;
};

TEST_F(OverlappedTest, DraftErrorsAreReportedNotHung) {
  ShortLogitsModel broken(draft_tables_);
  SpeculativeDecoder decoder(broken, target_);
  for (const std::size_t fail_after : {std::size_t{0}, kPrompt.size() + 6}) {
    broken.fail_after_ = fail_after;
    Result<GenerationResult> result = decoder.generate(kPrompt, 30, 3, overlapped(3, false));
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("draft model returned"), std::string::npos)
        << result.error().message;
  }
}

void check_controlled(bool greedy, double alpha) {
  const ChainTables target_tables(kVocab, 31);
  const ChainTables draft_tables(kVocab, 32);
  ChainModel target(target_tables);
  ChainModel draft(draft_tables);
  SpeculativeDecoder decoder(draft, target);
  SpeculativeConfig config = overlapped(55, greedy);
  config.controlled_alpha = alpha;
  constexpr int kGamma = 4;
  constexpr std::size_t kTokens = 12000;
  Result<GenerationResult> result = decoder.generate(kPrompt, kTokens, kGamma, config);
  ASSERT_TRUE(result.ok());
  const SpeculativeStats& stats = result->stats;
  EXPECT_TRUE(stats.controlled_acceptance);
  expect_consistent(stats, kTokens);
  // Each checked position, the warm blocks' pre-drafted first tokens included, is an
  // independent Bernoulli(alpha) trial.
  const double trials = static_cast<double>(stats.accepted + stats.rejections);
  EXPECT_NEAR(*stats.alpha_estimate(), alpha, 5 * std::sqrt(alpha * (1 - alpha) / trials));
  for (int k = 0; k < kGamma; ++k) {
    const double reached = static_cast<double>(stats.position_reached[k]);
    EXPECT_NEAR(stats.position_accepted[k] / reached, alpha, 5 * std::sqrt(alpha * (1 - alpha) / reached))
        << "position " << k + 1;
  }
  // A block hands over with probability alpha^gamma (every draft kept), and a warm block's
  // first check then succeeds with probability alpha again.
  const double handover = std::pow(alpha, kGamma);
  const double blocks = static_cast<double>(stats.iterations);
  EXPECT_NEAR(stats.warm_blocks / blocks, handover, 5 * std::sqrt(handover * (1 - handover) / blocks));
  EXPECT_EQ(draft.append_calls(), stats.drafted + stats.discarded_predraft_tokens);
}

TEST(OverlappedControlledTest, GreedyMeasuredAlphaMatchesTheForcedOne) {
  check_controlled(true, 0.3);
  check_controlled(true, 0.8);
}

TEST(OverlappedControlledTest, SampledMeasuredAlphaMatchesTheForcedOne) { check_controlled(false, 0.6); }

// A draft built from two executors fed the same tokens: at every third position it answers
// with the layer-skipping one (which disagrees with the target), elsewhere with the target's
// twin. A deterministic function of the sequence, so a valid draft model, and one that
// produces full acceptances, hand-overs and rejections at any position.
class MixedDraft : public TokenModel {
 public:
  MixedDraft(TokenModel& twin, TokenModel& other) : twin_(twin), other_(other) {}
  [[nodiscard]] int vocab() const override { return twin_.vocab(); }
  [[nodiscard]] std::size_t length() const override { return twin_.length(); }
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    std::vector<float> agree = twin_.append(tokens, last_rows);
    std::vector<float> disagree = other_.append(tokens, last_rows);
    return twin_.length() % 3 == 0 ? disagree : agree;
  }
  void truncate(std::size_t length) override {
    twin_.truncate(length);
    other_.truncate(length);
  }

 private:
  TokenModel& twin_;
  TokenModel& other_;
};

// The lossless check on real-shaped executors, with and without a KV cache; the draft runs
// on core 1 and the target on core 0 when the host has both.
TEST(OverlappedExecutorTest, GreedyOutputEqualsTheTargetsOwnGreedyOutput) {
  const ModelArch arch = testing::tiny_arch(3);
  const ModelGraph graph = derive_model("tiny", arch);
  Result<TransformerWeights> loaded = SyntheticWeights(9).load(arch);
  ASSERT_TRUE(loaded.ok()) << loaded.error().format();
  const auto weights = std::make_shared<const TransformerWeights>(std::move(loaded).value());
  const CoreSet draft_cores = make_core_set({testing::has_two_cores() ? 1 : 0});
  const std::vector<int> prompt = {17, 3, 250, 99, 0, 42, 7};
  constexpr std::size_t kTokens = 24;
  for (const bool kv_cache : {true, false}) {
    ExecutorOptions options;
    options.kv_cache = kv_cache;
    ExecutorOptions skipping = options;
    skipping.skip_layers = {1};
    auto target =
        TransformerExecutor::create(graph, weights, place_all_on(graph, make_core_set({0})), options);
    auto twin = TransformerExecutor::create(graph, weights, place_all_on(graph, draft_cores), options);
    auto other = TransformerExecutor::create(graph, weights, place_all_on(graph, draft_cores), skipping);
    ASSERT_TRUE(target.ok() && twin.ok() && other.ok());
    MixedDraft draft(**twin, **other);
    SpeculativeDecoder decoder(draft, **target);
    Result<GenerationResult> plain = decoder.generate(prompt, kTokens, 0, SpeculativeConfig{});
    ASSERT_TRUE(plain.ok()) << plain.error().message;
    std::int64_t rejections = 0;
    std::int64_t warm = 0;
    std::int64_t discarded = 0;
    for (int gamma = 1; gamma <= 4; ++gamma) {
      Result<GenerationResult> result = decoder.generate(prompt, kTokens, gamma, overlapped());
      ASSERT_TRUE(result.ok()) << result.error().message;
      EXPECT_EQ(result->tokens, plain->tokens) << "gamma " << gamma << ", KV cache " << kv_cache;
      expect_consistent(result->stats, kTokens);
      rejections += result->stats.rejections;
      warm += result->stats.warm_blocks;
      discarded += result->stats.discarded_predrafts;
    }
    EXPECT_GT(rejections, 0);
    EXPECT_GT(warm, 0);
    EXPECT_GT(discarded, 0);
  }
}

// Two one-core CPU PUs, so a plan can put the draft and the target side by side.
Soc two_cpu_soc() {
  Soc soc;
  soc.name = "two-cpus";
  for (const char* id : {"little", "big"}) {
    ProcessingUnit cpu;
    cpu.id = id;
    cpu.kind = PuKind::cpu;
    cpu.units = 1;
    soc.pus.push_back(cpu);
  }
  soc.variants = {{"both", {1, 1}}, {"big-only", {0, 1}}};
  return soc;
}

TEST(OverlappedPlanRunnerTest, OverlappedRunEqualsTheSequentialOneAndReportsItsCounters) {
  const ModelGraph draft = derive_model("tiny-draft", testing::tiny_arch(1));
  const ModelGraph target = derive_model("tiny-target", testing::tiny_arch(2));
  // Draft on "little" (core 0), target on "big" (core 1); a host without two cores runs both on one.
  const bool two = testing::has_two_cores();
  PlanChoice choice;
  choice.variant = two ? "both" : "big-only";
  choice.gamma = 3;
  choice.draft_pus.assign(draft.subgraphs.size(), two ? "little" : "big");
  choice.target_pus.assign(target.subgraphs.size(), "big");
  PlanRunOptions options;
  options.prompt_tokens = 6;
  options.new_tokens = 20;
  options.seed = 7;
  options.schedule = Schedule::overlapped;
  auto runner = PlanRunner::create(two_cpu_soc(), draft, target, choice, options);
  ASSERT_TRUE(runner.ok()) << runner.error().format();
  for (const std::optional<double> alpha : {std::optional<double>(), std::optional<double>(0.6)}) {
    auto overlapped_run = (*runner)->run_case(3, alpha, 1, 2);  // options.schedule: overlapped
    auto sequential_run = (*runner)->run_case(3, alpha, 1, 2, Schedule::sequential);
    ASSERT_TRUE(overlapped_run.ok()) << overlapped_run.error().format();
    ASSERT_TRUE(sequential_run.ok()) << sequential_run.error().format();
    EXPECT_TRUE(overlapped_run->stats.overlapped);
    EXPECT_FALSE(sequential_run->stats.overlapped);
    EXPECT_EQ(overlapped_run->tokens.size(), 20U);
    expect_consistent(overlapped_run->stats, 20);
    EXPECT_EQ(sequential_run->stats.cold_blocks, sequential_run->stats.iterations);
    EXPECT_EQ(sequential_run->stats.predrafts, 0);
    if (!alpha) {
      // Greedy output does not depend on the schedule.
      EXPECT_EQ(overlapped_run->tokens, sequential_run->tokens);
    } else {
      EXPECT_TRUE(overlapped_run->stats.controlled_acceptance);
    }
    EXPECT_EQ(overlapped_run->alpha_estimate, overlapped_run->stats.alpha_estimate());
    EXPECT_GT(overlapped_run->tokens_per_second, 0);
    EXPECT_FALSE(overlapped_run->draft_subgraphs.empty());
  }
  // gamma 0 is the sequential schedule whatever the options say.
  auto plain = (*runner)->run_case(0, std::nullopt, 1, 2);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->stats.overlapped);
}

// The overlapped schedule pins the drafter's thread to SpeculativeConfig::drafter_cores: every
// draft call runs there, while the calling thread keeps its own affinity.
TEST(OverlappedPinningTest, DrafterThreadRunsOnTheDraftCores) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  const ChainTables tables(kVocab, 41);
  ChainModel target_inner(tables);
  ChainModel draft_inner(tables);
  HookedModel target(target_inner);
  HookedModel draft(draft_inner);
  std::mutex mutex;
  std::vector<std::vector<int>> draft_masks;
  std::vector<std::vector<int>> target_masks;
  draft.before_append = [&](std::int64_t, std::size_t) {
    std::lock_guard<std::mutex> lock(mutex);
    draft_masks.push_back(testing::calling_thread_affinity());
  };
  target.before_append = [&](std::int64_t, std::size_t) {
    std::lock_guard<std::mutex> lock(mutex);
    target_masks.push_back(testing::calling_thread_affinity());
  };
  const std::vector<int> caller = testing::calling_thread_affinity();
  SpeculativeConfig config = overlapped();
  config.drafter_cores = make_core_set({1});
  SpeculativeDecoder decoder(draft, target);
  Result<GenerationResult> result = decoder.generate(kPrompt, 12, 3, config);
  ASSERT_TRUE(result.ok()) << result.error().format();
  EXPECT_EQ(result->tokens, greedy_reference(tables, kPrompt, 12));
  ASSERT_FALSE(draft_masks.empty());
  for (const auto& mask : draft_masks) EXPECT_EQ(mask, std::vector<int>{1});
  ASSERT_FALSE(target_masks.empty());
  for (const auto& mask : target_masks) EXPECT_EQ(mask, caller);  // the decoder never pins the caller
}

// Cores named in the SoC (`cores: [1]` for the draft's PU, `[0]` for the target's: the
// reverse of the counted order) carry through to the executors and the overlapped run.
TEST(OverlappedPlanRunnerTest, CpuCpuMappingOnTwoNamedCoreSetsRuns) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  Soc soc = two_cpu_soc();
  soc.pus[0].clusters = {CpuCluster{"little", "test", 1, {1}}};
  soc.pus[1].clusters = {CpuCluster{"big", "test", 1, {0}}};
  const ModelGraph draft = derive_model("tiny-draft", testing::tiny_arch(1));
  const ModelGraph target = derive_model("tiny-target", testing::tiny_arch(2));
  PlanChoice choice{"both", 3, std::vector<std::string>(draft.subgraphs.size(), "little"),
                    std::vector<std::string>(target.subgraphs.size(), "big")};
  PlanRunOptions options;
  options.prompt_tokens = 6;
  options.new_tokens = 16;
  options.schedule = Schedule::overlapped;
  auto runner = PlanRunner::create(soc, draft, target, choice, options);
  ASSERT_TRUE(runner.ok()) << runner.error().format();
  auto overlapped_run = (*runner)->run_case(3, std::nullopt, 1, 2);
  auto sequential_run = (*runner)->run_case(3, std::nullopt, 1, 2, Schedule::sequential);
  ASSERT_TRUE(overlapped_run.ok()) << overlapped_run.error().format();
  ASSERT_TRUE(sequential_run.ok()) << sequential_run.error().format();
  EXPECT_TRUE(overlapped_run->stats.overlapped);
  EXPECT_EQ(overlapped_run->tokens, sequential_run->tokens);
  for (const auto& s : overlapped_run->draft_subgraphs) EXPECT_EQ(s.cores, make_core_set({1})) << s.name;
  for (const auto& s : overlapped_run->target_subgraphs) EXPECT_EQ(s.cores, make_core_set({0})) << s.name;
}

}  // namespace
}  // namespace specmap::runtime
