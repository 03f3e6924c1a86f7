// Numeric command-line values CLI11's own checks let through: NaN (which compares false with
// every bound), infinity, an unsigned "-1" (read as 2^64 - 1), a number too long for its type
// and sizes with no upper bound. Each is refused at parse time: exit 2, the option named,
// nothing measured or written; so are empty paths and a KEY=VALUE key given twice.
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

const std::string kPaper = "configs/experiments/paper-imx95.yaml";
const std::string kHost = "configs/experiments/host-small.yaml";

void expect_refused(const std::string& args, const std::string& option) {
  const CliRun r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_NE(r.err.find(option), std::string::npos) << args << "\n" << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("1797693134862315708"), std::string::npos) << "a bound nobody can read:\n" << r.err;
}

TEST(FlagValues, NotANumberIsRefusedWhereABoundIsChecked) {
  expect_refused("check " + kPaper + " --alpha nan", "--alpha");
  expect_refused("check " + kPaper + " --objective energy_under_latency --latency-bound-ms nan",
                 "--latency-bound-ms");
  expect_refused("check " + kPaper + " --latency-bound-ms inf", "--latency-bound-ms");
  const fs::path out = scratch_dir("flag-nan") / "out";
  expect_refused("sweep " + kPaper + " --alpha NaN --out '" + out.string() + "'", "--alpha");
  EXPECT_FALSE(fs::exists(out));
  expect_refused("run configs/experiments/host-small.yaml --temperature nan", "--temperature");
  expect_refused("run configs/experiments/host-small.yaml --controlled-alpha nan", "--controlled-alpha");
  expect_refused("acceptance " + kHost + " --prompts p.txt --out /tmp/x --temperature nan", "--temperature");
}

TEST(FlagValues, ProfileMinTimeIsFiniteAndBounded) {
  // NaN once reached Google Benchmark's MinTime check, which aborts; 1e308 ran forever.
  const fs::path out = scratch_dir("flag-min-time") / "out";
  for (const char* value : {"nan", "-nan", "1e308", "3601", "0"})
    expect_refused("profile " + kHost + " --out '" + out.string() + "' --min-time " + value, "--min-time");
  EXPECT_FALSE(fs::exists(out));
}

TEST(FlagValues, TransferSizesAreBounded) {
  const fs::path out = scratch_dir("flag-transfer") / "out";
  for (const char* value : {"0", "-1", "99999999999999999", "1,0"})
    expect_refused("profile " + kHost + " --out '" + out.string() + "' --transfer-bytes " + value,
                   "--transfer-bytes");
  EXPECT_FALSE(fs::exists(out));
}

TEST(FlagValues, SeedsAreDigitsThatFit) {
  for (const char* value : {"-1", "18446744073709551616", "99999999999999999999999", "1.5", "0x10"}) {
    expect_refused("run results/default/plan.json --seed " + std::string(value), "--seed");
    expect_refused("acceptance " + kHost + " --prompts p.txt --out /tmp/x --seed " + std::string(value), "--seed");
  }
  // The largest seed is a seed: the command gets as far as reading its plan.
  const CliRun r = run_cli("run /nonexistent/plan.json --seed 18446744073709551615");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("--seed"), std::string::npos) << r.err;
}

TEST(FlagValues, ImportCountsStateTheirRange) {
  expect_refused("import llama-spec tests/describe/data/llama-spec/speculative-70b-7b-cpu.log --out /tmp/x.yaml "
                 "--prompt-tokens 0",
                 "--prompt-tokens");
  expect_refused("import llama-bench tests/profile/data/llama-bench/qwen2.5-7b-q4km-cuda.json --model m.yaml "
                 "--pu cpu --out /tmp/x.yaml --units 0",
                 "--units");
}

TEST(FlagValues, AKeyValueOptionTakesEachKeyOnce) {
  // The second target=... used to replace the first without a word.
  const CliRun r = run_cli(
      "export results/default/plan.json --to llama.cpp --model-file target=a.gguf --model-file target=b.gguf");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'target' is given twice"), std::string::npos) << r.err;
}

TEST(FlagValues, AnEmptyOutputPathIsRefused) {
  // `--out ""` once wrote /sweep.csv and /plan.json (OUT + "/sweep.csv"), or was taken as not given.
  expect_refused("sweep " + kPaper + " --out ''", "--out");
  expect_refused("export results/default/plan.json --to llama.cpp --out ''", "--out");
  expect_refused("detect --no-measure --out ''", "--out");
  expect_refused("import gguf models/brown-draft-f16.gguf --out /tmp/x.yaml --name ''", "--name");
}

}  // namespace
}  // namespace specmap::testing
