// The extended model reduces to Eq. 1 when its extra terms vanish (in the long-generation
// limit: a finite generation's last iterations draft fewer tokens, as the runtime does), and
// departs from it exactly where the workload says it should.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cost/cost_model.h"
#include "cost/eq1.h"
#include "cost_fixtures.h"

namespace specmap {
namespace {

using namespace specmap::testing;

struct Pair {
  Soc soc = test_soc();
  ModelGraph draft = tiny_model("draft", 2, 64);
  ModelGraph target = tiny_model("target", 4, 128);
};

// Expected time of generating `generate` tokens by the runtime's rule (runtime/speculative/speculative.cc:
// min(gamma, m - 1) drafts when m tokens are missing), every target pass costing t and every
// draft pass c t, acceptance alphas[k - 1] at draft position k (the last repeating): by
// recursion over the missing tokens, independently of the pass plan's counting.
double runtime_rule_time(const std::vector<double>& alphas, int gamma, Tokens generate, Seconds t, double c) {
  auto alpha = [&](int k) { return alphas[std::min<std::size_t>(k - 1, alphas.size() - 1)]; };
  std::vector<double> time(static_cast<std::size_t>(generate) + 1, 0.0);  // time[m]: m missing
  for (Tokens m = 1; m <= generate; ++m) {
    const int d = static_cast<int>(std::min<Tokens>(gamma, m - 1));
    double expected = (d * c + 1) * t, all = 1.0;
    for (int k = 0; k <= d; ++k) {  // k drafts accepted: k + 1 tokens
      const double p = k < d ? all * (1 - alpha(k + 1)) : all;
      expected += p * time[static_cast<std::size_t>(m - k - 1)];
      if (k < d) all *= alpha(k + 1);
    }
    time[static_cast<std::size_t>(m)] = expected;
  }
  return time.back();
}

Prediction extended(const Pair& s, const Workload& w, const LatencyOracle& oracle, int gamma,
                    int draft_pu = kGpu, int target_pu = kCpu) {
  CostInputs in{s.soc, s.draft, s.target, w, oracle, CostMode::extended};
  return predict(in, whole_models(s.draft, draft_pu, s.target, target_pu, gamma));
}

// Every pass costs the same whatever its tokens and context, nothing else costs anything and
// there is no KV cache: the time per token is the runtime rule's expectation exactly, and the
// speedup over not speculating tends to Eq. 1 as the generation grows.
TEST(Reduction, ExtendedEqualsEq1WhenOnlyPassesCost) {
  Pair s;
  s.soc = test_soc(8.0, /*dispatch_us=*/0.0);
  const double alphas[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};
  const double costs[] = {0.05, 0.1, 0.2, 0.41, 0.6, 0.8, 1.0, 1.2};
  for (double alpha : alphas) {
    const Workload w = workload({sample(1.0, 63, 63, {alpha})}, /*kv_cache=*/false);
    for (double c : costs) {
      const ConstantPassOracle oracle(s.soc, "draft", 0.25, c);
      const Prediction baseline = extended(s, w, oracle, 0);
      ASSERT_TRUE(baseline.feasible) << baseline.infeasible_reason;
      EXPECT_NEAR(baseline.time_per_token, 0.25, 1e-12 * 0.25);
      for (int gamma = 0; gamma <= 12; ++gamma) {
        const Prediction p = extended(s, w, oracle, gamma);
        ASSERT_TRUE(p.feasible) << p.infeasible_reason;
        const double expected = runtime_rule_time({alpha}, gamma, 63, 0.25, c) / 63;
        EXPECT_NEAR(p.time_per_token, expected, 1e-12 * expected)
            << "alpha " << alpha << " c " << c << " gamma " << gamma;
      }
    }
  }
  // The clipped tail is a few iterations whatever the length: its share falls as 1 / G.
  for (double alpha : {0.5, 0.9}) {
    for (int gamma : {1, 4, 8}) {
      const ConstantPassOracle oracle(s.soc, "draft", 0.25, 0.2);
      double previous = 1.0;
      for (Tokens generate : {Tokens{63}, Tokens{630}, Tokens{6300}}) {
        const Workload w = workload({sample(1.0, 63, generate, {alpha})}, false);
        const double speedup = extended(s, w, oracle, 0).time_per_token / extended(s, w, oracle, gamma).time_per_token;
        const double off = std::abs(speedup / eq1_speedup(alpha, gamma, 0.2) - 1);
        EXPECT_LT(off, 2.0 * (gamma + 1) * (gamma + 1) / static_cast<double>(generate))
            << "alpha " << alpha << " gamma " << gamma << " G " << generate;
        EXPECT_LT(off, previous / 5) << "alpha " << alpha << " gamma " << gamma << " G " << generate;
        previous = off;
      }
    }
  }
}

TEST(Reduction, PaperModeIsEq1WithMeasuredC) {
  Pair s;
  const Workload w = workload({sample(1.0, 63, 63, {0.9})}, false);
  const ConstantPassOracle oracle(s.soc, "draft", 0.5, 0.41);
  CostInputs in{s.soc, s.draft, s.target, w, oracle, CostMode::paper};
  const Prediction p = predict(in, whole_models(s.draft, kGpu, s.target, kCpu, 4));
  ASSERT_TRUE(p.feasible) << p.infeasible_reason;
  EXPECT_NEAR(p.c, 0.41, 1e-15);
  EXPECT_NEAR(p.time_per_token, 0.5 / eq1_speedup(0.9, 4, 0.41), 1e-15);
  EXPECT_NEAR(p.expected_tokens_per_iteration, (1 - std::pow(0.9, 5)) / 0.1, 1e-12);
  EXPECT_NEAR(p.breakdown.draft + p.breakdown.target, p.time_per_token, 1e-15);
  EXPECT_EQ(p.coarsest_source, Provenance::measured_forward);
  EXPECT_FALSE(p.estimated);
}

TEST(Reduction, PaperModeMapsWholeModelsOnly) {
  Pair s;
  const Workload w = workload({sample(1.0, 63, 63, {0.9})}, false);
  const ConstantPassOracle oracle(s.soc, "draft", 0.5, 0.41);
  CostInputs in{s.soc, s.draft, s.target, w, oracle, CostMode::paper};
  Candidate c = whole_models(s.draft, kGpu, s.target, kCpu, 2);
  c.mapping.target.back() = kGpu;
  const Prediction p = predict(in, c);
  EXPECT_FALSE(p.feasible);
  EXPECT_EQ(p.infeasible_reason, "paper mode maps whole models only");
}

// Acceptance per draft position: an iteration yields 1 + a1 + a1 a2 + a1 a2 a3 tokens.
TEST(Reduction, PerPositionAcceptance) {
  Pair s;
  const Workload w = workload({sample(1.0, 40, 80, {0.9, 0.8, 0.5})}, false);
  const double c = 0.3;
  const Seconds t = 0.2;
  const ConstantPassOracle oracle(s.soc, "draft", t, c);
  const Prediction p = extended(s, w, oracle, 3);
  ASSERT_TRUE(p.feasible) << p.infeasible_reason;
  // Iterations are the rule's time at t = 1, c = 0; per iteration of gamma drafts
  // 1 + a1 + a1 a2 + a1 a2 a3 tokens, fewer in the clipped last ones.
  const std::vector<double> a = {0.9, 0.8, 0.5};
  EXPECT_NEAR(p.expected_tokens_per_iteration, 80 / runtime_rule_time(a, 3, 80, 1.0, 0.0), 1e-12);
  EXPECT_LT(p.expected_tokens_per_iteration, 1 + 0.9 + 0.9 * 0.8 + 0.9 * 0.8 * 0.5);
  EXPECT_NEAR(p.time_per_token, runtime_rule_time(a, 3, 80, t, c) / 80, 1e-12 * t);
  // Beyond the list the last value repeats (gamma 5 reads 0.5 at positions 4 and 5).
  const Prediction p5 = extended(s, w, oracle, 5);
  EXPECT_NEAR(p5.expected_tokens_per_iteration, 80 / runtime_rule_time({0.9, 0.8, 0.5, 0.5, 0.5}, 5, 80, 1.0, 0.0),
              1e-12);
}

// The speedup of a workload is the ratio of expected total times, not Eq. 1 at the mean alpha.
TEST(Reduction, TwoSampleWorkloadIsTheWeightedTotal) {
  Pair s;
  const Workload w = workload({sample(0.5, 30, 100, {0.95}), sample(0.5, 30, 100, {0.25})}, false);
  const double c = 0.2;
  const Seconds t = 1.0;
  const int gamma = 4;
  const ConstantPassOracle oracle(s.soc, "draft", t, c);
  const Prediction p = extended(s, w, oracle, gamma);
  ASSERT_TRUE(p.feasible) << p.infeasible_reason;
  // Equal G, so a plain average of each sample's time per token.
  const double expected =
      0.5 * (runtime_rule_time({0.95}, gamma, 100, t, c) + runtime_rule_time({0.25}, gamma, 100, t, c)) / 100;
  EXPECT_NEAR(p.time_per_token, expected, 1e-12);
  const double at_mean_alpha = t / eq1_speedup(w.mean_alpha(), gamma, c);
  EXPECT_GT(std::abs(p.time_per_token - at_mean_alpha), 0.01 * at_mean_alpha);
}

// Unequal lengths weigh by generated tokens: time per token = sum w T / sum w G.
TEST(Reduction, SamplesWeighByGeneratedTokens) {
  Pair s;
  const Workload w = workload({sample(0.25, 10, 300, {0.0}), sample(0.75, 10, 20, {0.0})}, false);
  // alpha 0 and gamma 0: one target pass per token in both samples.
  const ConstantPassOracle oracle(s.soc, "draft", 0.1, 0.5);
  const Prediction p = extended(s, w, oracle, 0);
  EXPECT_NEAR(p.time_per_token, 0.1, 1e-14);
  const Prediction p2 = extended(s, w, oracle, 2);
  // One token per iteration, each of (2 * 0.5 + 1) * 0.1 but the last two: one draft
  // (0.15) and none (0.1), so G - 2 full iterations per sample.
  const double expected = (0.25 * (298 * 0.2 + 0.25) + 0.75 * (18 * 0.2 + 0.25)) / (0.25 * 300 + 0.75 * 20);
  EXPECT_NEAR(p2.time_per_token, expected, 1e-14);
}

}  // namespace
}  // namespace specmap
