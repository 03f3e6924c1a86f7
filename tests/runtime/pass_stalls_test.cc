#include "runtime/measure/pass_stalls.h"

#include <gtest/gtest.h>

#include <vector>

namespace specmap::runtime {
namespace {

// A run of `n` draft steps of `seconds` each, the drafter's kind (1 token, 1 row).
std::vector<PassTime> steady(std::size_t n, Seconds seconds) {
  return std::vector<PassTime>(n, PassTime{true, 1, 1, seconds});
}

TEST(PassStalls, SteadyRunHasNone) {
  const PassStalls s = find_stalls(steady(40, 4e-3));
  EXPECT_EQ(s.passes, 0);
  EXPECT_DOUBLE_EQ(s.excess, 0.0);
}

TEST(PassStalls, OnePassFarAboveItsNeighboursIsAStallWithItsExcess) {
  std::vector<PassTime> run = steady(40, 4e-3);
  run[20].seconds = 0.100;  // the 50-150 ms stalls seen on the 2-core VM
  const PassStalls s = find_stalls(run);
  EXPECT_EQ(s.passes, 1);
  EXPECT_NEAR(s.excess, 0.096, 1e-12);
}

TEST(PassStalls, ASlowPassBelowTheFactorIsNoStall) {
  std::vector<PassTime> run = steady(40, 4e-3);
  run[20].seconds = 2.9 * 4e-3;  // a cold or disturbed pass the model should account for
  EXPECT_EQ(find_stalls(run).passes, 0);
}

TEST(PassStalls, TinyPassesNeedTheAbsoluteExcessToo) {
  std::vector<PassTime> run = steady(40, 50e-6);
  run[10].seconds = 500e-6;  // 10x, but 0.45 ms beyond: timer and scheduler noise
  EXPECT_EQ(find_stalls(run).passes, 0);
}

TEST(PassStalls, ComparesOnlyPassesOfTheSameKind) {
  // A target verification of 4 rows between cheap draft steps is not a stall of the draft's kind.
  std::vector<PassTime> run;
  for (int i = 0; i < 20; ++i) {
    for (int d = 0; d < 3; ++d) run.push_back(PassTime{true, 1, 1, 1e-3});
    run.push_back(PassTime{false, 4, 4, 20e-3});
  }
  EXPECT_EQ(find_stalls(run).passes, 0);
  run[3 * 4 + 1].seconds = 10e-3;  // a draft step 10x its neighbours
  const PassStalls s = find_stalls(run);
  EXPECT_EQ(s.passes, 1);
  EXPECT_NEAR(s.excess, 9e-3, 1e-12);
}

TEST(PassStalls, ReferenceFollowsACostThatGrowsAlongTheRun) {
  // Without a KV cache each pass recomputes the sequence: the cost grows fourfold over the run,
  // and the last pass is no stall against the first ones.
  std::vector<PassTime> run;
  for (int i = 0; i < 48; ++i) run.push_back(PassTime{false, 1, 1, 5e-3 + 15e-3 * i / 47.0});
  EXPECT_EQ(find_stalls(run).passes, 0);
  run[40].seconds *= 3.5;
  EXPECT_EQ(find_stalls(run).passes, 1);
}

TEST(PassStalls, TheFirstPassOfTheRunAndLoneKindsAreNever) {
  std::vector<PassTime> run = steady(20, 2e-3);
  run[0].seconds = 0.050;  // cold start of the run
  run.push_back(PassTime{false, 16, 1, 0.5});  // one prefill: no reference to compare with
  EXPECT_EQ(find_stalls(run).passes, 0);
  // Too few passes of a kind to tell a stall from the kind's cost.
  std::vector<PassTime> short_run = steady(kStallMinNeighbours, 2e-3);
  short_run.back().seconds = 0.1;
  EXPECT_EQ(find_stalls(short_run).passes, 0);
}

TEST(PassStalls, StallsAtTheRunsEndsUseTheNearestNeighbours) {
  std::vector<PassTime> run = steady(30, 3e-3);
  run[1].seconds = 0.06;
  run[29].seconds = 0.06;
  const PassStalls s = find_stalls(run);
  EXPECT_EQ(s.passes, 2);
  EXPECT_NEAR(s.excess, 2 * 0.057, 1e-12);
}

TEST(PassStalls, ARareKindIsComparedWithTheModelsPassesOfASimilarSize) {
  // A generation's last round verifies fewer drafts: one target pass of 1 token among
  // verifications of 4, each taking 15 ms.
  std::vector<PassTime> run;
  for (int i = 0; i < 12; ++i) {
    for (int d = 0; d < 3; ++d) run.push_back(PassTime{true, 1, 1, 1e-3});
    run.push_back(PassTime{false, 4, 4, 15e-3});
  }
  run.push_back(PassTime{false, 1, 1, 0.150});  // 10x: the stalls seen on the 2-core VM
  PassStalls s = find_stalls(run);
  EXPECT_EQ(s.passes, 1);
  EXPECT_NEAR(s.excess, 0.135, 1e-12);
  // Passes of another kind may cost a few times as much: below kStallFactorAcrossKinds, none.
  run.back().seconds = 5.5 * 15e-3;
  EXPECT_EQ(find_stalls(run).passes, 0);
  // Nor is a pass compared with passes far from its size (32 tokens against 4).
  run.back() = PassTime{false, 32, 32, 0.150};
  EXPECT_EQ(find_stalls(run).passes, 0);
  // Nor with the other model's passes.
  run.back() = PassTime{true, 2, 1, 0.150};
  s = find_stalls(run);
  EXPECT_EQ(s.passes, 1);  // the draft's own 1-token steps are its reference
  EXPECT_NEAR(s.excess, 0.149, 1e-12);
}

TEST(PassStalls, OnlyEachModelsFirstPassIsExempt) {
  // A kind first seen mid-run is no cold start: the model has been running.
  std::vector<PassTime> run = steady(20, 2e-3);
  run.insert(run.begin() + 10, PassTime{true, 2, 1, 0.080});
  EXPECT_EQ(find_stalls(run).passes, 1);
  // The target's first pass is exempt even after the draft's passes.
  run.push_back(PassTime{false, 4, 4, 0.5});
  for (int i = 0; i < 6; ++i) run.push_back(PassTime{false, 4, 4, 10e-3});
  EXPECT_EQ(find_stalls(run).passes, 1);
}

TEST(PassStalls, TheTailSumsEveryPassAgainstItsNeighboursWithItsSign) {
  std::vector<PassTime> run = steady(40, 4e-3);
  EXPECT_DOUBLE_EQ(find_stalls(run).beyond_neighbours, 0.0);
  run[10].seconds = 6e-3;   // 1.5x: no stall, but part of the tail
  run[20].seconds = 3e-3;   // faster than its neighbours: counts against it
  run[30].seconds = 0.100;  // a stall
  const PassStalls s = find_stalls(run);
  EXPECT_EQ(s.passes, 1);
  EXPECT_NEAR(s.excess, 0.096, 1e-12);
  EXPECT_NEAR(s.beyond_neighbours, 2e-3 - 1e-3 + 0.096, 1e-12);
  // The first pass (no reference by rule) adds nothing, however slow.
  run[0].seconds = 0.5;
  EXPECT_NEAR(find_stalls(run).beyond_neighbours, s.beyond_neighbours, 1e-12);
}

}  // namespace
}  // namespace specmap::runtime
