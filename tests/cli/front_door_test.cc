// What a new user meets first: a failed sweep leaves no contradicting plan, errors name the
// flag that caused them, and the ranked table says which schedule won and why a speedup is
// what it is.
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;
const char* const kHost = "configs/experiments/host-validate-110m-nokv.yaml";

TEST(FrontDoor, FailedSweepRemovesTheStalePlan) {
  const fs::path out = scratch_dir("stale-plan");
  ASSERT_EQ(run_cli(std::string("sweep ") + kHost + " --out '" + out.string() + "'").exit_code, 0);
  ASSERT_TRUE(fs::exists(out / "plan.json"));
  const std::string old_csv = slurp(out / "sweep.csv");
  const CliRun r = run_cli(std::string("sweep ") + kHost + " --out '" + out.string() +
                           "' --objective energy_under_latency --latency-bound-ms 0.000001");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(slurp(out / "sweep.csv"), old_csv);
  EXPECT_FALSE(fs::exists(out / "plan.json")) << r.out;
  // Over-bound rows keep their time, and the table says why the speedup is relative to a
  // baseline that itself misses the bound.
  const std::string csv = slurp(out / "sweep.csv");
  EXPECT_NE(csv.find("exceeds latency bound"), std::string::npos);
  EXPECT_EQ(csv.find(",no,exceeds latency bound 1e-06 ms/token (72.12 ms/token),,"), std::string::npos)
      << csv;
  EXPECT_NE(r.out.find("itself exceeds the latency bound"), std::string::npos) << r.out;
}

TEST(FrontDoor, ErrorsNameTheFlagThatCausedThem) {
  const fs::path out = scratch_dir("flag-errors") / "o";
  const CliRun fine = run_cli(std::string("sweep ") + kHost + " --mode paper --granularity fine --out '" +
                              out.string() + "'");
  EXPECT_EQ(fine.exit_code, 2);
  EXPECT_NE(fine.err.find("--granularity fine"), std::string::npos) << fine.err;
  EXPECT_NE(fine.err.find("--mode paper"), std::string::npos) << fine.err;
  const CliRun paper =
      run_cli(std::string("sweep configs/experiments/paper-imx95.yaml --granularity fine --out '") +
              out.string() + "'");
  EXPECT_EQ(paper.exit_code, 2);
  EXPECT_NE(paper.err.find("--granularity fine"), std::string::npos) << paper.err;
  EXPECT_NE(paper.err.find("search.mode"), std::string::npos) << paper.err;
  const CliRun bound = run_cli(std::string("sweep ") + kHost + " --objective energy_under_latency --out '" +
                               out.string() + "'");
  EXPECT_EQ(bound.exit_code, 2);
  EXPECT_NE(bound.err.find("--latency-bound-ms"), std::string::npos) << bound.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(FrontDoor, RankedTableHasAScheduleColumn) {
  const fs::path out = scratch_dir("schedule-column");
  const CliRun r = run_cli(std::string("sweep ") + kHost + " --out '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gamma  schedule"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sequential"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace specmap::testing
