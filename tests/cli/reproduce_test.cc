// `specmap reproduce paper` against facts checked by hand (paper-facts): Eq. 1 at
// alpha 0.90 and c 0.41 peaks at gamma 4 with 1.551; Table II rows 2 and 5 come
// back by construction; nothing gains at alpha 0.17.
#include <gtest/gtest.h>

#include <vector>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(slurp(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

std::string cell(const std::vector<std::vector<std::string>>& t, std::size_t row, const std::string& column) {
  const auto& header = t.at(0);
  const auto it = std::find(header.begin(), header.end(), column);
  EXPECT_NE(it, header.end()) << column;
  return t.at(row).at(static_cast<std::size_t>(it - header.begin()));
}

class Reproduce : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    out_ = new fs::path(scratch_dir("reproduce"));
    run_ = new CliRun(run_cli("reproduce paper --out '" + out_->string() + "'"));
  }
  static void TearDownTestSuite() {
    delete out_;
    delete run_;
  }
  static fs::path* out_;
  static CliRun* run_;
};
fs::path* Reproduce::out_ = nullptr;
CliRun* Reproduce::run_ = nullptr;

TEST_F(Reproduce, WritesEveryFile) {
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  for (const char* f : {"table2.csv", "table3.csv", "fig7a.csv", "fig7a.svg", "report.md"})
    EXPECT_TRUE(fs::exists(*out_ / f)) << f;
}

TEST_F(Reproduce, Table2) {
  const auto t = read_csv(*out_ / "table2.csv");
  ASSERT_EQ(t.size(), 7u);
  for (const char* col : {"variant", "speculative", "gamma", "heterogeneous", "speedup", "paper_gamma", "paper_speedup"})
    EXPECT_NE(std::find(t[0].begin(), t[0].end(), col), t[0].end()) << col;
  // Variant 1: Eq. 1 gives gamma 4 and 1.551, the paper prints gamma 5 and 1.68.
  EXPECT_EQ(cell(t, 1, "gamma"), "4");
  EXPECT_EQ(cell(t, 1, "heterogeneous"), "yes");
  EXPECT_EQ(cell(t, 1, "speedup"), "1.551");
  EXPECT_EQ(cell(t, 1, "paper_gamma"), "5");
  EXPECT_EQ(cell(t, 1, "paper_speedup"), "1.68");
  // Variant 2: gamma 2, 1.10, heterogeneous.
  EXPECT_EQ(cell(t, 2, "gamma"), "2");
  EXPECT_EQ(cell(t, 2, "heterogeneous"), "yes");
  EXPECT_EQ(cell(t, 2, "speedup"), "1.100");
  // Variants 3, 4, 6: no speculation.
  for (std::size_t row : {3u, 4u, 6u}) {
    EXPECT_EQ(cell(t, row, "speculative"), "no") << row;
    EXPECT_EQ(cell(t, row, "speedup"), "1.000") << row;
  }
  // Variant 5: gamma 1 with both models on the CPU, 1.02.
  EXPECT_EQ(cell(t, 5, "gamma"), "1");
  EXPECT_EQ(cell(t, 5, "heterogeneous"), "no");
  EXPECT_EQ(cell(t, 5, "speedup"), "1.020");
}

TEST_F(Reproduce, Table3HasNoGainAnywhere) {
  const auto t = read_csv(*out_ / "table3.csv");
  ASSERT_EQ(t.size(), 7u);
  for (std::size_t row = 1; row < t.size(); ++row) {
    EXPECT_EQ(cell(t, row, "speculative"), "no");
    EXPECT_EQ(cell(t, row, "speedup"), "1.000");
  }
}

TEST_F(Reproduce, Fig7aIsEq1ForTheValidatedMapping) {
  const auto t = read_csv(*out_ / "fig7a.csv");
  ASSERT_EQ(t.size(), 1u + 8 * 50);
  bool seen = false;
  for (std::size_t row = 1; row < t.size(); ++row) {
    EXPECT_EQ(cell(t, row, "predicted_speedup"), cell(t, row, "eq1_speedup"));
    if (cell(t, row, "alpha") == "0.94" && cell(t, row, "gamma") == "5") {
      EXPECT_NEAR(std::stod(cell(t, row, "predicted_speedup")), 1.695, 0.0005);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(Reproduce, ReportExplainsTheVariant1Difference) {
  const std::string md = slurp(*out_ / "report.md");
  for (const char* s : {"1.551", "1.536", "1.695", "0.3407", "1.733"})
    EXPECT_NE(md.find(s), std::string::npos) << s;
}

}  // namespace
}  // namespace specmap::testing
