// `explain` on plans with a value of the wrong type, a missing key or a value out of range:
// an error naming the file, line, column and key path, never an exception from the JSON
// library (which aborted the program).
#include "plan/explain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace specmap {
namespace {

std::string plan_text() {
  std::ifstream in(std::string(SPECMAP_SOURCE_DIR) + "/fuzz/corpus/plan_json/seed-plan-paper-imx95.json");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The plan with the first `from` after `after` replaced by `to`.
std::string edited(const std::string& after, const std::string& from, const std::string& to) {
  std::string text = plan_text();
  const std::size_t at = text.find(from, text.find(after));
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

int line_of(const std::string& text, const std::string& what) {
  const std::size_t at = text.find(what);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

TEST(Explain, RendersTheCommittedPlan) {
  auto out = explain_plan(plan_text(), "plan.json");
  ASSERT_TRUE(out) << out.error().format();
  EXPECT_NE(out->find("time per generated token"), std::string::npos);
  EXPECT_NE(out->find("next-best alternatives"), std::string::npos);
}

TEST(Explain, WrongTypesAreErrorsWithTheirLocation) {
  struct Case {
    std::string after, from, to, key_path;
  };
  const Case cases[] = {
      {"\"prediction\"", "\"time_per_token\": 0.22365", "\"time_per_token\": \"fast\"",
       "prediction.time_per_token"},
      {"\"prediction\"", "\"estimated\": false", "\"estimated\": 0", "prediction.estimated"},
      {"\"breakdown\"", "\"busy_per_token\": 0.22365", "\"busy_per_token\": [1]",
       "breakdown.per_pu[0].busy_per_token"},
      {"\"alternatives\"", "\"time_per_token\": 0.22365263157894738", "\"time_per_token\": null",
       "alternatives[0].time_per_token"},
      {"\"workload\"", "\"acceptance_note\"", "\"acceptance_notes\"", "workload.acceptance_note"},
      {"\"schema_version\"", "\"experiment\": \"paper-imx95\"", "\"experiment\": {\"a\": 1}", "experiment"},
  };
  for (const Case& c : cases) {
    const std::string text = edited(c.after, c.from, c.to);
    auto out = explain_plan(text, "plan.json");
    ASSERT_FALSE(out) << c.key_path;
    EXPECT_EQ(out.error().file, "plan.json");
    EXPECT_EQ(out.error().key_path, c.key_path) << out.error().format();
    EXPECT_GT(out.error().line, 0) << out.error().format();
    EXPECT_EQ(out.error().message.find("json.exception"), std::string::npos) << out.error().format();
    if (c.from != "\"acceptance_note\"") {  // a missing key is reported at its object
      EXPECT_EQ(out.error().line, line_of(text, c.to)) << out.error().format();
    }
  }
}

TEST(Explain, AListThatIsNotAList) {
  const std::string text = edited("\"alternatives\"", "\"alternatives\": [", "\"alternatives\": 5, \"x\": [");
  auto out = explain_plan(text, "plan.json");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().key_path, "alternatives") << out.error().format();
  EXPECT_NE(out.error().message.find("expected a list"), std::string::npos) << out.error().format();
}

}  // namespace
}  // namespace specmap
