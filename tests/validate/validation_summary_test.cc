// The summary figures of a validation, on hand-made cases whose answers are known.
#include <gtest/gtest.h>

#include <cmath>

#include "validate/validation_summary.h"

namespace specmap {
namespace {

ValidationCase make_case(const std::string& id, Seconds predicted, Seconds measured, Seconds low, Seconds high) {
  ValidationCase c;
  c.id = id;
  c.predicted.time_per_token = predicted;
  c.measured.total_seconds = measured * 10;
  c.measured.tokens = 10;
  c.measured.run_time_per_token = {measured};
  c.interval = {low, high};
  c.deviation = predicted / measured - 1;
  c.nominal_deviation = c.deviation;
  return c;
}

TEST(ValidationSummary, PercentileIsNearestRank) {
  EXPECT_EQ(percentile({}, 0.95), 0);
  EXPECT_EQ(percentile({3, 1, 2}, 0.5), 2);
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_EQ(percentile(hundred, 0.95), 95);
  EXPECT_EQ(percentile(hundred, 1.0), 100);
  EXPECT_EQ(percentile({7}, 0.95), 7);
}

TEST(ValidationSummary, DeviationsCoverageAndRegret) {
  ExperimentValidation e;
  e.name = "x";
  // Predicted best is "b" (0.9); measured best is "c" (1.0); b measured 1.05: regret 5%.
  e.cases.push_back(make_case("a", 1.10, 1.00 * 1.10 / 1.02, 1.0, 1.2));   // +2%, measured inside
  e.cases.push_back(make_case("b", 0.90, 1.05, 0.85, 0.95));                // -14.3%, outside
  e.cases.push_back(make_case("c", 1.03, 1.00, 0.99, 1.07));                // +3%, inside
  const ValidationSummary s = summarize({e});
  EXPECT_EQ(s.n_cases, 3u);
  EXPECT_NEAR(s.median_abs_deviation, 0.03, 1e-9);
  EXPECT_NEAR(s.max_abs_deviation, 1 - 0.90 / 1.05, 1e-9);
  EXPECT_NEAR(s.p95_abs_deviation, s.max_abs_deviation, 1e-12);
  EXPECT_NEAR(s.interval_coverage, 2.0 / 3.0, 1e-12);
  ASSERT_EQ(s.best_picks.size(), 1u);
  EXPECT_EQ(s.best_picks[0].best_predicted, "b");
  EXPECT_EQ(s.best_picks[0].best_measured, "c");
  EXPECT_NEAR(s.best_pick_regret, 0.05, 1e-9);
}

TEST(ValidationSummary, RegretIsTheWorstExperiment) {
  ExperimentValidation right, wrong;
  right.name = "right";
  right.cases.push_back(make_case("r1", 1.0, 1.0, 0.9, 1.1));
  right.cases.push_back(make_case("r2", 2.0, 2.0, 1.9, 2.1));
  wrong.name = "wrong";
  wrong.cases.push_back(make_case("w1", 1.0, 1.3, 0.9, 1.1));  // predicted best, measured slower
  wrong.cases.push_back(make_case("w2", 1.1, 1.0, 1.0, 1.2));
  const ValidationSummary s = summarize({right, wrong});
  EXPECT_NEAR(s.best_pick_regret, 0.3, 1e-9);
  ASSERT_EQ(s.best_picks.size(), 2u);
  EXPECT_EQ(s.best_picks[0].regret, 0);
}

TEST(ValidationSummary, DriftCheckReportsTheLargestChange) {
  DriftCheck d;
  d.draft_change = 0.02;
  d.target_change = -0.07;
  EXPECT_NEAR(d.largest(), 0.07, 1e-15);
}

// A case whose halves took `a` and `b` seconds for 10 tokens each.
ValidationCase with_halves(const std::string& id, Seconds predicted, Seconds a, Seconds b) {
  ValidationCase c = make_case(id, predicted, (a + b) / 20, 0, 1);
  c.measured.half_seconds[0] = a;
  c.measured.half_seconds[1] = b;
  c.measured.half_tokens[0] = 10;
  c.measured.half_tokens[1] = 10;
  return c;
}

TEST(ValidationSummary, NoiseFloorIsTheMedianHalfDifference) {
  ExperimentValidation e;
  e.name = "x";
  e.cases.push_back(with_halves("a", 1, 1.02, 1.00));  // +2%
  e.cases.push_back(with_halves("b", 1, 0.95, 1.00));  // -5%
  e.cases.push_back(with_halves("c", 1, 1.10, 1.00));  // +10%
  ValidationCase lone = make_case("d", 1, 1, 0, 1);    // one half only: not in the floor
  lone.measured.half_seconds[0] = 10;
  lone.measured.half_tokens[0] = 10;
  EXPECT_FALSE(lone.measured.half_difference().has_value());
  e.cases.push_back(lone);
  const ValidationSummary s = summarize({e});
  ASSERT_TRUE(s.noise_floor.has_value());
  EXPECT_NEAR(*s.noise_floor, 0.05, 1e-12);
  EXPECT_NEAR(*s.p95_noise_floor, 0.10, 1e-12);
  EXPECT_EQ(s.n_noise_cases, 3u);
  ASSERT_EQ(s.best_picks.size(), 1u);
  EXPECT_NEAR(*s.best_picks[0].noise_floor, 0.05, 1e-12);
  EXPECT_FALSE(summarize({ExperimentValidation{}}).noise_floor.has_value());
}

TEST(ValidationSummary, IntervalHalfWidthIsRelativeToThePrediction) {
  ExperimentValidation e;
  e.name = "x";
  e.cases.push_back(make_case("a", 2.0, 2.0, 1.8, 2.2));  // 10%
  e.cases.push_back(make_case("b", 1.0, 1.0, 0.7, 1.3));  // 30%
  e.cases.push_back(make_case("c", 4.0, 4.0, 3.9, 4.1));  // 2.5%
  EXPECT_NEAR(summarize({e}).median_interval_half_width, 0.10, 1e-12);
}

TEST(ValidationSummary, FreshAndStaleDeviationsAreKeptApart) {
  ExperimentValidation e;
  e.name = "x";
  for (double stale : {0.10, -0.20, 0.30}) {
    ValidationCase c = make_case("c" + std::to_string(stale), 1.01, 1.0, 0.9, 1.1);
    c.stale.time_per_token = 1.0 * (1 + stale);
    c.stale_deviation = stale;
    e.cases.push_back(c);
  }
  const ValidationSummary s = summarize({e});
  EXPECT_NEAR(s.median_abs_deviation, 0.01, 1e-9);
  EXPECT_NEAR(s.stale_median_abs_deviation, 0.20, 1e-12);
  EXPECT_NEAR(s.stale_p95_abs_deviation, 0.30, 1e-12);
  EXPECT_NEAR(s.stale_median_signed_deviation, 0.10, 1e-12);
  EXPECT_NEAR(s.best_picks[0].stale_median_abs_deviation, 0.20, 1e-12);
}

TEST(ValidationSummary, SpeedupIsOverTheBaselineOfTheSameVariantAndTarget) {
  auto speculative = [](const std::string& id, const std::string& variant, const std::string& mapping, int gamma,
                        Seconds predicted, Seconds measured) {
    ValidationCase c = make_case(id, predicted, measured, 0, 1);
    c.variant = variant;
    c.mapping = mapping;
    c.gamma = gamma;
    c.stale.time_per_token = predicted * 1.1;
    return c;
  };
  std::vector<ValidationCase> cases = {
      speculative("v1/g0", "v1", "- -> cpu", 0, 10, 10),
      speculative("v2/g0", "v2", "- -> cpu", 0, 6, 5),
      speculative("v1/g2", "v1", "cpu -> cpu", 2, 5, 4),   // predicted 2.0, measured 2.5: -20%
      speculative("v2/g2", "v2", "cpu -> cpu", 2, 3, 2.5),  // predicted 2.0, measured 2.0: 0
      speculative("v2/g3", "v2", "ocl -> ocl", 3, 3, 2.5),  // other target mapping: no baseline
  };
  pair_with_baselines(cases);
  EXPECT_TRUE(cases[0].baseline_case.empty());
  EXPECT_FALSE(cases[0].speedup_deviation().has_value());
  EXPECT_EQ(cases[2].baseline_case, "v1/g0");
  EXPECT_NEAR(*cases[2].baseline_predicted_speedup, 2.0, 1e-12);
  EXPECT_NEAR(*cases[2].baseline_measured_speedup, 2.5, 1e-12);
  EXPECT_NEAR(*cases[2].speedup_deviation(), -0.2, 1e-12);
  EXPECT_EQ(cases[3].baseline_case, "v2/g0");
  EXPECT_NEAR(*cases[3].speedup_deviation(), 0, 1e-12);
  EXPECT_TRUE(cases[4].baseline_case.empty());
  ExperimentValidation e;
  e.name = "x";
  e.cases = cases;
  const ValidationSummary s = summarize({e});
  EXPECT_EQ(s.n_speedup_cases, 2u);
  EXPECT_NEAR(*s.median_speedup_deviation, 0.1, 1e-12);
  EXPECT_NEAR(*s.p95_speedup_deviation, 0.2, 1e-12);
  // Stale: both times 1.1 of the fresh, so the same ratios.
  EXPECT_NEAR(*s.stale_median_speedup_deviation, 0.1, 1e-12);
}

TEST(ValidationSummary, ReportsStallsBesideTheDeviationThatKeepsThem) {
  ExperimentValidation e;
  e.name = "x";
  // "a" measured 1.2 s/token over 10 tokens, 2 s of it stalls in one of its two runs: 1.0 without.
  ValidationCase a = make_case("a", 1.0, 1.2, 0.9, 1.1);
  RunRecord stalled, clean;
  stalled.stalls = {3, 2.0};
  a.measured.runs = {stalled, clean};
  a.deviation_without_stalls = a.predicted.time_per_token / a.measured.time_per_token_without_stalls() - 1;
  ValidationCase b = make_case("b", 1.05, 1.0, 1.0, 1.1);
  b.deviation_without_stalls = b.deviation;
  e.cases = {a, b};
  EXPECT_NEAR(a.measured.time_per_token_without_stalls(), 1.0, 1e-12);
  EXPECT_NEAR(a.measured.stall_share(), 2.0 / 12.0, 1e-12);
  EXPECT_EQ(a.measured.stalled_runs(), 1u);
  const ValidationSummary s = summarize({e});
  EXPECT_EQ(s.stalled_runs, 1u);
  EXPECT_NEAR(s.stall_share, 2.0 / 22.0, 1e-12);
  // The headline keeps the stalls: |1.0 / 1.2 - 1| and 5%; without them 0% and 5%.
  EXPECT_NEAR(s.median_abs_deviation, (1 - 1.0 / 1.2 + 0.05) / 2, 1e-12);
  EXPECT_NEAR(s.median_abs_deviation_without_stalls, 0.025, 1e-12);
  EXPECT_NEAR(s.p95_abs_deviation_without_stalls, 0.05, 1e-12);
}

TEST(ValidationSummary, ReportsTheDeviationOnTheTypicalPass) {
  ExperimentValidation e;
  e.name = "x";
  // "a" measured 1.2 s/token over 10 tokens; its passes took 2.5 s beyond their neighbours'
  // medians and another run 0.5 s less: 0.2 s/token of tail, 1.0 s/token typical.
  ValidationCase a = make_case("a", 1.0, 1.2, 0.9, 1.1);
  RunRecord slow, fast;
  slow.stalls = {1, 2.0, 2.5};
  fast.stalls.beyond_neighbours = -0.5;
  a.measured.runs = {slow, fast};
  a.deviation_typical = a.predicted.time_per_token / a.measured.time_per_token_typical() - 1;
  ValidationCase b = make_case("b", 0.9, 1.0, 0.8, 1.1);  // no pass records: typical = measured
  b.deviation_typical = b.predicted.time_per_token / b.measured.time_per_token_typical() - 1;
  e.cases = {a, b};
  EXPECT_NEAR(a.measured.tail_seconds(), 2.0, 1e-12);
  EXPECT_NEAR(a.measured.time_per_token_typical(), 1.0, 1e-12);
  EXPECT_NEAR(a.measured.tail_share(), 2.0 / 12.0, 1e-12);
  EXPECT_NEAR(b.measured.time_per_token_typical(), b.measured.time_per_token(), 1e-12);
  const ValidationSummary s = summarize({e});
  EXPECT_NEAR(s.tail_share, 2.0 / 22.0, 1e-12);
  EXPECT_NEAR(s.median_abs_deviation_typical, 0.05, 1e-12);  // |0| and |0.9 - 1|
  EXPECT_NEAR(s.p95_abs_deviation_typical, 0.1, 1e-12);
}

TEST(ValidationSummary, CountsDisturbedRunsAndTheMachinesState) {
  ExperimentValidation e;
  e.name = "x";
  ValidationCase c = make_case("a", 1, 1, 0, 2);
  for (double others : {0.0, 0.2, 0.01}) {
    RunRecord r;
    r.conditions.wall = 1;
    r.conditions.process_cpu = 0.5;
    r.conditions.others_share = others;
    r.conditions.disturbed = others > runtime::kDisturbedShare;
    r.conditions.steal = 0.25;
    r.conditions.load_average = 2 + others;
    r.conditions.frequency_mhz = 2000 + 1000 * others;
    c.measured.runs.push_back(r);
  }
  e.cases.push_back(c);
  const ValidationSummary s = summarize({e});
  EXPECT_EQ(s.n_runs, 3u);
  EXPECT_EQ(s.disturbed_runs, 1u);
  EXPECT_EQ(c.measured.disturbed_runs(), 1u);
  EXPECT_NEAR(s.median_cpu_per_wall, 0.5, 1e-12);
  EXPECT_NEAR(s.max_others_share, 0.2, 1e-12);
  EXPECT_NEAR(s.median_others_share, 0.01, 1e-12);
  EXPECT_NEAR(s.steal_seconds, 0.75, 1e-12);
  EXPECT_NEAR(s.median_load_average, 2.01, 1e-12);
  EXPECT_NEAR(*s.min_frequency_mhz, 2000, 1e-9);
  EXPECT_NEAR(*s.max_frequency_mhz, 2200, 1e-9);
}

TEST(ValidationSummary, RunSpreadIsTheRelativeSampleDeviation) {
  CaseMeasurement m;
  m.run_time_per_token = {1.0, 3.0};
  EXPECT_NEAR(m.run_spread(), std::sqrt(2.0) / 2.0, 1e-12);
  m.accepted = 6;
  m.rejections = 2;
  m.drafted = 10;
  EXPECT_NEAR(*m.alpha_estimate(), 0.75, 1e-12);
  EXPECT_NEAR(*m.accept_ratio(), 0.6, 1e-12);
}

}  // namespace
}  // namespace specmap
