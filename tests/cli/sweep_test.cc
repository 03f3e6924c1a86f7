// The sweep's outputs: present, complete, deterministic, and explainable.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;
const char* const kPaper = "configs/experiments/paper-imx95.yaml";

TEST(Sweep, WritesCsvAndPlanAndPrintsARankedTable) {
  const fs::path out = scratch_dir("sweep");
  const CliRun r = run_cli(std::string("sweep ") + kPaper + " --out '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rank"), std::string::npos) << r.out;
  const std::string csv = slurp(out / "sweep.csv");
  // 6 variants x (2 x 2 speculative mappings x 8 gammas + 2 baseline mappings) + header.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 6 * (4 * 8 + 2));
  const auto plan = nlohmann::json::parse(slurp(out / "plan.json"));
  EXPECT_EQ(plan["schema_version"], 1);
  EXPECT_EQ(plan["inputs"].size(), 6u);  // experiment, soc, draft, target, workload, one profile
  for (const auto& in : plan["inputs"]) EXPECT_EQ(in["fnv1a64"].get<std::string>().size(), 16u);
  EXPECT_TRUE(plan["choice"].contains("assignment"));
  EXPECT_EQ(plan["time_unit"], "relative");
  // The INT8 target can never be on the GPU: the SoC gives Mali no int8 path.
  EXPECT_NE(csv.find("int8"), std::string::npos);
}

TEST(Sweep, IdenticalInputsGiveByteIdenticalOutputs) {
  const fs::path a = scratch_dir("det-a"), b = scratch_dir("det-b");
  ASSERT_EQ(run_cli(std::string("sweep ") + kPaper + " --out '" + a.string() + "'").exit_code, 0);
  ASSERT_EQ(run_cli(std::string("sweep ") + kPaper + " --out '" + b.string() + "'").exit_code, 0);
  EXPECT_EQ(slurp(a / "sweep.csv"), slurp(b / "sweep.csv"));
  EXPECT_EQ(slurp(a / "plan.json"), slurp(b / "plan.json"));
}

TEST(Sweep, ExtendedFineSweepRunsAndExplains) {
  const fs::path out = scratch_dir("fine");
  const CliRun r = run_cli(std::string("sweep ") + kPaper + " --mode extended --granularity fine --out '" +
                           out.string() + "' --gamma-max 4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CliRun e = run_cli("explain '" + (out / "plan.json").string() + "'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  for (const char* word : {"per model", "per PU", "per subgraph", "expected tokens per iteration"})
    EXPECT_NE(e.out.find(word), std::string::npos) << word << "\n" << e.out;
}

TEST(Sweep, PaperModeWithFineGranularityIsRejected) {
  const fs::path out = scratch_dir("paper-fine") / "o";
  const CliRun r = run_cli(std::string("sweep ") + kPaper + " --mode paper --granularity fine --out '" +
                           out.string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("granularity"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Explain, RejectsSomethingThatIsNotAPlan) {
  const fs::path dir = scratch_dir("not-plan");
  std::ofstream(dir / "x.json") << "{\"hello\": 1}";
  const CliRun r = run_cli("explain '" + (dir / "x.json").string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("schema_version"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace specmap::testing
