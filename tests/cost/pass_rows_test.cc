// The rows dimension of no-cache verification: rows sampled is not tokens processed. Profile
// names carry it (old names still load), the pass plan asks for it, the oracle reads the
// series of the pass's own row count and never mixes row counts.
#include <gtest/gtest.h>

#include "cost/cost_model.h"
#include "cost/mapping.h"
#include "cost/workload_passes.h"
#include "profile/latency_oracle.h"
#include "profile/profile_db.h"
#include "study/study.h"

namespace specmap {
namespace {

const Study& nokv_study() {
  static const Study s = [] {
    auto loaded =
        load_study(std::string(SPECMAP_SOURCE_DIR) + "/configs/experiments/host-validate-40m-nokv.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.error().format();
    return std::move(loaded).value();
  }();
  return s;
}

TEST(PassRows, NamesCarryRowsAndOldNamesStillLoad) {
  EXPECT_EQ(benchmark_name(ProfileLevel::forward, "m", "forward", "cpu", 1, 40, 0),
            "specmap/forward/m/forward/cpu/units:1/n:40/ctx:0");
  EXPECT_EQ(benchmark_name(ProfileLevel::forward, "m", "forward", "cpu", 1, 40, 0, 5),
            "specmap/forward/m/forward/cpu/units:1/n:40/ctx:0/rows:5");
  const std::string json = R"({"context": {}, "benchmarks": [
    {"name": "specmap/forward/m/forward/cpu/units:1/n:40/ctx:0/repeats:2", "run_name": "specmap/forward/m/forward/cpu/units:1/n:40/ctx:0",
     "run_type": "iteration", "real_time": 10, "time_unit": "ms"},
    {"name": "specmap/forward/m/forward/cpu/units:1/n:40/ctx:0/rows:5/repeats:2", "run_name": "specmap/forward/m/forward/cpu/units:1/n:40/ctx:0/rows:5",
     "run_type": "iteration", "real_time": 20, "time_unit": "ms", "subgraph:head": 0.008}]})";
  auto db = parse_benchmark_json(json, "t.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  ASSERT_EQ(db->entries.size(), 3u) << "two forward points and the head of the rows point";
  int with_rows = 0;
  for (const ProfileEntry& e : db->entries) {
    EXPECT_EQ(e.new_tokens, 40);
    if (e.rows == 5) ++with_rows;
    if (e.level == ProfileLevel::forward) {
      EXPECT_NEAR(e.stats.median, e.rows == 5 ? 0.020 : 0.010, 1e-12);
    }
  }
  EXPECT_EQ(with_rows, 2) << "the counter inherits the point's rows";
  // More rows than the pass holds is not a profile point.
  const std::string bad = R"({"context": {}, "benchmarks": [
    {"name": "specmap/forward/m/forward/cpu/units:1/n:4/ctx:0/rows:9", "run_type": "iteration", "real_time": 1, "time_unit": "ms"}]})";
  EXPECT_FALSE(parse_benchmark_json(bad, "bad.json").ok());
}

TEST(PassRows, PlanAsksNoCacheVerificationsForTheirRows) {
  Workload w = nokv_study().workload;
  ASSERT_FALSE(w.kv_cache);
  int full_verifications = 0;
  for (const cost_internal::Pass& p : cost_internal::plan_passes(w, 4).passes) {
    if (p.role == cost_internal::kTarget) {
      // gamma + 1 rows; d + 1 in a generation's last iterations, which draft d < gamma; the
      // implied last row when nothing is drafted (the very last token).
      EXPECT_TRUE(p.rows == 0 || (p.rows >= 2 && p.rows <= 5)) << p.rows;
      full_verifications += p.rows == 5;
    }
    if (p.role == cost_internal::kDraft) {
      EXPECT_EQ(p.rows, 0);
    }
  }
  EXPECT_GT(full_verifications, 0);
  for (const cost_internal::Pass& p : cost_internal::plan_passes(w, 0).passes) EXPECT_EQ(p.rows, 0);
  w.kv_cache = true;
  // With a cache rows are implied by new tokens except for the first iteration's verification,
  // which appends prompt and drafts from an empty cache (d + 1 rows, not the prefill's one),
  // and the drafter's 2-token catch-up step, which samples 1 row.
  for (const cost_internal::Pass& p : cost_internal::plan_passes(w, 4).passes) {
    if (p.role == cost_internal::kTarget && p.context == 0)
      EXPECT_EQ(p.rows, 5) << "the first verification of 4 drafts";
    else if (p.role == cost_internal::kDraft && p.context > 0 && p.new_tokens == 2)
      EXPECT_EQ(p.rows, 1);
    else
      EXPECT_EQ(p.rows, 0) << "with a cache rows are implied by new tokens";
  }
}

