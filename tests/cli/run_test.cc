// `specmap run` executes a swept host plan and refuses plans whose inputs changed;
// `specmap detect` writes a SoC description the loader accepts.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "describe/loaders.h"
#include "runtime/opencl/opencl_device.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;
const char* const kHostSmall = "configs/experiments/host-small.yaml";

TEST(Run, ExecutesASweptHostPlan) {
  const fs::path out = scratch_dir("run-host");
  const CliRun sweep = run_cli(std::string("sweep ") + kHostSmall + " --out '" + out.string() + "'");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  const CliRun r = run_cli("run '" + (out / "plan.json").string() +
                           "' --new-tokens 8 --prompt-tokens 8 --controlled-alpha 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tokens/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("generated 8 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("controlled"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("predicted"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;  // not a terminal: no progress output
}

TEST(Run, RefusesAPlanWhoseInputChanged) {
  // A private copy of the inputs, so one of them can be edited after the sweep.
  const fs::path dir = scratch_dir("run-changed");
  const fs::path src = SPECMAP_SOURCE_DIR;
  for (const char* sub : {"experiments", "soc", "models", "workloads"}) fs::create_directories(dir / sub);
  fs::copy_file(src / kHostSmall, dir / "experiments/host-small.yaml");
  fs::copy_file(src / "configs/soc/host.yaml", dir / "soc/host.yaml");
  fs::copy_file(src / "configs/models/host-draft-8m.yaml", dir / "models/host-draft-8m.yaml");
  fs::copy_file(src / "configs/models/host-target-40m.yaml", dir / "models/host-target-40m.yaml");
  fs::copy_file(src / "configs/workloads/host-short.yaml", dir / "workloads/host-short.yaml");
  const CliRun sweep = run_cli("sweep '" + (dir / "experiments/host-small.yaml").string() + "' --out '" +
                               (dir / "out").string() + "'");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  {
    std::ofstream edit(dir / "workloads/host-short.yaml", std::ios::app);
    edit << "# edited after the sweep\n";
  }
  const CliRun r = run_cli("run '" + (dir / "out/plan.json").string() + "' --new-tokens 2");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("changed"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("tokens/s"), std::string::npos) << r.out;
}

TEST(Run, RejectsAFileThatIsNotAPlan) {
  const CliRun r = run_cli(std::string("run ") + kHostSmall);
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Detect, WritesASocTheLoaderAccepts) {
  const fs::path file = scratch_dir("detect") / "host.yaml";
  const CliRun r = run_cli("detect --out '" + file.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("online cores"), std::string::npos) << r.out;
  // The OpenCL devices found (or why there are none); one PU per device in the draft.
  EXPECT_NE(r.out.find("OpenCL: "), std::string::npos) << r.out;
  const std::size_t devices = runtime::list_opencl_devices().size();
  auto soc = load_soc(file.string());
  ASSERT_TRUE(soc.ok()) << soc.error().format();
  ASSERT_EQ(soc->pus.size(), 1u + devices);
  EXPECT_EQ(soc->pus[0].kind, PuKind::cpu);
  for (std::size_t i = 1; i < soc->pus.size(); ++i) EXPECT_FALSE(soc->pus[i].opencl_device_match.empty());
  EXPECT_GE(soc->variants.size(), 1u);
  EXPECT_NE(slurp(file).find("source: estimate"), std::string::npos);
}

TEST(RunAndDetect, HelpShowsAnExample) {
  for (const char* cmd : {"run --help", "detect --help"}) {
    const CliRun r = run_cli(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd << "\n" << r.out;
  }
}

}  // namespace
}  // namespace specmap::testing
