// The committed real pair (models/) through the command line: `specmap acceptance` on text
// prompts (tokenized with the target checkpoint's tokenizer, cut to one length) writes a
// workload of one shape that `specmap validate --prompt-file` then predicts held-out prompts
// from, with measured (never controlled) acceptance. Few prompts, gammas and tokens.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first `n` lines of a committed prompt set.
fs::path first_lines(const fs::path& dir, const std::string& set, int n) {
  std::ifstream in(fs::path(SPECMAP_SOURCE_DIR) / "models" / set);
  const fs::path out = dir / set;
  std::ofstream o(out);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line); ++i) o << line << "\n";
  return out;
}

// An experiment over the real pair whose workload is `workload` (relative to `dir`).
fs::path write_experiment(const fs::path& dir, const std::string& name, const std::string& workload) {
  const fs::path src = SPECMAP_SOURCE_DIR;
  const fs::path experiment = dir / (name + ".yaml");
  std::ofstream e(experiment);
  e << "version: 1\nname: " << name << "\nsoc: " << (src / "configs/soc/host.yaml").string()
    << "\ndraft: " << (src / "configs/models/brown-draft-f16.yaml").string()
    << "\ntarget: " << (src / "configs/models/brown-target-q8_0.yaml").string() << "\nworkload: " << workload
    << "\nsearch:\n  mode: extended\n  gamma_max: 3\n";
  return experiment;
}

TEST(RealPairCli, AcceptanceOnTextFeedsAValidationWithMeasuredAcceptance) {
  const fs::path dir = scratch_dir("real-pair-cli");
  {
    std::ofstream w(dir / "workload.yaml");
    w << "version: 1\nname: real-short\nprompt_tokens: 6\ngenerate_tokens: 10\nkv_cache: true\n"
         "acceptance:\n  definition: leviathan_alpha\n  alpha: 0.5\n";
  }
  const fs::path base = write_experiment(dir, "real-base", "workload.yaml");
  const fs::path train = first_lines(dir, "prompts-train.txt", 4);
  const CliRun acc = run_cli("acceptance '" + base.string() + "' --prompts '" + train.string() +
                             "' --prompt-length 6 --new-tokens 10 --out '" + (dir / "acc").string() + "'");
  ASSERT_EQ(acc.exit_code, 0) << acc.err;
  const auto j = nlohmann::json::parse(slurp(dir / "acc/acceptance.json"));
  EXPECT_NE(j["weights"].get<std::string>().find("checkpoint"), std::string::npos) << j["weights"];
  EXPECT_NE(j["prompt_set"]["format"].get<std::string>().find("text"), std::string::npos);
  EXPECT_EQ(j["prompt_set"]["prompt_tokens_total"].get<int>(), 4 * 6);
  EXPECT_TRUE(j["greedy_outputs_agree_across_gamma"].get<bool>());
  const double alpha = j["alpha"]["value"].get<double>();
  EXPECT_GT(alpha, 0.02) << "real weights agree sometimes (synthetic ones about never)";
  EXPECT_LT(alpha, 1.0);

  // The measured workload drives the validation of held-out prompts.
  const fs::path validated = write_experiment(dir, "real-validate", "acc/workload.yaml");
  const CliRun prof =
      run_cli("profile '" + validated.string() + "' --out '" + (dir / "profiles/real-validate").string() +
              "' --new-tokens 1,2,3,4 --contexts 0,6,16 --repetitions 1 --min-time 0.005 "
              "--no-contention");
  ASSERT_EQ(prof.exit_code, 0) << prof.err;
  const fs::path held_out = first_lines(dir, "prompts-heldout.txt", 2);
  const CliRun val =
      run_cli("validate '" + validated.string() + "' --profiles '" + (dir / "profiles").string() +
              "' --out '" + (dir / "val").string() + "' --gammas 0,3 --prompt-file '" + held_out.string() +
              "' --prompts 2 --repetitions 2 --no-search-pick");
  ASSERT_EQ(val.exit_code, 0) << val.err;
  const auto s = nlohmann::json::parse(slurp(dir / "val/summary.json"));
  const std::string definition = s["definitions"]["acceptance"].get<std::string>();
  EXPECT_EQ(definition.find("controlled"), std::string::npos) << definition;
  EXPECT_NE(definition.find("measured"), std::string::npos);
  const auto& cases = s["experiments"][0]["acceptance_predicted_vs_measured"];
  ASSERT_EQ(cases.size(), 2u);  // gamma 3 on 1 and 2 cores
  for (const auto& c : cases) {
    EXPECT_NEAR(c["predicted_alpha"].get<double>(), alpha, 0.05)
        << "the workload's (training prompts') alpha";
    EXPECT_TRUE(c["measured_alpha"].is_number());
  }
  const std::string csv = slurp(dir / "val/speedup_per_prompt.csv");
  EXPECT_NE(csv.find("measured_alpha,measured_speedup,predicted_speedup_at_alpha"), std::string::npos);
  EXPECT_NE(csv.find("/g3,"), std::string::npos) << csv;
  EXPECT_TRUE(fs::exists(dir / "val/speedup_per_prompt_real-validate_1core.svg"));

  // Controlled alphas do not apply to real prompts; more prompts than the file has: exit 2.
  const std::string again = "validate '" + validated.string() + "' --profiles '" +
                            (dir / "profiles").string() + "' --out '" + (dir / "val2").string() +
                            "' --gammas 0,3 --prompt-file '" + held_out.string() + "'";
  EXPECT_EQ(run_cli(again + " --prompts 2 --alphas 0.5").exit_code, 2);
  EXPECT_EQ(run_cli(again + " --prompts 5").exit_code, 2);
  EXPECT_FALSE(fs::exists(dir / "val2"));
}

TEST(RealPairCli, RunPrintsTextFromAPromptAndStopsAtMostAtTheTokenCount) {
  const fs::path dir = scratch_dir("real-pair-run");
  {
    std::ofstream w(dir / "workload.yaml");
    w << "version: 1\nname: real-run\nprompt_tokens: 6\ngenerate_tokens: 12\nkv_cache: true\n"
         "acceptance:\n  definition: leviathan_alpha\n  alpha: 0.3\n";
  }
  const fs::path experiment = write_experiment(dir, "real-run", "workload.yaml");
  const CliRun sweep =
      run_cli("sweep '" + experiment.string() + "' --out '" + (dir / "sweep").string() + "'");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  const CliRun run =
      run_cli("run '" + (dir / "sweep/plan.json").string() + "' --prompt 'The jury said' --new-tokens 12");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("text: The jury said"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("tokens generated"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace specmap::testing
