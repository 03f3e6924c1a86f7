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
#include "cost/placement.h"
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

bool has(const std::vector<PassPoint>& points, Tokens n, Tokens ctx) {
  return std::find(points.begin(), points.end(), PassPoint{n, ctx}) != points.end();
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
  // gamma + 1 rows, fewer in the last iterations (runtime/speculative/speculative.cc drafts min(gamma, m -
  // 1)).
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
  // Two rounds 0.004 apart: median absolute deviation 0.002, the median's standard error
  // 1.2533 x 1.4826 x 0.002 / sqrt(2).
  EXPECT_NEAR(forward.stats.stddev, 1.2533 * 1.4826 * 0.002 / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(forward.stats.repetitions, 2);
  for (const ProfileEntry& e : entries) EXPECT_NE(e.key, s.target.subgraphs[1].name);
}

TEST(FreshProfile, ASlowRoundMovesNeitherThePointNorItsError) {
  const Study& s = study();
  const Mapping m{whole_model_on(0, s.draft.subgraphs.size()), whole_model_on(0, s.target.subgraphs.size())};
  FreshSamples fresh;
  // Sixteen rounds 1 % apart around 10 ms, one of them slowed 30 times by another process.
  for (int round = 0; round < 16; ++round) {
    runtime::PassPointTiming t;
    t.point = {4, 40};
    t.forward = round == 5 ? 0.3 : 0.010 * (1 + 0.01 * (round % 3 - 1));
    t.subgraphs.assign(s.target.subgraphs.size(), t.forward / double(s.target.subgraphs.size()));
    fresh.add(false, {t});
  }
  const ProfileEntry forward = fresh.entries(s.soc, 1, s.draft, s.target, m).front();
  // The median stays at 10 ms; the tail factor counts the slow round as kMaxTailRatio times
  // it, one of sixteen rounds: (15 + 3) / 16 (the rounds 1% apart average out).
  const double tail = fresh.tail_factor(false);
  EXPECT_NEAR(tail, (15.0 + FreshSamples::kMaxTailRatio) / 16.0, 2e-3);
  EXPECT_NEAR(forward.stats.median, 0.010 * tail, 1e-12);
  // About 1.2533 x 1.4826 x 0.1 ms / 4 = 0.046 ms; the rounds' standard error would be 18 ms.
  EXPECT_LT(forward.stats.stddev, 0.0001 * tail);
  EXPECT_GT(forward.stats.stddev, 0.00002);
}

TEST(FreshProfile, EntriesCarryTheModelsTailPooledOverItsPoints) {
  const Study& s = study();
  const Mapping m{whole_model_on(0, s.draft.subgraphs.size()), whole_model_on(0, s.target.subgraphs.size())};
  FreshSamples fresh;
  EXPECT_DOUBLE_EQ(fresh.tail_factor(false), 1.0) << "no samples, no tail";
  // Two points of the target, four rounds each: three at the point's typical time and one 20%
  // slower, as a machine's interrupts leave passes. Their median is the typical time; a loop
  // running them pays 5% more on average.
  for (int round = 0; round < 4; ++round) {
    std::vector<runtime::PassPointTiming> timings;
    for (const auto& [point, typical] : {std::pair{PassPoint{1, 40}, 0.002}, std::pair{PassPoint{4, 40}, 0.003}}) {
      runtime::PassPointTiming t;
      t.point = point;
      t.forward = typical * (round == 2 ? 1.2 : 1.0);
      t.subgraphs.assign(s.target.subgraphs.size(), t.forward / double(s.target.subgraphs.size()));
      timings.push_back(t);
    }
    fresh.add(false, timings);
  }
  // The draft's passes are as fast as their median: their factor stays 1.
  runtime::PassPointTiming d;
  d.point = {1, 40};
  d.forward = 0.001;
  d.subgraphs.assign(s.draft.subgraphs.size(), d.forward / double(s.draft.subgraphs.size()));
  fresh.add(true, {d});
  fresh.add(true, {d});
  EXPECT_NEAR(fresh.tail_factor(false), 1.05, 1e-12);
  EXPECT_NEAR(fresh.tail_factor(true), 1.0, 1e-12);
  for (const ProfileEntry& e : fresh.entries(s.soc, 1, s.draft, s.target, m)) {
    if (e.level != ProfileLevel::forward) continue;
    if (e.model == s.draft.name) {
      EXPECT_NEAR(e.stats.median, 0.001, 1e-12);
    } else {
      const double typical = e.new_tokens == 1 ? 0.002 : 0.003;
      EXPECT_NEAR(e.stats.median, typical * 1.05, 1e-12) << "the median pass times the model's tail";
    }
  }
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
    for (const PassPoint& p : draft ? needed.draft : needed.target) {
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
    auto in_tail = [&](const PassPoint& p) { return (kv ? p.context + 1 : p.new_tokens) >= tail; };
    const std::vector<int> gammas = {0, 1, 3, 8};
    const GroupPoints needed = points_needed(w, gammas);
    const std::vector<runtime::SequencedPass> order = loop_order(w, gammas, true);
    std::vector<PassPoint> timed[2];
    for (const auto& p : order)
      if (p.timed) timed[p.draft ? 0 : 1].push_back(p.point);
    for (auto& t : timed) std::sort(t.begin(), t.end());
    EXPECT_EQ(timed[0], needed.draft) << "every draft point timed exactly once";
    EXPECT_EQ(timed[1], needed.target) << "every target point timed exactly once";
    // The iterations' lengths: where the gamma-0 steps run (context L - 1 with a cache: the
    // target holds all but the last emitted token; the whole sequence of L tokens, sampling its
    // last row, without).
    std::set<Tokens> lengths;
    for (const auto& p : needed.target)
      if ((kv ? p.new_tokens == 1 && p.context > 0 : p.rows == 0) && !in_tail(p))
        lengths.insert(kv ? p.context + 1 : p.new_tokens);
    // The plan's quadrature nodes but the last, at p + G - 1 among the tail's lengths.
    ASSERT_EQ(lengths.size(), 3u) << "the plan's quadrature lengths";
    if (kv) {
      ASSERT_GE(order.size(), 2u);
      EXPECT_TRUE(order[0].draft && order[0].point.context == 0) << "the draft's prefill first";
      EXPECT_TRUE(!order[1].draft && order[1].point.context == 0) << "then the target's";
    }
    int first_steps = 0, catch_up_steps = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const auto& p = order[i];
      if (!p.timed || (kv && p.point.context == 0) || in_tail(p.point)) continue;
      // A first drafting step at L: (1, L - 1), or catching up on 2 tokens (2, L - 2) after a
      // fully kept round, with a cache; the whole sequence of L tokens without.
      const bool catch_up = kv && p.draft && p.point.new_tokens == 2;
      const Tokens step_length = kv ? p.point.context + p.point.new_tokens : p.point.new_tokens;
      if (p.draft && lengths.count(step_length) > 0) ++(catch_up ? catch_up_steps : first_steps);
      if (catch_up) {
        EXPECT_EQ(p.point.rows, 1) << "the catch-up samples one row";
      }
      if (i == 0) continue;  // nothing before it in the sequence (the cases' runs before it, in validation)
      const bool after_draft = order[i - 1].draft;
      if (p.draft) {
        const bool first_step = lengths.count(step_length) > 0;
        EXPECT_EQ(after_draft, !first_step) << "a round's first drafting step follows a target pass, the "
                                               "others the draft's own step";
      } else {
        const bool verification = kv ? p.point.new_tokens > 1 : p.point.rows > 0;
        EXPECT_EQ(after_draft, verification)
            << "a verification follows the drafter, a gamma-0 step the target";
        // Two untimed rounds of the same gamma before it (the same target pass, with that
        // gamma's drafting steps before each), so it finds the caches as its case's loop
        // leaves them, round after round.
        const Tokens g = verification ? (kv ? p.point.new_tokens - 1 : p.point.rows - 1) : 0;
        const Tokens at = kv ? p.point.context + 1 : p.point.new_tokens - g;
        if (lengths.count(at) > 0) {
          std::size_t k = i;
          for (int lead = 0; lead < 2; ++lead) {
            Tokens drafts = 0;
            while (k > 0 && order[k - 1].draft) {
              --k;
              ++drafts;
              EXPECT_FALSE(order[k].timed && lead > 0) << "lead rounds are untimed";
            }
            EXPECT_EQ(drafts, g) << "gamma " << g << " at " << at << ": its drafting steps before each pass";
            ASSERT_GT(k, 0u);
            --k;
            EXPECT_EQ(order[k].point, p.point) << "gamma " << g << " at " << at << ": a lead round";
            EXPECT_FALSE(order[k].timed);
          }
        }
        if (verification) {
          // Right after the drafter's last step of that gamma.
          const Tokens gamma = kv ? p.point.new_tokens - 1 : p.point.rows - 1;
          const PassPoint last = order[i - 1].point;
          if (kv)
            EXPECT_EQ(last, (PassPoint{1, p.point.context + gamma - 1, 0}));
          else
            EXPECT_EQ(last, (PassPoint{p.point.new_tokens - 1, 0, 0}));
        }
      }
    }
    EXPECT_EQ(first_steps, 3) << "one per quadrature length";
    EXPECT_EQ(catch_up_steps, kv ? 3 : 0) << "with a cache, one 2-token catch-up per quadrature length";
    // No drafter: the target's points alone, all of them.
    const std::vector<runtime::SequencedPass> alone = loop_order(w, gammas, false);
    std::vector<PassPoint> target_only;
    for (const auto& p : alone) {
      EXPECT_FALSE(p.draft);
      if (p.timed) target_only.push_back(p.point);
    }
    std::sort(target_only.begin(), target_only.end());
    EXPECT_EQ(target_only, needed.target);
  }
}

