// Bad input that once aborted or misled, through the front door: exit 2, one message with
// file, line and column, and nothing written.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

const std::string kExperiment = "configs/experiments/paper-imx95.yaml";

std::string write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

std::string benchmark_json(const std::string& fields) {
  return "{\"context\": {},\n \"benchmarks\": [\n  {\"name\": "
         "\"specmap/forward/llama-3.2-1b/forward/cpu/units:1/n:63/"
         "ctx:0\", \"run_type\": \"iteration\", " +
         fields + ", \"iterations\": 1}]}\n";
}

TEST(Reliability, JsonNumberBeyondADoubleIsExit2WithLineAndColumn) {
  const auto dir = scratch_dir("json-1e400");
  const std::string p = write(dir / "p.json", benchmark_json("\"real_time\": 1e400, \"time_unit\": \"ms\""));
  const CliRun r = run_cli("check " + kExperiment + " --profiles '" + p + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("p\\.json:3:[0-9]+: .*1e400"))) << r.err;
}

TEST(Reliability, NonStringTimeUnitIsExit2AtTheKey) {
  const auto dir = scratch_dir("json-time-unit");
  const std::string p = write(dir / "p.json", benchmark_json("\"real_time\": 1.0, \"time_unit\": 3"));
  const CliRun r = run_cli("check " + kExperiment + " --profiles '" + p + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("p\\.json:3:[0-9]+: key 'benchmarks\\[0\\]\\.time_unit'")))
      << r.err;
}

TEST(Reliability, MissingTimeUnitIsSaid) {
  const auto dir = scratch_dir("json-no-unit");
  const std::string p = write(dir / "p.json", benchmark_json("\"real_time\": 1.0"));
  const CliRun r = run_cli("check " + kExperiment + " --profiles '" + p + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no `time_unit`"), std::string::npos) << r.err;
}

TEST(Reliability, PlanJsonTargetThatIsAFolderReplacesNothing) {
  const auto dir = scratch_dir("out-folder");
  const fs::path out = dir / "out";
  fs::create_directories(out / "plan.json");
  write(out / "sweep.csv", "old");
  const CliRun r = run_cli("sweep " + kExperiment + " --out '" + out.string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;  // the --out the user named cannot take the plan
  EXPECT_NE(r.err.find("is a folder"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(out / "sweep.csv"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 2);
}

TEST(Reliability, InputThatIsNotAFileSaysWhatItIs) {
  const auto dir = scratch_dir("not-a-file");
  const std::string text = slurp(fs::path(SPECMAP_SOURCE_DIR) / kExperiment);
  fs::copy(fs::path(SPECMAP_SOURCE_DIR) / "configs", dir / "configs", fs::copy_options::recursive);
  fs::copy(fs::path(SPECMAP_SOURCE_DIR) / "profiles", dir / "profiles", fs::copy_options::recursive);
  const fs::path soc = dir / "configs/soc/imx95.yaml";
  fs::remove(soc);
  fs::create_directories(soc);
  CliRun r = run_cli("check '" + (dir / kExperiment).string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a folder"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("does not exist"), std::string::npos) << r.err;
  fs::remove(soc);
  ASSERT_EQ(::mkfifo(soc.c_str(), 0600), 0);
  r = run_cli("check '" + (dir / kExperiment).string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("FIFO"), std::string::npos) << r.err;
  r = run_cli("explain /dev/null");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("character device"), std::string::npos) << r.err;
}

TEST(Reliability, SameProfileListedTwiceNamesItsLine) {
  const auto dir = scratch_dir("profile-twice");
  fs::copy(fs::path(SPECMAP_SOURCE_DIR) / "configs", dir / "configs", fs::copy_options::recursive);
  fs::copy(fs::path(SPECMAP_SOURCE_DIR) / "profiles", dir / "profiles", fs::copy_options::recursive);
  const fs::path exp = dir / kExperiment;
  std::string text = slurp(exp);
  const std::string from = "profiles: [../../profiles/paper.yaml]";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(),
               "profiles:\n  - ../../profiles/paper.yaml\n  - ../../profiles/paper.yaml");
  write(exp, text);
  const CliRun r = run_cli("check '" + exp.string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex("paper-imx95\\.yaml:[0-9]+:[0-9]+: key 'profiles\\[1\\]'.*listed twice")))
      << r.err;
}

class PlanEdits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = scratch_dir("plan-edits");
    const CliRun r = run_cli("sweep configs/experiments/host-small.yaml --out '" + dir_.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    plan_ = slurp(dir_ / "plan.json");
  }
  // The plan with one text edit (the first `from` after `after`), written beside the original.
  std::string edited(const std::string& from, const std::string& to, const std::string& after = "") {
    std::string text = plan_;
    const auto at = text.find(from, after.empty() ? 0 : text.find(after));
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return write(dir_ / "edited.json", text);
  }
  static fs::path dir_;
  static std::string plan_;
};
fs::path PlanEdits::dir_;
std::string PlanEdits::plan_;

TEST_F(PlanEdits, ExplainRejectsGammaMinusOne) {
  const CliRun r = run_cli("explain '" + edited("\"gamma\": 2", "\"gamma\": -1", "\"choice\"") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("edited\\.json:[0-9]+:[0-9]+: key 'choice\\.gamma'")))
      << r.err;
}

