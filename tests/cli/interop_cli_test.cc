// specmap export and the imports from the command line, as a user runs them.
#include <gtest/gtest.h>

#include <fstream>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

TEST(ExportCli, SweepThenExportBothTools) {
  const fs::path out = scratch_dir("export-cli");
  ASSERT_EQ(run_cli("sweep configs/experiments/host-validate-110m-nokv.yaml --out '" + out.string() + "'")
                .exit_code,
            0);
  const CliRun l = run_cli("export '" + (out / "plan.json").string() + "' --to llama.cpp");
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_NE(l.out.find("llama-server"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find("--spec-draft-n-max"), std::string::npos) << l.out;
  EXPECT_NE(l.err.find("warning: the draft model 'host-draft-20m'"), std::string::npos) << l.err;
  const CliRun i = run_cli("export '" + (out / "plan.json").string() + "' --to iree --out '" +
                           (out / "iree.sh").string() + "'");
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_NE(slurp(out / "iree.sh").find("iree-compile"), std::string::npos);
  const CliRun bad =
      run_cli("export '" + (out / "plan.json").string() + "' --to llama.cpp --model-file x.gguf");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--model-file"), std::string::npos) << bad.err;
}

TEST(ImportCli, LlamaBenchProfileLoadsInAnExperiment) {
  const CliRun help = run_cli("import llama-bench --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage:"), std::string::npos);
  const fs::path dir = scratch_dir("llama-bench-cli");
  const CliRun r = run_cli(
      "import llama-bench tests/profile/data/llama-bench/qwen2.5-7b-q4km-cuda.json --model "
      "tests/profile/data/llama-bench/qwen2.5-7b-q4km.yaml --soc configs/soc/imx95.yaml --pu gpu --units 1 "
      "--out '" +
      (dir / "qwen.yaml").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path src = fs::absolute(SPECMAP_SOURCE_DIR);
  std::ofstream(dir / "e.yaml") << "version: 1\nname: e\nsoc: " << (src / "configs/soc/imx95.yaml").string()
                                << "\ndraft: " << (src / "configs/models/llama-3.2-1b.yaml").string()
                                << "\ntarget: "
                                << (src / "tests/profile/data/llama-bench/qwen2.5-7b-q4km.yaml").string()
                                << "\nworkload: " << (src / "configs/workloads/translation.yaml").string()
                                << "\nprofiles: [qwen.yaml]\n";
  const CliRun check = run_cli("check '" + (dir / "e.yaml").string() + "'");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("profiles: 2 entries"), std::string::npos) << check.out;
  const CliRun wrong = run_cli(
      "import llama-bench tests/profile/data/llama-bench/qwen2.5-7b-q4km-cuda.json --model "
      "configs/models/host-target-110m.yaml --pu gpu --units 1 --out '" +
      (dir / "no.yaml").string() + "'");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir / "no.yaml"));
}

TEST(ImportCli, LlamaSpecWritesAWorkload) {
  const fs::path dir = scratch_dir("llama-spec-cli");
  const CliRun r = run_cli(
      "import llama-spec tests/describe/data/llama-spec/speculative-70b-7b-cpu.log --prompt-tokens 8 --out "
      "'" +
      (dir / "w.yaml").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Leviathan alpha"), std::string::npos) << r.out;
  EXPECT_NE(slurp(dir / "w.yaml").find("counts: {accepted: 47, drafted: 132, gamma: 8}"), std::string::npos);
  const CliRun server = run_cli("import llama-spec tests/describe/data/llama-spec/server-eagle3.log --out '" +
                                (dir / "s.yaml").string() + "'");
  EXPECT_EQ(server.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir / "s.yaml"));
}

TEST(ImportCli, IreeBenchmarkWithNameMap) {
  const fs::path dir = scratch_dir("iree-cli");
  const CliRun r = run_cli(
      "import iree-benchmark tests/profile/data/iree-benchmark/isolated-benchmark.json --name-map "
      "tests/profile/data/iree-benchmark/names.txt --out '" +
      (dir / "p.json").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(slurp(dir / "p.json").find("specmap/forward/host-draft-20m"), std::string::npos);
}

}  // namespace
}  // namespace specmap::testing
