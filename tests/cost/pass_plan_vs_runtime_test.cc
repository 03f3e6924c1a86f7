// The pass plan against what the speculative loop really runs: recording models count every
// pass of runtime/speculative/speculative.cc (tokens processed, context, rows sampled) over many
// generations at a controlled acceptance, and the plan's expected figures per generated token
// must match them. A plan that charges passes at lengths the loop never reaches (a no-cache
// pass recomputes the whole sequence, so its cost follows the length) or counts passes the
// loop does not run fails here; with a cache so does a plan with a separate prefill or
// without the drafter's 2-token catch-up steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "cost/workload_passes.h"
#include "cost_fixtures.h"
#include "runtime/speculative/speculative.h"
#include "runtime/executor/token_model.h"

namespace specmap {
namespace {

// The totals the cost of a pass follows, summed over passes.
struct PassTotals {
  double passes = 0;
  double tokens = 0;           // tokens a pass computes: the whole sequence without a cache
  double context = 0;          // tokens attended to before the new ones (with a cache)
  double rows = 0;             // rows of logits sampled
  double two_token_steps = 0;  // passes appending exactly 2 tokens at a context > 0
  double at_context_0 = 0;     // passes starting from an empty cache (with a cache)
  double tokens_at_context_0 = 0;
  double rows_at_context_0 = 0;
};

// A model whose logits carry nothing (controlled acceptance decides), recording its passes as
// the executor runs them: without a cache every append recomputes the whole sequence.
class RecordingModel : public runtime::TokenModel {
 public:
  RecordingModel(bool kv_cache, PassTotals& totals) : kv_cache_(kv_cache), totals_(totals) {}
  [[nodiscard]] int vocab() const override { return 8; }
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    totals_.passes += 1;
    totals_.tokens += static_cast<double>(kv_cache_ ? tokens.size() : length_ + tokens.size());
    totals_.context += kv_cache_ ? static_cast<double>(length_) : 0.0;
    totals_.rows += static_cast<double>(last_rows);
    if (kv_cache_ && length_ > 0 && tokens.size() == 2) totals_.two_token_steps += 1;
    if (kv_cache_ && length_ == 0) {
      totals_.at_context_0 += 1;
      totals_.tokens_at_context_0 += static_cast<double>(tokens.size());
      totals_.rows_at_context_0 += static_cast<double>(last_rows);
    }
    length_ += tokens.size();
    return std::vector<float>(last_rows * 8, 0.0f);
  }
  void truncate(std::size_t length) override { length_ = std::min(length_, length); }
  [[nodiscard]] std::size_t length() const override { return length_; }

