// The overlapped schedule's expected time per token (cost/overlapped_schedule.h) against a
// block-by-block simulation of the same algorithm, and its use in predict().
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cost/cost_model.h"
#include "cost/overlapped_schedule.h"
#include "cost_fixtures.h"

namespace specmap {
namespace {

using namespace specmap::testing;

// Simulates the schedule draw by draw: cold and warm blocks, the concurrent phase with
// contention, the abort wait (the model's average, d / 2, when the drafter is still busy).
double simulated_time_per_token(const OverlapInputs& in, std::int64_t tokens_wanted, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution accept(in.alpha);
  const int g = in.gamma;
  const double d = in.draft_step;
  auto phase = [&](double verify, bool* drafter_busy_at_verdict) {
    const double predraft = g * d;
    double target_done, both_done;
    if (verify * in.target_slowdown <= predraft * in.draft_slowdown) {
      target_done = verify * in.target_slowdown;
      both_done = target_done + (predraft - target_done / in.draft_slowdown);
    } else {
      const double draft_done = predraft * in.draft_slowdown;
      target_done = draft_done + (verify - draft_done / in.target_slowdown);
      both_done = target_done;
    }
    *drafter_busy_at_verdict = both_done > target_done;
    return std::make_pair(target_done, both_done);
  };
  double time = 0;
  std::int64_t tokens = 0;
  bool warm = false;
  while (tokens < tokens_wanted) {
    if (!warm) time += g * d;  // cold drafting
    bool busy = false;
    const auto [target_done, both_done] = phase(warm ? in.verify_warm : in.verify_cold, &busy);
    // A warm block's first draft was checked before its pass (see below).
    const int checks = warm ? g - 1 : g;
    int accepted = 0;
    while (accepted < checks && accept(rng)) ++accepted;
    if (accepted < checks) {  // rejection: accepted drafts + the replacement
      tokens += accepted + 1;
      time += target_done + (busy ? 0.5 * d : 0.0);
      warm = false;
      continue;
    }
    tokens += checks;
    time += both_done;
    // The pre-drafted block's first token against the pass's last row.
    tokens += 1;  // accepted draft or replacement
    warm = accept(rng);
  }
  return time / static_cast<double>(tokens);
}

TEST(OverlappedSchedule, MatchesBlockSimulation) {
  struct Case {
    int gamma;
    double alpha, d, verify, s_draft, s_target;
  };
  const Case cases[] = {
      {1, 0.5, 0.010, 0.050, 1.0, 1.0},  {4, 0.7, 0.010, 0.050, 1.1, 1.08}, {4, 0.9, 0.020, 0.030, 1.3, 1.2},
      {8, 0.8, 0.004, 0.060, 1.0, 1.5},  {2, 0.3, 0.030, 0.020, 1.2, 1.0},  {6, 0.95, 0.012, 0.045, 1.05, 1.1},
  };
  for (const Case& c : cases) {
    OverlapInputs in;
    in.gamma = c.gamma;
    in.alpha = c.alpha;
    in.draft_step = c.d;
    in.verify_cold = c.verify;
    in.verify_warm = 0.95 * c.verify;
    in.draft_slowdown = c.s_draft;
    in.target_slowdown = c.s_target;
    const double model = overlapped_decode(in).time_per_token;
    const double simulated = simulated_time_per_token(in, 2'000'000, 42);
    EXPECT_NEAR(model, simulated, 0.005 * simulated) << "gamma " << c.gamma << " alpha " << c.alpha;
  }
}

TEST(OverlappedSchedule, NoAcceptanceCostsDraftingThenOnePass) {
  OverlapInputs in;
  in.gamma = 3;
  in.alpha = 0.0;
  in.draft_step = 0.01;
  in.verify_cold = in.verify_warm = 0.05;  // longer than the pre-draft: the drafter is done first
  const OverlapResult r = overlapped_decode(in);
  EXPECT_NEAR(r.time_per_token, 3 * 0.01 + 0.05, 1e-12);
  EXPECT_NEAR(r.critical_draft_per_token, 0.03, 1e-12);
}

TEST(OverlappedSchedule, FullAcceptanceHidesDraftingBehindVerification) {
  OverlapInputs in;
  in.gamma = 4;
  in.alpha = 1.0;
  in.draft_step = 0.005;
  in.verify_cold = in.verify_warm = 0.05;
  const OverlapResult r = overlapped_decode(in);
  EXPECT_NEAR(r.time_per_token, 0.05 / 4, 1e-12);  // sequential would pay 0.02 + 0.05 per 5 tokens
  EXPECT_NEAR(r.critical_draft_per_token, 0.0, 1e-12);
}

TEST(OverlappedSchedule, ContentionSlowsTheOverlap) {
  OverlapInputs in;
  in.gamma = 4;
  in.alpha = 0.8;
  in.draft_step = 0.01;
  in.verify_cold = in.verify_warm = 0.04;
  const double free = overlapped_decode(in).time_per_token;
  in.draft_slowdown = in.target_slowdown = 1.2;
  EXPECT_GT(overlapped_decode(in).time_per_token, free * 1.05);
}

TEST(OverlappedSchedule, IidAlphaInvertsExpectedTokens) {
  for (int gamma : {1, 3, 8})
    for (double alpha : {0.0, 0.3, 0.7, 0.95}) {
      const double expected = (1 - std::pow(alpha, gamma + 1)) / (1 - alpha);
      EXPECT_NEAR(iid_alpha_for(expected, gamma), alpha, 1e-9);
    }
}

struct Pair {
  Soc soc = test_soc();
  ModelGraph draft = tiny_model("draft", 2, 64);
  ModelGraph target = tiny_model("target", 4, 128);
};

TEST(OverlappedPredict, NeedsDraftAndTargetOnDifferentPus) {
  Pair s;
  const Workload w = workload({sample(1.0, 32, 64, {0.8})}, true);
  const ConstantPassOracle oracle(s.soc, "draft", 0.05, 0.2);
  CostInputs in{s.soc, s.draft, s.target, w, oracle, CostMode::extended};
  Candidate same = whole_models(s.draft, kCpu, s.target, kCpu, 4);
  same.schedule = Schedule::overlapped;
  const Prediction p = predict(in, same);
  EXPECT_FALSE(p.feasible);
  EXPECT_NE(p.infeasible_reason.find("different PUs"), std::string::npos) << p.infeasible_reason;
}

// No contention between the PUs, as if measured.
class NoContentionOracle : public ConstantPassOracle {
 public:
  using ConstantPassOracle::ConstantPassOracle;
  Slowdown slowdown(int, int, int, int) const override { return Slowdown{1.0, true}; }
};

TEST(OverlappedPredict, BeatsSequentialWhenDraftingIsHidden) {
  Pair s;
  const Workload w = workload({sample(1.0, 32, 64, {0.8})}, true);
  const NoContentionOracle oracle(s.soc, "draft", 0.05, 0.2);
  CostInputs in{s.soc, s.draft, s.target, w, oracle, CostMode::extended};
  Candidate c = whole_models(s.draft, kGpu, s.target, kCpu, 4);
  const Prediction sequential = predict(in, c);
  c.schedule = Schedule::overlapped;
  const Prediction overlapped = predict(in, c);
  ASSERT_TRUE(sequential.feasible) << sequential.infeasible_reason;
  ASSERT_TRUE(overlapped.feasible) << overlapped.infeasible_reason;
  EXPECT_LT(overlapped.time_per_token, sequential.time_per_token);
  EXPECT_GT(overlapped.breakdown.hidden_draft, 0.0);
  EXPECT_DOUBLE_EQ(overlapped.breakdown.draft_slowdown, 1.0);
  EXPECT_TRUE(overlapped.breakdown.contention_measured);
  // Gamma 0 has nothing to overlap: both schedules cost the same.
  Candidate baseline = whole_models(s.draft, kGpu, s.target, kCpu, 0);
  const Prediction base_sequential = predict(in, baseline);
  baseline.schedule = Schedule::overlapped;
  EXPECT_DOUBLE_EQ(predict(in, baseline).time_per_token, base_sequential.time_per_token);
}

TEST(OverlappedPredict, PaperModeHasNoOverlap) {
  Pair s;
  const Workload w = workload({sample(1.0, 32, 64, {0.8})}, false);
  const ConstantPassOracle oracle(s.soc, "draft", 0.05, 0.2);
  CostInputs in{s.soc, s.draft, s.target, w, oracle, CostMode::paper};
  Candidate c = whole_models(s.draft, kGpu, s.target, kCpu, 4);
  c.schedule = Schedule::overlapped;
  EXPECT_FALSE(predict(in, c).feasible);
}

}  // namespace
}  // namespace specmap
