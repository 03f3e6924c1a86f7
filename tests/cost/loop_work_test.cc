// The speculative loop's own work per iteration (specmap/loop/vocab:<V>/drafts:<d>): read from
// Google Benchmark JSON, looked up per vocabulary and drafts, and costed once per iteration of
// the pass plan; a profile without it still loads and costs the loop as 0.
#include <gtest/gtest.h>

#include <string>

#include "cost/cost_model.h"
#include "cost/loop_work.h"
#include "cost/workload_passes.h"
#include "cost_fixtures.h"
#include "profile/profile_db.h"

namespace specmap {
namespace {

using namespace specmap::testing;

std::string loop_json(const std::string& benchmarks) {
  return R"({"context": {"specmap_machine": "test"}, "benchmarks": [)" + benchmarks + "]}";
}

std::string loop_run(std::int64_t vocab, int drafts, double us) {
  return R"({"name": ")" + loop_benchmark_name(vocab, drafts) + R"(/repeats:3/manual_time", "run_name": ")" +
         loop_benchmark_name(vocab, drafts) + R"(", "run_type": "iteration", "real_time": )" + std::to_string(us) +
         R"(, "time_unit": "us"})";
}

TEST(LoopWork, LoadsFromBenchmarkJsonBesideOtherPoints) {
  const std::string text = loop_json(
      loop_run(512, 0, 10.0) + "," + loop_run(512, 4, 50.0) + "," +
      R"({"name": "specmap/forward/target/forward/cpu/units:4/n:1/ctx:0", "run_type": "iteration", "real_time": 1, "time_unit": "ms"})");
  auto db = parse_benchmark_json(text, "p.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  ASSERT_EQ(db->loops.size(), 2u);
  EXPECT_EQ(db->entries.size(), 1u);
  EXPECT_EQ(db->loops[0].vocab, 512);
  EXPECT_EQ(db->loops[1].drafts, 4);
  EXPECT_NEAR(db->loops[1].stats.median, 50e-6, 1e-15);
}

TEST(LoopWork, MalformedLoopNamesAreErrorsNamingTheBenchmark) {
  for (const std::string name : {"specmap/loop/vocab:0/drafts:1", "specmap/loop/vocab:512",
                                 "specmap/loop/vocab:512/drafts:-1", "specmap/loop/drafts:1/vocab:512",
                                 "specmap/loop/vocab:512/drafts:1/extra"}) {
    const std::string text =
        loop_json(R"({"name": ")" + name + R"(", "run_type": "iteration", "real_time": 1, "time_unit": "us"})");
    auto db = parse_benchmark_json(text, "bad.json");
    ASSERT_FALSE(db.ok()) << name;
    EXPECT_NE(db.error().format().find("specmap/loop/vocab:<V>/drafts:<d>"), std::string::npos)
        << db.error().format();
    EXPECT_NE(db.error().format().find("bad.json"), std::string::npos);
  }
}

TEST(LoopWork, MergingTheSamePointTwiceIsAnError) {
  ProfileDb a, b;
  a.loops.push_back(LoopEntry{512, 2, ProfileStats{1e-5, 1e-5, 0, 3}, "a.json"});
  b.loops.push_back(LoopEntry{512, 2, ProfileStats{2e-5, 2e-5, 0, 3}, "b.json"});
  const Status st = a.merge(b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("a.json"), std::string::npos);
  b.loops.front().drafts = 3;
  EXPECT_TRUE(a.merge(b).ok());
  EXPECT_EQ(a.loops.size(), 2u);
}

ProfileDb loops_at(std::int64_t vocab, std::initializer_list<std::pair<int, double>> points) {
  ProfileDb db;
  for (const auto& [drafts, seconds] : points)
    db.loops.push_back(LoopEntry{vocab, drafts, ProfileStats{seconds, seconds, 0, 3}, "p.json"});
  return db;
}

TEST(LoopWork, LookupIsExactThenLinearThenScaledByVocabulary) {
  const ProfileDb db = loops_at(1000, {{0, 10e-6}, {2, 30e-6}, {8, 90e-6}});
  EXPECT_FALSE(cost_internal::loop_work(ProfileDb{}, 1000, 2).measured);
  EXPECT_EQ(cost_internal::loop_work(ProfileDb{}, 1000, 2).median, 0.0);
  EXPECT_TRUE(cost_internal::loop_work(db, 1000, 2).measured);
  EXPECT_NEAR(cost_internal::loop_work(db, 1000, 2).median, 30e-6, 1e-15);
  EXPECT_NEAR(cost_internal::loop_work(db, 1000, 1).median, 20e-6, 1e-15);
  EXPECT_NEAR(cost_internal::loop_work(db, 1000, 5).median, 60e-6, 1e-15);
  EXPECT_NEAR(cost_internal::loop_work(db, 1000, 10).median, 110e-6, 1e-15) << "along the last segment";
  // Another vocabulary: the nearest measured one, in proportion.
  EXPECT_NEAR(cost_internal::loop_work(db, 2000, 2).median, 60e-6, 1e-15);
  // One entry: in proportion to the rows handled (2 d + 1).
  const ProfileDb one = loops_at(1000, {{2, 50e-6}});
  EXPECT_NEAR(cost_internal::loop_work(one, 1000, 4).median, 90e-6, 1e-15);
  // A relative profile has no seconds to add.
  ProfileDb relative = db;
  relative.time_unit = "relative";
  EXPECT_FALSE(cost_internal::loop_work(relative, 1000, 2).measured);
}

TEST(LoopWork, EachIterationPaysItsOwnDraftsWork) {
  const Soc soc = test_soc();
  const ModelGraph draft = tiny_model("draft", 2, 64);
  const ModelGraph target = tiny_model("target", 4, 128);
  ASSERT_EQ(cost_internal::model_vocab(target), 512);
  for (bool kv : {true, false}) {
    const Workload w = workload({sample(0.5, 20, 30, {0.8}), sample(0.5, 40, 10, {0.6})}, kv);
    const ProfileDb without;
    const ProfileDb with = loops_at(512, {{0, 10e-6}, {8, 170e-6}});  // 10 us + 20 us per draft
    const LatencyOracle stale(soc, without);
    const LatencyOracle measured(soc, with);
    for (int gamma : {0, 3, 6}) {
      SCOPED_TRACE(::testing::Message() << (kv ? "kv" : "no kv") << ", gamma " << gamma);
      CostInputs a{soc, draft, target, w, stale, CostMode::extended};
      CostInputs b{soc, draft, target, w, measured, CostMode::extended};
      const Candidate c = whole_models(draft, kCpu, target, kCpu, gamma);
      const Prediction pa = predict(a, c);
      const Prediction pb = predict(b, c);
      ASSERT_TRUE(pa.feasible && pb.feasible);
      // Expected: sum over iterations by drafts d of 10 us + 20 us d, per generated token.
      const cost_internal::PassPlan plan = cost_internal::plan_passes(w, gamma);
      ASSERT_EQ(plan.iterations_by_drafts.size(), static_cast<std::size_t>(gamma) + 1);
      double want = 0;
      for (std::size_t d = 0; d < plan.iterations_by_drafts.size(); ++d)
        want += plan.iterations_by_drafts[d] * (10e-6 + 20e-6 * static_cast<double>(d));
      // Iterations drafting fewer than gamma exist (a generation's last ones) and cost less.
      if (gamma > 0) {
        EXPECT_GT(plan.iterations_by_drafts[0], 0.0);
      }
      EXPECT_NEAR(pb.time_per_token - pa.time_per_token, want, 1e-12);
      EXPECT_NEAR(pb.breakdown.sampling, want, 1e-12);
      EXPECT_EQ(pa.breakdown.sampling, 0.0);
      // The search's linear form carries the same term.
      EXPECT_NEAR(build_linear_cost(b, 0, gamma).constant_time, want, 1e-12);
    }
  }
}

}  // namespace
}  // namespace specmap