// An overlapped group: the fresh prediction reads the contention re-measured beside the group,
// the stale one the committed profile's; a sequential prediction reads neither.
TEST(FreshProfile, OverlappedPredictionReadsTheRemeasuredContention) {
  auto loaded = load_study(std::string(SPECMAP_SOURCE_DIR) + "/configs/experiments/host-hetero-40m-kv.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().format();
  const Study& s = *loaded;
  const auto cpu = s.soc.pu_index("cpu");
  const auto ocl = s.soc.pu_index("ocl");
  ASSERT_TRUE(cpu && ocl);
  const int variant = 0;
  const int cpu_units = cost_internal::units_in_variant(s.soc, variant, *cpu);
  const int ocl_units = cost_internal::units_in_variant(s.soc, variant, *ocl);
  // The committed profile: the drafter (on the OpenCL PU) 1.2x slower beside the target, the
  // target (on the CPU) 1.1x beside the drafter.
  ProfileDb committed = s.profiles;
  auto reference = [](const std::string& pu, int units, const std::string& beside, int beside_units,
                      const std::string& role, Seconds median) {
    ContentionEntry e;
    e.pu = pu;
    e.units = units;
    e.beside = beside;
    e.beside_units = beside_units;
    e.role = role;
    e.stats.median = e.stats.mean = median;
    e.stats.repetitions = 3;
    e.file = "committed";
    return e;
  };
  committed.contention = {
      reference("ocl", ocl_units, "", 0, "draft", 1e-3),
      reference("ocl", ocl_units, "cpu", cpu_units, "draft", 1.2e-3),
      reference("cpu", cpu_units, "", 0, "target", 2e-3),
      reference("cpu", cpu_units, "cpu", cpu_units, "target", 9e-3),  // another pair: kept
      reference("cpu", cpu_units, "ocl", ocl_units, "target", 2.2e-3)};
  // Re-measured beside the group, over two rounds: 2x and 1.5x.
  FreshSamples fresh;
  runtime::ContentionTimings round;
  round.draft_alone = {1e-3, 1.1e-3};
  round.draft_beside = {2e-3, 2.2e-3};
  round.target_alone = {2e-3, 2e-3};
  round.target_beside = {3e-3, 3e-3};
  fresh.add_contention(round);
  fresh.add_contention(round);
  EXPECT_EQ(fresh.contention_rounds(), 2);
  const Mapping m{whole_model_on(*ocl, s.draft.subgraphs.size()),
                  whole_model_on(*cpu, s.target.subgraphs.size())};
  const std::vector<ContentionEntry> entries = fresh.contention_entries(s.soc, variant, m);
  ASSERT_EQ(entries.size(), 4u) << "each role alone and beside the other's PU";
  for (const ContentionEntry& e : entries) {
    EXPECT_EQ(e.stats.repetitions, 4) << "every sample of every round";
    EXPECT_EQ(e.pu, e.role == "draft" ? "ocl" : "cpu");
  }
  const ProfileDb db = with_fresh_entries(committed, {}, entries);
  EXPECT_EQ(db.contention.size(), 5u) << "the four re-measured in place of theirs, the other pair kept";
  EXPECT_EQ(db.entries.size(), committed.entries.size());

  const LatencyOracle stale_oracle(s.soc, committed);
  const LatencyOracle fresh_oracle(s.soc, db);
  const CostInputs stale_in{s.soc, s.draft, s.target, s.workload, stale_oracle, CostMode::extended};
  const CostInputs fresh_in{s.soc, s.draft, s.target, s.workload, fresh_oracle, CostMode::extended};
  const Candidate overlapped{variant, m, 3, Schedule::overlapped};
  const Prediction stale = predict(stale_in, overlapped);
  const Prediction now = predict(fresh_in, overlapped);
  ASSERT_TRUE(stale.feasible && now.feasible) << stale.infeasible_reason << now.infeasible_reason;
  EXPECT_NEAR(stale.breakdown.draft_slowdown, 1.2, 1e-9);
  EXPECT_NEAR(stale.breakdown.target_slowdown, 1.1, 1e-9);
  EXPECT_NEAR(now.breakdown.draft_slowdown, 2.0, 0.05);
  EXPECT_NEAR(now.breakdown.target_slowdown, 1.5, 1e-9);
  EXPECT_TRUE(now.breakdown.contention_measured);
  EXPECT_GT(now.time_per_token, stale.time_per_token) << "more contention, a slower overlapped schedule";
  const Candidate sequential{variant, m, 3, Schedule::sequential};
  EXPECT_DOUBLE_EQ(predict(fresh_in, sequential).time_per_token,
                   predict(stale_in, sequential).time_per_token);

  // A group without contention rounds gives no entries, and the committed contention stays.
  EXPECT_TRUE(FreshSamples().contention_entries(s.soc, variant, m).empty());
  // Draft and target on one PU never overlap: nothing to re-measure for them.
  const Mapping shared{whole_model_on(*cpu, s.draft.subgraphs.size()),
                       whole_model_on(*cpu, s.target.subgraphs.size())};
  EXPECT_TRUE(fresh.contention_entries(s.soc, variant, shared).empty());
}

TEST(FreshProfile, ContentionShapeIsTheMedianGammaAtMidGeneration) {
  Workload w = study().workload;  // 32-token prompt, 96 generated, KV cache
  runtime::ContentionShape shape = contention_shape(w, {0, 1, 3, 8});
  EXPECT_EQ(shape.draft_step, (PassPoint{1, 80, 0}));
  EXPECT_EQ(shape.verification, (PassPoint{4, 80, 0}));
  w.kv_cache = false;
  shape = contention_shape(w, {0, 2});
  EXPECT_EQ(shape.draft_step, (PassPoint{81, 0, 0}));
  EXPECT_EQ(shape.verification, (PassPoint{82, 0, 3})) << "gamma + 1 rows sampled";
}

}  // namespace
}  // namespace specmap