TEST(PassRows, OracleReadsTheSeriesOfThePassesRowsAndNeverMixesThem) {
  const Study& s = nokv_study();
  ProfileDb db;
  auto add = [&](Tokens n, Tokens rows, Seconds t) {
    ProfileEntry e;
    e.model = s.target.name;
    e.key = "forward";
    e.pu = "cpu";
    e.units = 1;
    e.new_tokens = n;
    e.rows = rows;
    e.stats = ProfileStats{t, t, 0, 3};
    db.entries.push_back(e);
  };
  add(40, 0, 0.010);
  add(48, 0, 0.012);
  add(40, 5, 0.020);
  add(48, 5, 0.024);
  const LatencyOracle oracle(s.soc, db);
  EXPECT_NEAR(oracle.forward(s.target, 0, 1, 44, 0).median, 0.011, 1e-12);
  EXPECT_NEAR(oracle.forward_rows(s.target, 0, 1, 44, 0, 0).median, 0.011, 1e-12);
  EXPECT_NEAR(oracle.forward_rows(s.target, 0, 1, 44, 0, 5).median, 0.022, 1e-12);
  // No series at 3 rows: the implied rows' series, not an interpolation between 1 and 5 rows.
  EXPECT_NEAR(oracle.forward_rows(s.target, 0, 1, 44, 0, 3).median, 0.011, 1e-12);
}

TEST(PassRows, ANoCacheSpeculativePredictionPaysForItsVerificationRows) {
  const Study& s = nokv_study();
  const LatencyOracle committed(s.soc, s.profiles);
  const Mapping m{whole_model_on(0, s.draft.subgraphs.size()), whole_model_on(0, s.target.subgraphs.size())};
  // Every verification pass of gamma 3 measured at its rows (4, fewer in the last iterations),
  // twice the one-row figure; the last token's pass drafts nothing and samples one row.
  ProfileDb db = s.profiles;
  Seconds one_row_share = 0;  // that pass's part of the time per token, not doubled
  for (const cost_internal::Pass& p : cost_internal::plan_passes(s.workload, 3).passes) {
    if (p.role != cost_internal::kTarget) continue;
    if (p.rows == 0) {
      for (std::size_t i = 0; i < s.target.subgraphs.size(); ++i)
        one_row_share += p.per_token * committed.subgraph(s.target, i, 0, 1, p.new_tokens, 0).median;
      continue;
    }
    for (std::size_t i = 0; i < s.target.subgraphs.size(); ++i) {
      ProfileEntry e;
      e.level = ProfileLevel::subgraph;
      e.model = s.target.name;
      e.key = s.target.subgraphs[i].name;
      e.pu = "cpu";
      e.units = 1;
      e.new_tokens = p.new_tokens;
      e.rows = p.rows;
      const Seconds t = 2 * committed.subgraph(s.target, i, 0, 1, p.new_tokens, 0).median;
      e.stats = ProfileStats{t, t, 0, 3};
      db.entries.push_back(e);
    }
  }
  const LatencyOracle with_rows(s.soc, db);
  const CostInputs before{s.soc, s.draft, s.target, s.workload, committed, CostMode::extended};
  const CostInputs after{s.soc, s.draft, s.target, s.workload, with_rows, CostMode::extended};
  const Candidate g3{0, m, 3, Schedule::sequential};
  const Candidate g0{0, m, 0, Schedule::sequential};
  const Prediction p3 = predict(before, g3), q3 = predict(after, g3);
  ASSERT_TRUE(p3.feasible && q3.feasible);
  EXPECT_GT(one_row_share, 0);
  EXPECT_NEAR(q3.breakdown.target, 2 * p3.breakdown.target - one_row_share, 1e-3 * p3.breakdown.target);
  EXPECT_NEAR(predict(after, g0).time_per_token, predict(before, g0).time_per_token, 1e-15)
      << "gamma 0 samples one row: untouched";
}

}  // namespace
}  // namespace specmap
