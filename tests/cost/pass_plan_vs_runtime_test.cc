// The pass plan against what the speculative loop really runs: recording models count every
// pass of runtime/speculative/speculative.cc (tokens processed, context, rows sampled) over many
// generations at a controlled acceptance, and the plan's expected figures per generated token
// must match them. A plan that charges passes at lengths the loop never reaches (a no-cache
// pass recomputes the whole sequence, so its cost follows the length) or counts passes the
// loop does not run fails here.
#include <gtest/gtest.h>

#include <algorithm>
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
    if (kv && p.context > 0 && p.new_tokens == 2 && role == cost_internal::kDraft)
      t.two_token_steps += p.per_token;
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
    if (kv) expect_near_relative(want.context, got.context / generated, 0.015, "context per token");
  }
}

TEST(PassPlanVsRuntime, NoCachePassesMatchTheLoop) {
  for (int gamma : {0, 1, 2, 4, 8})
    for (double alpha : {0.3, 0.8}) check(false, gamma, alpha);
}

}  // namespace
}  // namespace specmap
