// Measurements beside validation runs: the machine's state around a run (/proc/stat parsing,
// the flag for other processes' work) and single passes timed at chosen profile points.
#include <gtest/gtest.h>

#include "describe/model.h"
#include "runtime/measure/pass_points.h"
#include "runtime/measure/run_conditions.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

TEST(RunConditions, ParsesPerCpuBusyAndStealTicks) {
  const std::string stat =
      "cpu  100 0 50 1000 0 0 0 7 0 0\n"
      "cpu0 60 10 20 500 5 3 2 4 0 0\n"
      "cpu1 40 0 30 500 0 0 0 3 0 0\n"
      "intr 12345\n";
  std::vector<double> busy, steal;
  parse_proc_stat(stat, 100, busy, steal);
  ASSERT_EQ(busy.size(), 2u);
  EXPECT_NEAR(busy[0], (60 + 10 + 20 + 3 + 2) / 100.0, 1e-12);  // user nice system irq softirq
  EXPECT_NEAR(busy[1], 0.70, 1e-12);
  EXPECT_NEAR(steal[0], 0.04, 1e-12);
  EXPECT_NEAR(steal[1], 0.03, 1e-12);
}

MachineSample sample(double wall, double cpu, std::vector<double> busy) {
  MachineSample s;
  s.wall = wall;
  s.process_cpu = cpu;
  s.steal.assign(busy.size(), 0);
  s.busy = std::move(busy);
  s.load_average = 1.5;
  s.frequency_mhz.assign(s.busy.size(), -1);
  return s;
}

TEST(RunConditions, FlagsOtherProcessesOnTheRunsCores) {
  // 1 s of wall time; the process used 0.9 s of CPU.
  const MachineSample before = sample(10, 5, {100, 200});
  // Core 0 busy 0.94 s (the run, and a little else), core 1 busy 0.8 s (someone else).
  const MachineSample quiet_after = sample(11, 5.9, {100.94, 200.8});
  const RunConditions on_core0 = conditions_between(before, quiet_after, {0});
  EXPECT_NEAR(on_core0.wall, 1, 1e-12);
  EXPECT_NEAR(on_core0.cpu_per_wall(), 0.9, 1e-12);
  EXPECT_NEAR(on_core0.others_busy, 0.04, 1e-9);
  EXPECT_FALSE(on_core0.disturbed) << "4% of one core is below the threshold";
  const RunConditions on_both = conditions_between(before, quiet_after, {0, 1});
  EXPECT_NEAR(on_both.others_busy, 1.74 - 0.9, 1e-9);
  EXPECT_NEAR(on_both.others_share, 0.84 / 2, 1e-9);
  EXPECT_TRUE(on_both.disturbed);
  EXPECT_NEAR(on_both.load_average, 1.5, 1e-12);
  EXPECT_FALSE(on_both.frequency_mhz.has_value());
  // A core the sample does not have: not readable, so no flag.
  const RunConditions missing = conditions_between(before, quiet_after, {5});
  EXPECT_FALSE(missing.proc_stat_readable);
  EXPECT_FALSE(missing.disturbed);
}

TEST(RunConditions, SamplesThisMachine) {
  const MachineSample a = sample_machine();
  volatile double x = 0;
  for (int i = 0; i < 2000000; ++i) x = x + 1e-9 * i;
  const MachineSample b = sample_machine();
  const RunConditions c = conditions_between(a, b, {});
  EXPECT_GT(c.wall, 0);
  EXPECT_GE(c.process_cpu, 0);
  if (a.busy.empty()) GTEST_SKIP() << "/proc/stat is not readable here";
  EXPECT_TRUE(c.proc_stat_readable);
}

TEST(PassPoints, TimesEveryPointOnceAndRollsBack) {
  const ModelArch arch = testing::tiny_arch();
  const ModelGraph graph = derive_model("tiny", arch);
  auto weights = SyntheticWeights(3).load(arch);
  ASSERT_TRUE(weights.ok()) << weights.error().format();
  auto shared = std::make_shared<const TransformerWeights>(std::move(weights).value());
  for (bool kv : {true, false}) {
    ExecutorOptions options;
    options.kv_cache = kv;
    auto executor =
        TransformerExecutor::create(graph, shared, place_all_on(graph, make_core_set({0})), options);
    ASSERT_TRUE(executor.ok()) << executor.error().format();
    std::vector<PassPoint> points = kv ? std::vector<PassPoint>{{3, 8}, {1, 4}, {6, 0}, {1, 4}, {2, 8}}
                                       : std::vector<PassPoint>{{9, 0}, {4, 0}};
    auto timings = time_pass_points(**executor, points, 11);
    ASSERT_TRUE(timings.ok()) << timings.error().format();
    // Duplicates measured once, in ascending context.
    ASSERT_EQ(timings->size(), kv ? 4u : 2u);
    for (std::size_t i = 1; i < timings->size(); ++i)
      EXPECT_LE((*timings)[i - 1].point.context, (*timings)[i].point.context);
    for (const PassPointTiming& t : *timings) {
      EXPECT_GT(t.forward, 0);
      ASSERT_EQ(t.subgraphs.size(), graph.subgraphs.size());
      double sum = 0;
      for (Seconds s : t.subgraphs) sum += s;
      EXPECT_LE(sum, t.forward * 1.05 + 1e-4) << "subgraphs are parts of the same pass";
    }
    EXPECT_EQ((*executor)->length(), 0u);
    if (!kv) {
      EXPECT_FALSE(time_pass_points(**executor, {{2, 3}}, 1).ok()) << "no context without a cache";
    }
  }
  EXPECT_EQ(sampled_rows(true, {5, 10}), 5u);
  EXPECT_EQ(sampled_rows(true, {5, 0}), 1u);
  EXPECT_EQ(sampled_rows(false, {5, 0}), 1u);
}

