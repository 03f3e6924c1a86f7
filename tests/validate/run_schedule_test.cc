// The interleaved schedule: every round runs every case once, twins of a pair of repetitions
// share their draws and sit a round apart, and the starting case rotates.
#include "validate/run_schedule.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace specmap {
namespace {

TEST(RunSchedule, EveryRoundRunsEveryCaseOnce) {
  const auto runs = interleaved_schedule(5, 3, 4);
  ASSERT_EQ(runs.size(), 5u * 3 * 4);
  std::map<int, std::multiset<std::size_t>> by_round;
  for (const ScheduledRun& r : runs) by_round[r.round].insert(r.case_index);
  ASSERT_EQ(by_round.size(), 12u);
  for (const auto& [round, cases] : by_round) {
    EXPECT_EQ(cases, (std::multiset<std::size_t>{0, 1, 2, 3, 4})) << "round " << round;
  }
  // Rounds follow each other: a round's runs are contiguous.
  for (std::size_t i = 1; i < runs.size(); ++i) EXPECT_GE(runs[i].round, runs[i - 1].round);
  for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].first_of_round, i % 5 == 0);
}

TEST(RunSchedule, NoCaseRunsTwiceBeforeEveryOtherCaseRan) {
  const auto runs = interleaved_schedule(4, 2, 2);
  std::map<std::size_t, std::size_t> last;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::size_t c = runs[i].case_index;
    if (last.count(c)) {
      std::set<std::size_t> between;
      for (std::size_t k = last[c] + 1; k < i; ++k) between.insert(runs[k].case_index);
      EXPECT_EQ(between.size(), 3u) << "case " << c << " ran again at " << i;
    }
    last[c] = i;
  }
}

TEST(RunSchedule, HalvesAreTwinsOneRoundApart) {
  const int prompts = 2;
  const std::size_t cases = 3;
  const auto runs = interleaved_schedule(cases, prompts, 4);
  // (case, prompt, draw) -> positions of half A and half B
  std::map<std::tuple<std::size_t, int, int>, std::pair<long, long>> twins;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const ScheduledRun& r = runs[i];
    EXPECT_EQ(r.half, r.repetition % 2);
    EXPECT_EQ(r.draw, r.repetition / 2);
    EXPECT_EQ(r.round, r.repetition * prompts + r.prompt);
    auto& [a, b] = twins.try_emplace({r.case_index, r.prompt, r.draw}, -1, -1).first->second;
    (r.half == 0 ? a : b) = static_cast<long>(i);
  }
  ASSERT_EQ(twins.size(), cases * prompts * 2);
  for (const auto& [key, pos] : twins) {
    ASSERT_GE(pos.first, 0);
    ASSERT_GE(pos.second, 0);
    // A and B of the same work are prompts x cases runs apart: a whole round of every case.
    EXPECT_EQ(pos.second - pos.first, static_cast<long>(prompts * cases));
  }
}

TEST(RunSchedule, TheStartingCaseRotatesWithEachPairOfRepetitions) {
  const auto runs = interleaved_schedule(4, 1, 4);
  ASSERT_EQ(runs.size(), 16u);
  EXPECT_EQ(runs[0].case_index, 0u);
  EXPECT_EQ(runs[4].case_index, 0u);  // twin round: same order
  EXPECT_EQ(runs[8].case_index, 2u);  // second pair: starts half-way through
  EXPECT_EQ(runs[12].case_index, 2u);
  EXPECT_TRUE(interleaved_schedule(0, 1, 2).empty());
  EXPECT_TRUE(interleaved_schedule(3, 0, 2).empty());
  EXPECT_NE(describe_schedule(4, 1, 1).find("no noise floor"), std::string::npos);
  EXPECT_NE(describe_schedule(4, 2, 2).find("noise floor"), std::string::npos);
}

}  // namespace
}  // namespace specmap