 private:
  bool kv_cache_;
  PassTotals& totals_;
  std::size_t length_ = 0;
};

// The plan's expected totals per generated token (implied rows as ProfileEntry::rows says).
PassTotals planned(const cost_internal::PassPlan& plan, int role, bool kv) {
  PassTotals t;
  for (const cost_internal::Pass& p : plan.passes) {
    if (p.role != role) continue;
    t.passes += p.per_token;
    t.tokens += p.per_token * static_cast<double>(p.new_tokens);
    t.context += p.per_token * static_cast<double>(p.context);
    const Tokens implied = kv && p.context > 0 ? p.new_tokens : 1;
    t.rows += p.per_token * static_cast<double>(p.rows > 0 ? p.rows : implied);
    if (kv && p.context > 0 && p.new_tokens == 2) t.two_token_steps += p.per_token;
    if (kv && p.context == 0) {
      t.at_context_0 += p.per_token;
      t.tokens_at_context_0 += p.per_token * static_cast<double>(p.new_tokens);
      t.rows_at_context_0 += p.per_token * static_cast<double>(p.rows > 0 ? p.rows : implied);
    }
  }
  return t;
}

void expect_near_relative(double plan, double measured, double tolerance, const char* what) {
  if (measured == 0) {
    EXPECT_NEAR(plan, 0.0, 1e-9) << what;
    return;
  }
  EXPECT_NEAR(plan / measured, 1.0, tolerance) << what << ": plan " << plan << ", runtime " << measured;
}

void check(bool kv, int gamma, double alpha) {
  SCOPED_TRACE(::testing::Message() << (kv ? "KV cache" : "no KV cache") << ", gamma " << gamma << ", alpha "
                                    << alpha);
  constexpr Tokens kPrompt = 8;
  constexpr Tokens kGenerate = 32;
  constexpr int kGenerations = 3000;
  PassTotals runtime_totals[2];
  double iterations = 0;
  RecordingModel draft(kv, runtime_totals[cost_internal::kDraft]);
  RecordingModel target(kv, runtime_totals[cost_internal::kTarget]);
  runtime::SpeculativeDecoder decoder(draft, target);
  const std::vector<int> prompt(kPrompt, 1);
  for (int g = 0; g < kGenerations; ++g) {
    runtime::SpeculativeConfig config;
    config.seed = static_cast<std::uint64_t>(g) + 1;
    config.controlled_alpha = alpha;
    auto result = decoder.generate(prompt, kGenerate, gamma, config);
    ASSERT_TRUE(result.ok()) << result.error().format();
    ASSERT_EQ(result->stats.tokens_generated, kGenerate);
    iterations += static_cast<double>(result->stats.iterations);
  }
  const double generated = static_cast<double>(kGenerations) * kGenerate;
  const cost_internal::PassPlan plan = cost_internal::plan_passes(
      testing::workload({testing::sample(1.0, kPrompt, kGenerate, {alpha})}, kv), gamma);
  for (int role = 0; role < cost_internal::kRoles; ++role) {
    SCOPED_TRACE(cost_internal::role_name(role));
    const PassTotals want = planned(plan, role, kv);
    const PassTotals& got = runtime_totals[role];
    // 3000 generations: the Monte Carlo error of these means is well under 1%.
    expect_near_relative(want.passes, got.passes / generated, 0.015, "passes per token");
    expect_near_relative(want.tokens, got.tokens / generated, 0.015, "tokens computed per token");
    expect_near_relative(want.rows, got.rows / generated, 0.015, "rows sampled per token");
    if (kv) {
      expect_near_relative(want.context, got.context / generated, 0.015, "context per token");
      // The drafter's 2-token catch-up after a fully kept round; the target never appends 2
      // tokens at a context but at gamma 1 (1 + its draft), which the plan holds too.
      // Rare (a tail iteration's, or after a fully kept round): a count of N events is off by
      // about sqrt(N), so four standard errors, never less than 1.5 %.
      const double spread = std::max(0.015 * got.two_token_steps, 4.0 * std::sqrt(std::max(got.two_token_steps, 1.0)));
      EXPECT_NEAR(want.two_token_steps * generated, got.two_token_steps, spread)
          << "2-token passes at a context: plan " << want.two_token_steps * generated << ", runtime "
          << got.two_token_steps;
      // No separate prefill: the first round's passes take in the prompt. Exact, not sampled.
      EXPECT_NEAR(want.at_context_0 * generated, got.at_context_0, 1e-6) << "passes from an empty cache";
      EXPECT_NEAR(want.tokens_at_context_0 * generated, got.tokens_at_context_0, 1e-6)
          << "tokens of the passes from an empty cache";
      EXPECT_NEAR(want.rows_at_context_0 * generated, got.rows_at_context_0, 1e-6)
          << "rows of the passes from an empty cache";
    }
  }
  if (kv) {
    // Iterations by drafts: every generation runs the same number of iterations at gamma 0
    // and at alpha 0; the plan's count must be the loop's.
    double planned_iterations = 0;
    for (double n : plan.iterations_by_drafts) planned_iterations += n;
    EXPECT_NEAR(planned_iterations, plan.iterations / plan.generated_tokens, 1e-12);
    expect_near_relative(planned_iterations, iterations / generated, 0.015, "iterations per token");
  }
}

TEST(PassPlanVsRuntime, NoCachePassesMatchTheLoop) {
  for (int gamma : {0, 1, 2, 4, 8})
    for (double alpha : {0.3, 0.8}) check(false, gamma, alpha);
}

// With a cache: no separate prefill (the first round's draft step appends the prompt, its
// verification the prompt and the drafts), the target's later passes of 1 + d tokens at the
// kept length, and the drafter's 2-token first step after every fully kept round.
TEST(PassPlanVsRuntime, CachePassesMatchTheLoop) {
  for (int gamma : {0, 1, 2, 4, 8})
    for (double alpha : {0.0, 0.3, 0.8, 1.0}) check(true, gamma, alpha);
}

// The overlapped schedule feeds its drafter the last draft beside the target's pass, so it
// never catches up on 2 tokens; its plan (catch_up_pairs false) has no such step either.
TEST(PassPlanVsRuntime, OverlappedDrafterNeverCatchesUpOnTwoTokens) {
  constexpr Tokens kPrompt = 8;
  constexpr Tokens kGenerate = 32;
  for (int gamma : {1, 4}) {
    PassTotals totals[2];
    RecordingModel draft(true, totals[cost_internal::kDraft]);
    RecordingModel target(true, totals[cost_internal::kTarget]);
    runtime::SpeculativeDecoder decoder(draft, target);
    const std::vector<int> prompt(kPrompt, 1);
    for (int g = 0; g < 200; ++g) {
      runtime::SpeculativeConfig config;
      config.seed = static_cast<std::uint64_t>(g) + 1;
      config.controlled_alpha = 0.8;
      config.schedule = Schedule::overlapped;
      auto result = decoder.generate(prompt, kGenerate, gamma, config);
      ASSERT_TRUE(result.ok()) << result.error().format();
    }
    EXPECT_EQ(totals[cost_internal::kDraft].two_token_steps, 0.0) << "gamma " << gamma;
    const cost_internal::PassPlan sequential =
        cost_internal::plan_passes(testing::workload({testing::sample(1.0, kPrompt, kGenerate, {0.8})}, true), gamma);
    const cost_internal::PassPlan overlapped = cost_internal::plan_passes(
        testing::workload({testing::sample(1.0, kPrompt, kGenerate, {0.8})}, true), gamma, false);
    EXPECT_GT(planned(sequential, cost_internal::kDraft, true).two_token_steps, 0.0);
    EXPECT_EQ(planned(overlapped, cost_internal::kDraft, true).two_token_steps, 0.0);
  }
}

}  // namespace
}  // namespace specmap