TEST(PassPoints, SequenceTimesItsTimedPassesInOrderAndRollsBothBack) {
  const ModelArch arch = testing::tiny_arch();
  const ModelGraph graph = derive_model("tiny", arch);
  auto draft_weights = SyntheticWeights(5).load(arch);
  auto target_weights = SyntheticWeights(6).load(arch);
  ASSERT_TRUE(draft_weights.ok() && target_weights.ok());
  auto draft_shared = std::make_shared<const TransformerWeights>(std::move(draft_weights).value());
  auto target_shared = std::make_shared<const TransformerWeights>(std::move(target_weights).value());
  for (bool kv : {true, false}) {
    ExecutorOptions options;
    options.kv_cache = kv;
    auto draft =
        TransformerExecutor::create(graph, draft_shared, place_all_on(graph, make_core_set({0})), options);
    auto target =
        TransformerExecutor::create(graph, target_shared, place_all_on(graph, make_core_set({0})), options);
    ASSERT_TRUE(draft.ok() && target.ok());
    // An iteration as the loop runs it: the drafting steps (the first after a target pass),
    // an untimed step, the verification; then a pass at a shorter context (rolled back).
    const std::vector<SequencedPass> sequence =
        kv ? std::vector<SequencedPass>{{false, {6, 0}, true},  {true, {1, 5}, true},  {true, {1, 6}, true},
                                        {true, {1, 7}, false},  {false, {3, 6}, true}, {true, {1, 2}, true},
                                        {false, {2, 4}, false}, {false, {1, 9}, true}}
           : std::vector<SequencedPass>{{true, {5, 0}, true},     {true, {6, 0}, true},
                                        {false, {8, 0, 3}, true}, {true, {7, 0}, false},
                                        {false, {7, 0, 2}, true}, {false, {4, 0}, true}};
    auto timings = time_pass_sequence(draft->get(), **target, sequence, 3);
    ASSERT_TRUE(timings.ok()) << timings.error().format();
    std::vector<PassPoint> draft_timed, target_timed;
    for (const SequencedPass& p : sequence)
      if (p.timed) (p.draft ? draft_timed : target_timed).push_back(p.point);
    ASSERT_EQ(timings->draft.size(), draft_timed.size()) << "untimed passes are run, not recorded";
    ASSERT_EQ(timings->target.size(), target_timed.size());
    for (std::size_t i = 0; i < draft_timed.size(); ++i) EXPECT_EQ(timings->draft[i].point, draft_timed[i]);
    for (std::size_t i = 0; i < target_timed.size(); ++i)
      EXPECT_EQ(timings->target[i].point, target_timed[i]);
    for (const auto* list : {&timings->draft, &timings->target})
      for (const PassPointTiming& t : *list) {
        EXPECT_GT(t.forward, 0);
        ASSERT_EQ(t.subgraphs.size(), graph.subgraphs.size());
        double sum = 0;
        for (Seconds s : t.subgraphs) sum += s;
        EXPECT_GT(sum, 0) << "the timed pass's own subgraphs, not a prefill's";
        EXPECT_LE(sum, t.forward * 1.05 + 1e-4) << "subgraphs are parts of the same pass";
      }
    EXPECT_EQ((*draft)->length(), 0u);
    EXPECT_EQ((*target)->length(), 0u);
    // Without a draft executor only target passes are allowed.
    EXPECT_FALSE(time_pass_sequence(nullptr, **target, sequence, 3).ok());
    if (!kv) {
      EXPECT_FALSE(time_pass_sequence(draft->get(), **target, {{true, {2, 3}, true}}, 1).ok())
          << "no context without a cache";
    }
    EXPECT_EQ((*target)->length(), 0u);
    // Lead rounds: kMinLeadRounds always, the rest until they took the lead time. Two runs of
    // four lead rounds (a drafting step and a verification each) before a timed round.
    std::vector<SequencedPass> led;
    for (Tokens at : {Tokens{4}, Tokens{7}})
      for (int lead = 0; lead <= 4; ++lead) {
        const bool timed = lead == 4;
        const int round = timed ? -1 : lead;
        if (kv) {
          led.push_back({true, {1, at - 1}, timed, round});
          led.push_back({false, {2, at - 1}, timed, round});
        } else {
          led.push_back({true, {at, 0}, timed, round});
          led.push_back({false, {at + 1, 0, 2}, timed, round});
        }
      }
    auto all = time_pass_sequence(draft->get(), **target, led, 4, 1e9);
    ASSERT_TRUE(all.ok()) << all.error().format();
    EXPECT_EQ(all->lead_rounds_run, 8);
    EXPECT_EQ(all->lead_rounds_skipped, 0);
    auto fewest = time_pass_sequence(draft->get(), **target, led, 4, 0);
    ASSERT_TRUE(fewest.ok()) << fewest.error().format();
    EXPECT_EQ(fewest->lead_rounds_run, 2 * kMinLeadRounds);
    EXPECT_EQ(fewest->lead_rounds_skipped, 2 * (4 - kMinLeadRounds));
    EXPECT_EQ(fewest->draft.size(), 2u) << "the timed rounds run whatever the lead rounds did";
    EXPECT_EQ(fewest->target.size(), 2u);
    EXPECT_EQ((*target)->length(), 0u);
  }
}

}  // namespace
}  // namespace specmap::runtime
