// The passes the cost model reads for a workload, as the profiler is asked to cover them: every
// pass of every plan at gamma 0..gamma_max, in both schedules, whatever the acceptance.
#include "cost/plan_points.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cost/workload_passes.h"

namespace specmap {
namespace {

Workload workload(Tokens prompt, Tokens generate, bool kv_cache, double alpha) {
  Workload w;
  w.name = "test";
  w.kv_cache = kv_cache;
  w.samples = {WorkloadSample{1.0, prompt, generate, {alpha}}};
  return w;
}

bool has(const std::vector<PassPoint>& points, PassPoint p) {
  return std::find(points.begin(), points.end(), p) != points.end();
}

// With a cache the first round takes in the prompt: the drafter's prompt step (p, 0) and the
// target's prompt and d drafts from context 0, sampling d + 1 rows, for every d up to gamma_max.
TEST(PlannedPoints, CachedLoopHasEveryFirstVerification) {
  const PlannedPoints points = planned_points(workload(11, 40, true, 0.6), 5);
  EXPECT_TRUE(has(points.draft, {11, 0, 0}));
  EXPECT_TRUE(has(points.target, {11, 0, 0}));  // gamma 0: the prompt alone
  for (Tokens d = 1; d <= 5; ++d) EXPECT_TRUE(has(points.target, {11 + d, 0, d + 1})) << d;
  EXPECT_FALSE(has(points.target, {17, 0, 7}));  // gamma 6 is beyond the range
  // The drafter's 2-token catch-up after a round that kept every draft samples one row.
  EXPECT_TRUE(std::any_of(points.draft.begin(), points.draft.end(),
                          [](const PassPoint& p) { return p.new_tokens == 2 && p.rows == 1; }));
  EXPECT_TRUE(std::is_sorted(points.draft.begin(), points.draft.end()));
  EXPECT_TRUE(std::adjacent_find(points.target.begin(), points.target.end()) == points.target.end());
}

// Every pass of every plan is in the list, the plan's own weights aside: an acceptance of 1
// (no rejection ever) or 0 (no catch-up ever) gives the same list as one in between.
TEST(PlannedPoints, CoverEveryPlanAtAnyAcceptance) {
  for (bool kv : {true, false}) {
    const PlannedPoints all = planned_points(workload(7, 20, kv, 1.0), 4);
    EXPECT_EQ(all.target, planned_points(workload(7, 20, kv, 0.0), 4).target);
    EXPECT_EQ(all.draft, planned_points(workload(7, 20, kv, 0.3), 4).draft);
    for (double alpha : {0.0, 0.2, 0.9, 1.0})
      for (int gamma = 0; gamma <= 4; ++gamma)
        for (bool pairs : {true, false})
          for (const cost_internal::Pass& p :
               cost_internal::plan_passes(workload(7, 20, kv, alpha), gamma, pairs).passes)
            EXPECT_TRUE(has(p.role == cost_internal::kDraft ? all.draft : all.target,
                            {p.new_tokens, p.context, p.rows}))
                << "kv " << kv << " alpha " << alpha << " gamma " << gamma << " n " << p.new_tokens << " ctx "
                << p.context << " rows " << p.rows;
  }
}

// Without a cache every pass runs the whole sequence from context 0; a verification of d
// drafts samples d + 1 rows.
TEST(PlannedPoints, UncachedPassesAreWholeSequences) {
  const PlannedPoints points = planned_points(workload(6, 10, false, 0.5), 3);
  for (const auto* role : {&points.draft, &points.target})
    for (const PassPoint& p : *role) EXPECT_EQ(p.context, 0);
  EXPECT_TRUE(has(points.target, {6 + 3, 0, 4}));  // the first round's verification of 3 drafts
  EXPECT_TRUE(has(points.draft, {6, 0, 0}));
}

}  // namespace
}  // namespace specmap
