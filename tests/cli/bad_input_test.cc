// Bad input through the front door: one clear message naming file, line, column
// and key; exit code 2; and no output folder or file left behind.
#include <gtest/gtest.h>

#include <regex>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

// Copies the paper experiment and its inputs into `dir`, applying one text edit to
// one of the files, and returns the experiment path.
fs::path broken_copy(const fs::path& dir, const std::string& file, const std::string& from, const std::string& to) {
  const fs::path src = SPECMAP_SOURCE_DIR;
  const std::pair<std::string, std::string> files[] = {
      {"configs/soc/imx95.yaml", "soc.yaml"},
      {"configs/models/llama-3.2-1b.yaml", "draft.yaml"},
      {"configs/models/llama-3.2-3b-w8a8.yaml", "target.yaml"},
      {"configs/workloads/translation.yaml", "workload.yaml"},
      {"profiles/paper.yaml", "profile.yaml"}};
  for (const auto& [from_path, name] : files) {
    std::string text = slurp(src / from_path);
    if (name == file) {
      const auto at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from << " not in " << from_path;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    std::ofstream(dir / name) << text;
  }
  std::ofstream(dir / "experiment.yaml") << "version: 1\nname: broken\nsoc: soc.yaml\ndraft: draft.yaml\n"
                                            "target: target.yaml\nworkload: workload.yaml\n"
                                            "profiles: [profile.yaml]\nsearch: {mode: paper, gamma_max: 4}\n";
  return dir / "experiment.yaml";
}

void expect_rejected(const fs::path& experiment, const std::string& file_name, const std::string& key) {
  const fs::path out = experiment.parent_path() / "out";
  const CliRun r = run_cli("sweep '" + experiment.string() + "' --out '" + out.string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(file_name), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(file_name + ":[0-9]+:[0-9]+"))) << r.err;
  EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one message:\n" << r.err;
  EXPECT_FALSE(fs::exists(out)) << "output left behind";
}

TEST(BadInput, UnknownKeyInSoc) {
  const auto dir = scratch_dir("bad-unknown");
  expect_rejected(broken_copy(dir, "soc.yaml", "name:", "nmae: x\nname:"), "soc.yaml", "nmae");
}

TEST(BadInput, NegativeSizeInModel) {
  const auto dir = scratch_dir("bad-negative");
  expect_rejected(broken_copy(dir, "draft.yaml", "layers: 16", "layers: -16"), "draft.yaml", "layers");
}

TEST(BadInput, WrongTypeInWorkload) {
  const auto dir = scratch_dir("bad-type");
  expect_rejected(broken_copy(dir, "workload.yaml", "generate_tokens: 63", "generate_tokens: many"),
                  "workload.yaml", "generate_tokens");
}

TEST(BadInput, MalformedYaml) {
  const auto dir = scratch_dir("bad-yaml");
  expect_rejected(broken_copy(dir, "soc.yaml", "name:", "name: [unclosed\nx:"), "soc.yaml", "");
}

TEST(BadInput, ProfileForAnotherModel) {
  const auto dir = scratch_dir("bad-profile-model");
  const fs::path exp = broken_copy(dir, "profile.yaml", "model: llama-3.2-1b", "model: llama-3.2-8b");
  const CliRun r = run_cli("sweep '" + exp.string() + "' --out '" + (dir / "out").string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("llama-3.2-8b"), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("profile.yaml:[0-9]+"))) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(BadInput, MissingFile) {
  const auto dir = scratch_dir("bad-missing");
  const fs::path exp = broken_copy(dir, "soc.yaml", "", "");
  fs::remove(dir / "workload.yaml");
  const CliRun r = run_cli("sweep '" + exp.string() + "' --out '" + (dir / "out").string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("workload.yaml"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
}  // namespace specmap::testing
