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

TEST(Run, RefusesAPlanWhoseCoresAreNotOnline) {
  // The SoC names core 1000 first, so the 1-core variant runs there: the plan is valid, this
  // host cannot run it (exit 1, the reason names the core).
  const fs::path dir = scratch_dir("run-offline");
  const fs::path src = SPECMAP_SOURCE_DIR;
  for (const char* sub : {"experiments", "soc", "models", "workloads"}) fs::create_directories(dir / sub);
  fs::copy_file(src / kHostSmall, dir / "experiments/host-small.yaml");
  std::string soc = slurp(src / "configs/soc/host.yaml");
  const std::string counted = "cores: 2 ";
  ASSERT_NE(soc.find(counted), std::string::npos);
  soc.replace(soc.find(counted), counted.size(), "cores: [1000, 0] ");
  std::ofstream(dir / "soc/host.yaml") << soc;
  fs::copy_file(src / "configs/models/host-draft-8m.yaml", dir / "models/host-draft-8m.yaml");
  fs::copy_file(src / "configs/models/host-target-40m.yaml", dir / "models/host-target-40m.yaml");
  fs::copy_file(src / "configs/workloads/host-short.yaml", dir / "workloads/host-short.yaml");
  const CliRun sweep = run_cli("sweep '" + (dir / "experiments/host-small.yaml").string() + "' --out '" +
                               (dir / "out").string() + "'");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  const CliRun r = run_cli("run '" + (dir / "out/plan.json").string() + "' --new-tokens 2");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("core 1000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not online"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("tokens/s"), std::string::npos) << r.out;
}

TEST(Detect, ReadsAFakeBoardAndWritesOnePuPerClusterWithoutMeasuring) {
  const fs::path root = scratch_dir("detect-board");
  auto put = [](const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  };
  put(root / "sys/devices/system/cpu/online", "0-5\n");
  std::string cpuinfo;
  for (int core = 0; core < 6; ++core) {
    const bool big = core >= 4;
    const fs::path dir = root / "sys/devices/system/cpu" / ("cpu" + std::to_string(core));
    put(dir / "cpu_capacity", big ? "1024\n" : "400\n");
    put(dir / "cpufreq/cpuinfo_max_freq", big ? "2208000\n" : "1416000\n");
    cpuinfo += "processor\t: " + std::to_string(core) +
               "\nCPU implementer\t: 0x41\nCPU part\t: " + (big ? "0xd08" : "0xd03") + "\n\n";
  }
  put(root / "proc/cpuinfo", cpuinfo);
  put(root / "proc/meminfo", "MemTotal: 4194304 kB\n");
  const fs::path file = root / "board.yaml";
  const CliRun r =
      run_cli("detect --root '" + root.string() + "' --no-measure --out '" + file.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cluster {4,5}: cortex-a72, capacity 1024, max 2.21 GHz"), std::string::npos) << r.out;
  const std::string yaml = slurp(file);
  EXPECT_NE(yaml.find("cores: [4, 5]"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("cores: [0, 1, 2, 3]"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("source: measured"), std::string::npos) << yaml;
  auto soc = load_soc(file.string());
  ASSERT_TRUE(soc.ok()) << soc.error().format();
  EXPECT_EQ(soc->pus[1].named_cores(), (std::vector<int>{4, 5}));
  // Without --no-measure, another board's files are still not measured on this host.
  const CliRun unmeasured =
      run_cli("detect --root '" + root.string() + "' --quick --out '" + file.string() + "'");
  ASSERT_EQ(unmeasured.exit_code, 0) << unmeasured.err;
  EXPECT_NE(unmeasured.out.find("not measured: --root"), std::string::npos) << unmeasured.out;
  EXPECT_EQ(slurp(file).find("source: measured"), std::string::npos);
  EXPECT_EQ(slurp(file).find("opencl_device"), std::string::npos);  // this host's devices are not the board's
  const CliRun missing = run_cli("detect --root '" + (root / "nope").string() + "' --no-measure");
  EXPECT_EQ(missing.exit_code, 2);
  const CliRun empty = run_cli("detect --root '" + (root / "proc").string() + "' --no-measure");
  EXPECT_EQ(empty.exit_code, 2) << empty.out;
}

TEST(Detect, WritesASocTheLoaderAccepts) {
  const fs::path file = scratch_dir("detect") / "host.yaml";
  const CliRun r = run_cli("detect --quick --out '" + file.string() + "'");
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
  // Measured here (quickly); what cannot be measured stays an estimate.
  EXPECT_NE(slurp(file).find("mem_bw_gbps_per_unit: "), std::string::npos);
  EXPECT_NE(slurp(file).find("# source: measured, STREAM-like triad on core"), std::string::npos)
      << slurp(file);
  EXPECT_NE(slurp(file).find("# source: measured, single-threaded OpenBLAS SGEMM"), std::string::npos);
  EXPECT_NE(slurp(file).find("# source: measured, the runtime's q8_0 kernels"), std::string::npos);
  EXPECT_NE(slurp(file).find("source: estimate"), std::string::npos);
  if (devices > 0) {
    EXPECT_NE(slurp(file).find("measured, weight bytes / time of a one-row linear"), std::string::npos);
    EXPECT_NE(r.out.find("launch"), std::string::npos) << r.out;
  }
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
