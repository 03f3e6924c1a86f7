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
  d.draft_before = 0.02;
  d.target_before = -0.07;
  d.draft_after = 0.05;
  d.target_after = 0.01;
  EXPECT_NEAR(d.largest(), 0.07, 1e-15);
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
