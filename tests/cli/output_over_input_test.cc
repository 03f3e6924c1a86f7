// An output naming one of the command's own inputs (`--out` the checkpoint being imported,
// the plan being exported, the log being read) is refused before anything is written: exit 2,
// the input unchanged. Another spelling of the same file (a symbolic link) is the same file.
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

void expect_input_kept(const std::string& args, const fs::path& input) {
  const std::string before = slurp(input);
  const CliRun r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_NE(r.err.find("of this command; refusing to replace it"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(input), before) << input << " was replaced";
  for (const auto& entry : fs::directory_iterator(input.parent_path()))
    EXPECT_EQ(entry.path().filename().string().rfind(".", 0), std::string::npos)
        << "temporary left behind: " << entry.path();
}

TEST(OutputOverInput, ExportOverItsPlan) {
  const fs::path dir = scratch_dir("export-over-plan");
  const CliRun sweep = run_cli("sweep configs/experiments/host-small.yaml --out '" + dir.string() + "'");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  const fs::path plan = dir / "plan.json";
  expect_input_kept("export '" + plan.string() + "' --to llama.cpp --out '" + plan.string() + "'", plan);
  fs::create_symlink(plan, dir / "link.json");
  expect_input_kept("export '" + plan.string() + "' --to iree --out '" + (dir / "link.json").string() + "'", plan);
}

TEST(OutputOverInput, ImportGgufOverItsCheckpoint) {
  const fs::path dir = scratch_dir("gguf-over-checkpoint");
  const fs::path gguf = dir / "draft.gguf";
  fs::copy_file(fs::path(SPECMAP_SOURCE_DIR) / "models/brown-draft-f16.gguf", gguf);
  expect_input_kept("import gguf '" + gguf.string() + "' --out '" + gguf.string() + "'", gguf);
}

TEST(OutputOverInput, ImportLlamaSpecOverItsLog) {
  const fs::path dir = scratch_dir("spec-over-log");
  const fs::path log = dir / "spec.log";
  fs::copy_file(fs::path(SPECMAP_SOURCE_DIR) / "tests/describe/data/llama-spec/speculative-70b-7b-cpu.log", log);
  expect_input_kept("import llama-spec '" + log.string() + "' --prompt-tokens 8 --out '" + log.string() + "'",
                    log);
}

}  // namespace
}  // namespace specmap::testing
