// An output naming one of the command's own inputs (`--out` the checkpoint being imported,
// the plan being exported, the log being read) is refused before anything is written: exit 2,
// the input unchanged. Another spelling of the same file (a symbolic link) is the same file.
#include <gtest/gtest.h>

#include <fstream>

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

// An --out that names a file, or passes through one, is the user's path to mend: exit 2, the
// file named, the file unchanged and nothing written.
TEST(OutputPath, OutFolderThatIsAFileIsExit2) {
  const fs::path dir = scratch_dir("out-is-a-file");
  const fs::path file = dir / "afile";
  std::ofstream(file) << "keep";
  for (const fs::path& out : {file, file / "sub"}) {
    const CliRun r = run_cli("sweep configs/experiments/host-small.yaml --out '" + out.string() + "'");
    EXPECT_EQ(r.exit_code, 2) << out << "\n" << r.err;
    EXPECT_NE(r.err.find("'" + file.string() + "' is a file, not a folder"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(file), "keep");
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u) << "only the file itself: no temporaries, no outputs";
}

}  // namespace
}  // namespace specmap::testing