TEST_F(PlanEdits, RunRejectsATopLevelGammaThatContradictsTheChoice) {
  const CliRun r = run_cli("run '" + edited("\"gamma\": 2", "\"gamma\": 3") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("edited\\.json:[0-9]+:[0-9]+: key 'gamma': .*contradicts"))) << r.err;
}

TEST_F(PlanEdits, ExplainRejectsAnUndefinedPu) {
  const CliRun r = run_cli("explain '" + edited("\"pu\": \"cpu\"", "\"pu\": \"npu9\"") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("npu9"), std::string::npos) << r.err;
}

TEST_F(PlanEdits, ExplainRejectsAnUnknownVariant) {
  const CliRun r = run_cli("explain '" + edited("\"variant\": \"", "\"variant\": \"no-such-") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no-such-"), std::string::npos) << r.err;
}

TEST_F(PlanEdits, RunSaysWhatIsWrongAndWhere) {
  CliRun r = run_cli("run '" + edited("\"gamma\": 2", "\"gamma\": \"two\"", "\"choice\"") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex("edited\\.json:[0-9]+:[0-9]+: key 'choice\\.gamma': expected an integer")))
      << r.err;
  r = run_cli("run '" + edited("\"schema_version\": 1,", "\"schema_version\": 1,,") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("edited\\.json:2:[0-9]+: malformed JSON"))) << r.err;
  EXPECT_EQ(r.err.find("is this a plan.json"), std::string::npos) << r.err;
}

TEST_F(PlanEdits, AMisspeltKeyIsNotIgnored) {
  // "gama" beside "gamma": the edit the user meant would otherwise be dropped without a word.
  const std::string top = edited("\"gamma\": 2", "\"gama\": 3, \"gamma\": 2");
  for (const char* command : {"explain", "run", "export --to llama.cpp"}) {
    const CliRun r = run_cli(std::string(command) + " '" + top + "'");
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex("edited\\.json:[0-9]+:[0-9]+: key 'gama': unknown key")))
        << command << "\n" << r.err;
  }
  const std::string in_choice = edited("\"schedule\":", "\"schedul\": \"overlapped\", \"schedule\":", "\"choice\"");
  const CliRun r = run_cli("run '" + in_choice + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("key 'choice.schedul'"), std::string::npos) << r.err;
}

TEST(Reliability, RepetitionsZeroStatesASensibleRange) {
  const CliRun r =
      run_cli("validate configs/experiments/host-small.yaml --profiles /tmp --out /tmp/x --repetitions 0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("1.79769e+308"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1000"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace specmap::testing
