// Fresh profile points: which points a group needs, how their rounds become profile entries,
// and that a prediction from them reads the re-measured figures at every point it needs while
// the stale-profile prediction keeps reading the committed profile.
#include "validate/fresh_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "cost/cost_model.h"
#include "cost/mapping.h"
#include "study/study.h"

namespace specmap {
namespace {

const Study& study() {
  static const Study s = [] {
    auto loaded =
        load_study(std::string(SPECMAP_SOURCE_DIR) + "/configs/experiments/host-validate-40m-kv.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.error().format();
    return std::move(loaded).value();
  }();
  return s;
}

bool has(const std::vector<runtime::PassPoint>& points, Tokens n, Tokens ctx) {
  return std::find(points.begin(), points.end(), runtime::PassPoint{n, ctx}) != points.end();
}

TEST(FreshProfile, PointsNeededFollowThePassPlan) {
  const Workload& w = study().workload;  // 32-token prompt, 96 generated, KV cache
  const GroupPoints baseline = points_needed(w, {0});
  EXPECT_TRUE(baseline.draft.empty()) << "gamma 0 never runs the draft";
  EXPECT_TRUE(has(baseline.target, 32, 0)) << "the prefill";
  const GroupPoints g = points_needed(w, {0, 3});
  EXPECT_TRUE(has(g.draft, 32, 0));
  // Verification of gamma + 1 rows and drafting steps at the quadrature midpoints.
  bool verification = false, step = false;
  for (const auto& p : g.target) verification = verification || (p.new_tokens == 4 && p.context > 32);
  for (const auto& p : g.draft) step = step || (p.new_tokens == 1 && p.context > 32);
  EXPECT_TRUE(verification);
  EXPECT_TRUE(step);
  // gamma + 1 rows, fewer in the last iterations (runtime/speculative.cc drafts min(gamma, m - 1)).
  for (const auto& p : g.target) EXPECT_TRUE((p.new_tokens >= 1 && p.new_tokens <= 4) || p.context == 0);
  Workload nokv = w;
  nokv.kv_cache = false;
  bool verification_rows = false;
  for (const auto& p : points_needed(nokv, {0, 2}).target) {
    EXPECT_EQ(p.context, 0) << "whole-sequence passes";
    EXPECT_TRUE(p.rows == 0 || p.rows == 2 || p.rows == 3) << "a verification samples its drafts + 1 rows";
    verification_rows = verification_rows || p.rows == 3;
  }
  EXPECT_TRUE(verification_rows);
}

TEST(FreshProfile, RoundsBecomeEntriesWithTheirStandardError) {
  const Study& s = study();
  const Mapping m{whole_model_on(0, s.draft.subgraphs.size()), whole_model_on(0, s.target.subgraphs.size())};
  FreshSamples fresh;
  EXPECT_TRUE(fresh.empty());
  for (double v : {0.010, 0.014}) {
    runtime::PassPointTiming t;
    t.point = {4, 40};
    t.forward = v;
    t.subgraphs.assign(s.target.subgraphs.size(), v / double(s.target.subgraphs.size()));
    t.subgraphs[1] = -1;  // not run in this pass
    fresh.add(false, {t});
  }
  EXPECT_EQ(fresh.rounds(false), 2);
  EXPECT_EQ(fresh.rounds(true), 0);
  const std::vector<ProfileEntry> entries = fresh.entries(s.soc, 1, s.draft, s.target, m);
  ASSERT_EQ(entries.size(), s.target.subgraphs.size()) << "forward + every subgraph that ran";
  const ProfileEntry& forward = entries.front();
  EXPECT_EQ(forward.level, ProfileLevel::forward);
  EXPECT_EQ(forward.model, s.target.name);
  EXPECT_EQ(forward.units, 2) << "variant 2core";
  EXPECT_EQ(forward.new_tokens, 4);
  EXPECT_EQ(forward.context, 40);
  EXPECT_NEAR(forward.stats.median, 0.012, 1e-15);
  // Two rounds 0.004 apart: sample deviation 0.004 / sqrt(2), standard error of the mean 0.002.
  EXPECT_NEAR(forward.stats.stddev, 0.002, 1e-12);
  EXPECT_EQ(forward.stats.repetitions, 2);
  for (const ProfileEntry& e : entries) EXPECT_NE(e.key, s.target.subgraphs[1].name);
}

TEST(FreshProfile, FreshEntriesReplaceTheCommittedOnesAtEveryNeededPoint) {
  const Study& s = study();
  const LatencyOracle stale(s.soc, s.profiles);
  const int variant = 0;  // 1core
  const int units = 1;
  const Mapping m{whole_model_on(0, s.draft.subgraphs.size()), whole_model_on(0, s.target.subgraphs.size())};
  const std::vector<int> gammas = {0, 4};
  const GroupPoints needed = points_needed(s.workload, gammas);
  // "Re-measured" points that are the committed figures times 1.5: every prediction that reads
  // only them is 1.5 times the stale one (up to the few terms that are not profile figures).
  FreshSamples fresh;
  for (bool draft : {true, false}) {
    const ModelGraph& model = draft ? s.draft : s.target;
    std::vector<runtime::PassPointTiming> round;
    for (const runtime::PassPoint& p : draft ? needed.draft : needed.target) {
      runtime::PassPointTiming t;
      t.point = p;
      t.forward = 1.5 * stale.forward(model, 0, units, p.new_tokens, p.context).median;
      for (std::size_t i = 0; i < model.subgraphs.size(); ++i)
        t.subgraphs.push_back(1.5 * stale.subgraph(model, i, 0, units, p.new_tokens, p.context).median);
      round.push_back(t);
    }
    fresh.add(draft, round);
  }
  const std::vector<ProfileEntry> entries = fresh.entries(s.soc, variant, s.draft, s.target, m);
  const ProfileDb db = with_fresh_entries(s.profiles, entries);
  EXPECT_EQ(db.time_unit, s.profiles.time_unit);
  EXPECT_GE(db.entries.size(), s.profiles.entries.size())
      << "nothing committed is lost but the replaced points";
  EXPECT_LE(db.entries.size(), s.profiles.entries.size() + entries.size());
  const LatencyOracle fresh_oracle(s.soc, db);
  const CostInputs stale_in{s.soc, s.draft, s.target, s.workload, stale, CostMode::extended};
  const CostInputs fresh_in{s.soc, s.draft, s.target, s.workload, fresh_oracle, CostMode::extended};
  for (int gamma : gammas) {
    const Candidate c{variant, m, gamma, Schedule::sequential};
    const Prediction before = predict(stale_in, c);
    const Prediction after = predict(fresh_in, c);
    ASSERT_TRUE(before.feasible && after.feasible);
    EXPECT_NEAR(after.time_per_token / before.time_per_token, 1.5, 0.01) << "gamma " << gamma;
  }
  // The drift the check reports is the +50% put in.
  EXPECT_NEAR(profile_drift(stale, s.target, entries), 0.5, 1e-9);
  EXPECT_NEAR(profile_drift(stale, s.draft, entries), 0.5, 1e-9);
}

TEST(FreshProfile, LoopOrderTimesEveryPointOnceWhereTheLoopRunsIt) {
  for (bool kv : {true, false}) {
    Workload w = study().workload;
    w.kv_cache = kv;
    // Long enough that the clipped last iterations (from p + G - 8 on, drafting fewer than
    // gamma, sharing points with each other) stay clear of the quadrature's: the order is
    // checked there; every point, the tail's included, is timed exactly once.
    w.samples.at(0).generate_tokens = 400;
    const Tokens tail = w.samples[0].prompt_tokens + 400 - 8 - 1;
    auto in_tail = [&](const runtime::PassPoint& p) { return (kv ? p.context + 1 : p.new_tokens) >= tail; };
    const std::vector<int> gammas = {0, 1, 3, 8};
    const GroupPoints needed = points_needed(w, gammas);
    const std::vector<runtime::SequencedPass> order = loop_order(w, gammas, true);
    std::vector<runtime::PassPoint> timed[2];
    for (const auto& p : order)
      if (p.timed) timed[p.draft ? 0 : 1].push_back(p.point);
    for (auto& t : timed) std::sort(t.begin(), t.end());
    EXPECT_EQ(timed[0], needed.draft) << "every draft point timed exactly once";
    EXPECT_EQ(timed[1], needed.target) << "every target point timed exactly once";
    // The iterations' lengths: where the gamma-0 steps run (context L with a cache; the whole
    // sequence of L tokens, sampling its last row, without).
    std::set<Tokens> lengths;
    for (const auto& p : needed.target)
      if ((kv ? p.new_tokens == 1 && p.context > 0 : p.rows == 0) && !in_tail(p))
        lengths.insert(kv ? p.context : p.new_tokens);
    // The plan's quadrature nodes but the last, at p + G - 1 among the tail's lengths.
    ASSERT_EQ(lengths.size(), 3u) << "the plan's quadrature lengths";
    if (kv) {
      ASSERT_GE(order.size(), 2u);
      EXPECT_TRUE(order[0].draft && order[0].point.context == 0) << "the draft's prefill first";
      EXPECT_TRUE(!order[1].draft && order[1].point.context == 0) << "then the target's";
    }
    int first_steps = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const auto& p = order[i];
      if (!p.timed || (kv && p.point.context == 0) || in_tail(p.point)) continue;
      if (p.draft) first_steps += lengths.count(kv ? p.point.context + 1 : p.point.new_tokens) > 0;
      if (i == 0) continue;  // nothing before it in the sequence (the cases' runs before it, in validation)
      const bool after_draft = order[i - 1].draft;
      if (p.draft) {
        const bool first_step = lengths.count(kv ? p.point.context + 1 : p.point.new_tokens) > 0;
        EXPECT_EQ(after_draft, !first_step) << "a round's first drafting step follows a target pass, the "
                                               "others the draft's own step";
      } else {
        const bool verification = kv ? p.point.new_tokens > 1 : p.point.rows > 0;
        EXPECT_EQ(after_draft, verification)
            << "a verification follows the drafter, a gamma-0 step the target";
        if (verification) {
          // Right after the drafter's last step of that gamma.
          const Tokens gamma = kv ? p.point.new_tokens - 1 : p.point.rows - 1;
          const runtime::PassPoint last = order[i - 1].point;
          if (kv)
            EXPECT_EQ(last, (runtime::PassPoint{1, p.point.context + gamma - 2, 0}));
          else
            EXPECT_EQ(last, (runtime::PassPoint{p.point.new_tokens - 1, 0, 0}));
        }
      }
    }
    EXPECT_EQ(first_steps, 3) << "one per quadrature length";
    // No drafter: the target's points alone, all of them.
    const std::vector<runtime::SequencedPass> alone = loop_order(w, gammas, false);
    std::vector<runtime::PassPoint> target_only;
    for (const auto& p : alone) {
      EXPECT_FALSE(p.draft);
      if (p.timed) target_only.push_back(p.point);
    }
    std::sort(target_only.begin(), target_only.end());
    EXPECT_EQ(target_only, needed.target);
  }
}

}  // namespace
}  // namespace specmap
