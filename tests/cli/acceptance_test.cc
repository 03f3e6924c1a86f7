// `specmap acceptance` end to end on a tiny pair with synthetic weights: outputs, the
// workload they make readable by sweep, and bad input (exit 2, file and line, nothing written).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

fs::path write_tiny_pair(const fs::path& dir) {
  const fs::path src = SPECMAP_SOURCE_DIR;
  for (const char* name : {"draft", "target"}) {
    std::ofstream m(dir / (std::string(name) + ".yaml"));
    m << "version: 1\nname: tiny-" << name << "\narchitecture:\n  layers: 1\n  d_model: 32\n  d_ff: 64\n"
      << "  heads: 2\n  kv_heads: 1\n  vocab: 64\n  dtype: f32\n";
  }
  {
    std::ofstream w(dir / "workload.yaml");
    w << "version: 1\nname: tiny\nprompt_tokens: 4\ngenerate_tokens: 8\nacceptance:\n"
         "  definition: leviathan_alpha\n  alpha: 0.5\n";
  }
  const fs::path experiment = dir / "experiment.yaml";
  std::ofstream e(experiment);
  e << "version: 1\nname: tiny-acceptance\nsoc: " << (src / "configs/soc/host.yaml").string()
    << "\ndraft: draft.yaml\ntarget: target.yaml\nworkload: workload.yaml\nsearch:\n  gamma_max: 3\n";
  return experiment;
}

TEST(AcceptanceCli, HelpHasAnExample) {
  const CliRun r = run_cli("acceptance --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Example"), std::string::npos);
  EXPECT_NE(r.out.find("specmap acceptance"), std::string::npos);
}

TEST(AcceptanceCli, WritesAcceptanceAndAWorkloadSweepReads) {
  const fs::path dir = scratch_dir("acceptance-cli");
  const fs::path experiment = write_tiny_pair(dir);
  {
    std::ofstream p(dir / "prompts.txt");
    p << "1 2 3 4\n\n5 6 7\n8 9 10 11 12\n";
  }
  const fs::path out = dir / "out";
  const CliRun r = run_cli("acceptance " + experiment.string() + " --prompts " +
                           (dir / "prompts.txt").string() + " --token-ids --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("Leviathan alpha"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(slurp(out / "acceptance.json"));
  EXPECT_EQ(j["gamma_max"], 3);
  EXPECT_EQ(j["prompt_set"]["prompts"], 3);
  EXPECT_EQ(j["per_prompt"]["prompts"][1]["line"], 3);
  EXPECT_EQ(j["greedy_outputs_agree_across_gamma"], true);
  EXPECT_EQ(j["per_gamma"]["gammas"][2]["gamma"], 3);
  EXPECT_EQ(j["new_tokens_per_prompt"], 8);

  // The workload drops into a copy of the experiment as is.
  {
    std::ifstream in(experiment);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("workload: workload.yaml"), 23, "workload: out/workload.yaml");
    std::ofstream(dir / "measured.yaml") << text;
  }
  const CliRun sweep =
      run_cli("sweep " + (dir / "measured.yaml").string() + " --out " + (dir / "sweep").string());
  EXPECT_EQ(sweep.exit_code, 0) << sweep.err;
  EXPECT_TRUE(fs::exists(dir / "sweep" / "plan.json"));
}

TEST(AcceptanceCli, BadPromptFileIsExit2AtItsLineAndWritesNothing) {
  const fs::path dir = scratch_dir("acceptance-cli-bad");
  const fs::path experiment = write_tiny_pair(dir);
  {
    std::ofstream p(dir / "prompts.txt");
    p << "1 2 3\n4 99 5\n";
  }
  const fs::path out = dir / "out";
  const CliRun r = run_cli("acceptance " + experiment.string() + " --prompts " +
                           (dir / "prompts.txt").string() + " --token-ids --out " + out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("prompts.txt:2:3"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));

  // Text prompts need a tokenizer, which synthetic weights do not have.
  const CliRun text = run_cli("acceptance " + experiment.string() + " --prompts " +
                              (dir / "prompts.txt").string() + " --out " + out.string());
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_FALSE(fs::exists(out));

  // A NUL byte (a binary file given as prompts) is named by its byte offset as well.
  {
    std::ofstream p(dir / "binary.txt", std::ios::binary);
    p << std::string("1 2 3\n4 \0 5\n", 12);
  }
  const CliRun binary = run_cli("acceptance " + experiment.string() + " --prompts " +
                                (dir / "binary.txt").string() + " --token-ids --out " + out.string());
  EXPECT_EQ(binary.exit_code, 2);
  EXPECT_NE(binary.err.find("binary.txt:2:3"), std::string::npos) << binary.err;
  EXPECT_NE(binary.err.find("byte offset 8"), std::string::npos) << binary.err;
  EXPECT_FALSE(fs::exists(out));

  // A control character inside a would-be id is shown escaped, not printed raw.
  {
    std::ofstream p(dir / "control.txt", std::ios::binary);
    p << "1 2\x01 3\n";
  }
  const CliRun control = run_cli("acceptance " + experiment.string() + " --prompts " +
                                 (dir / "control.txt").string() + " --token-ids --out " + out.string());
  EXPECT_EQ(control.exit_code, 2);
  EXPECT_NE(control.err.find("\"2\\x01\""), std::string::npos) << control.err;
  EXPECT_EQ(control.err.find('\x01'), std::string::npos) << "raw control byte in the message";

  const CliRun missing = run_cli("acceptance " + experiment.string() + " --prompts " +
                                 (dir / "none.txt").string() + " --token-ids --out " + out.string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace specmap::testing
