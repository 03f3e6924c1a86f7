// Prompt sets (bad lines reported at file:line:column) and what `specmap acceptance` writes:
// the JSON's fields and a workload that reads back with the measured acceptance.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "describe/loaders.h"
#include "validate/acceptance_prompts.h"
#include "validate/acceptance_report.h"

namespace specmap {
namespace {

TEST(AcceptancePrompts, TokenIdLines) {
  auto set = parse_prompt_set("1 2 3\n\n  4\t5 \r\n", "p.txt", 10, {});
  ASSERT_TRUE(set) << set.error().format();
  ASSERT_EQ(set->prompts.size(), 2U);
  EXPECT_EQ(set->prompts[0].tokens, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(set->prompts[1].tokens, (std::vector<int>{4, 5}));
  EXPECT_EQ(set->prompts[1].line, 3);
  EXPECT_EQ(set->total_tokens(), 5U);
  EXPECT_EQ(set->fingerprint.size(), 16U);
  auto other = parse_prompt_set("1 2 3\n\n  4\t5 \r\n ", "p.txt", 10, {});
  ASSERT_TRUE(other);
  EXPECT_NE(other->fingerprint, set->fingerprint);
}

TEST(AcceptancePrompts, BadLinesNameFileLineAndColumn) {
  auto word = parse_prompt_set("1 2\n3 x4\n", "p.txt", 10, {});
  ASSERT_FALSE(word);
  EXPECT_EQ(word.error().file, "p.txt");
  EXPECT_EQ(word.error().line, 2);
  EXPECT_EQ(word.error().column, 3);
  auto range = parse_prompt_set("1 2 10\n", "p.txt", 10, {});
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().column, 5);
  EXPECT_NE(range.error().message.find("outside the vocabulary"), std::string::npos);
  auto negative = parse_prompt_set("-1\n", "p.txt", 10, {});
  EXPECT_FALSE(negative);
  auto empty = parse_prompt_set("\n  \n", "p.txt", 10, {});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no prompt"), std::string::npos);
  EXPECT_FALSE(load_prompt_set("/nonexistent/prompts.txt", 10, {}));
}

TEST(AcceptancePrompts, TextLinesGoThroughTheTokenizer) {
  Tokenizer by_length = [](const std::string& text) -> Result<std::vector<int>> {
    if (text == "bad") return Error{"cannot tokenize"};
    return std::vector<int>(text.size(), 1);
  };
  auto set = parse_prompt_set("ab\nabc\n", "t.txt", 10, by_length);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->prompts[1].tokens.size(), 3U);
  EXPECT_EQ(set->prompts[1].text, "abc");
  auto bad = parse_prompt_set("ab\nbad\n", "t.txt", 10, by_length);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 2);
}

AcceptanceMeasurement two_prompt_measurement() {
  std::vector<AcceptanceRun> runs;
  for (std::size_t p = 0; p < 2; ++p) {
    for (int g = 1; g <= 3; ++g) {
      AcceptanceRun r;
      r.prompt = p;
      r.gamma = g;
      r.drafted = 12;
      r.accepted = p == 0 ? 8 : 3;
      r.rejections = p == 0 ? 3 : 6;
      r.position_reached = std::vector<std::int64_t>(static_cast<std::size_t>(g), 0);
      r.position_accepted = r.position_reached;
      r.position_reached[0] = p == 0 ? 6 : 7;
      r.position_accepted[0] = p == 0 ? 4 : 2;
      runs.push_back(r);
    }
  }
  AcceptanceOptions o;
  o.gamma_max = 3;
  return summarize_acceptance(runs, 2, o);
}

TEST(AcceptanceOutputs, JsonAndWorkloadReadBack) {
  auto set = parse_prompt_set("1 2 3\n4 5 6 7 8\n", "set.txt", 10, {});
  ASSERT_TRUE(set);
  const AcceptanceMeasurement m = two_prompt_measurement();
  AcceptanceContext ctx;
  ctx.experiment = "e.yaml";
  ctx.draft_model = "d";
  ctx.target_model = "t";
  ctx.options.gamma_max = 3;
  ctx.options.new_tokens = 16;
  const auto j = nlohmann::json::parse(acceptance_json(m, *set, ctx));
  EXPECT_DOUBLE_EQ(j["alpha"]["value"].get<double>(), 11.0 / 20.0);
  EXPECT_TRUE(j["alpha"]["interval"]["low"].is_number());
  EXPECT_EQ(j["prompt_set"]["fingerprint_fnv1a64"], set->fingerprint);
  EXPECT_EQ(j["per_position"]["positions"].size(), 3U);
  EXPECT_EQ(j["per_gamma"]["gammas"].size(), 3U);
  EXPECT_EQ(j["per_prompt"]["prompts"].size(), 2U);
  EXPECT_EQ(j["per_prompt"]["prompts"][1]["line"], 2);
  EXPECT_TRUE(j["per_prompt"]["p90"].is_number());

  Workload base;
  base.name = "w";
  base.kv_cache = false;
  base.samples.push_back({1.0, 8, 40, {0.5}});
  const std::string yaml = acceptance_workload_yaml(m, *set, ctx, base);
  auto w = parse_workload(yaml, "workload.yaml");
  ASSERT_TRUE(w) << w.error().format() << "\n" << yaml;
  EXPECT_EQ(w->name, "w-measured");
  EXPECT_FALSE(w->kv_cache);
  ASSERT_EQ(w->samples.size(), 2U);
  EXPECT_EQ(w->samples[0].prompt_tokens, 3);
  EXPECT_EQ(w->samples[1].prompt_tokens, 5);
  EXPECT_EQ(w->samples[0].generate_tokens, 40);
  EXPECT_DOUBLE_EQ(w->samples[0].weight, 0.5);
  ASSERT_EQ(w->samples[1].alphas.size(), 3U);
  EXPECT_NEAR(w->samples[1].alphas[0], m.prompts[1].per_position[0], 1e-4);

  ctx.options.temperature = 0.7;
  auto sampled = parse_workload(acceptance_workload_yaml(m, *set, ctx, base), "workload.yaml");
  ASSERT_TRUE(sampled) << sampled.error().format();
  EXPECT_EQ(sampled->samples.size(), 2U);
}

TEST(AcceptanceOutputs, WorkloadSamplesTakePerPositionAlphas) {
  const std::string head =
      "version: 1\nname: w\nprompt_tokens: 8\ngenerate_tokens: 16\nacceptance:\n  definition: "
      "leviathan_alpha\n"
      "  samples:\n";
  auto ok = parse_workload(
      head + "    - {weight: 1, per_position: [0.9, 0.5]}\n    - {weight: 3, alpha: 0.2}\n", "w.yaml");
  ASSERT_TRUE(ok) << ok.error().format();
  ASSERT_EQ(ok->samples.size(), 2U);
  EXPECT_EQ(ok->samples[0].alphas, (std::vector<double>{0.9, 0.5}));
  EXPECT_DOUBLE_EQ(ok->samples[1].weight, 0.75);
  auto both = parse_workload(head + "    - {weight: 1, alpha: 0.3, per_position: [0.9]}\n", "w.yaml");
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().line, 8);
  auto out_of_range = parse_workload(head + "    - {weight: 1, per_position: [1.5]}\n", "w.yaml");
  EXPECT_FALSE(out_of_range);
  auto empty = parse_workload(head + "    - {weight: 1, per_position: []}\n", "w.yaml");
  EXPECT_FALSE(empty);
}

}  // namespace
}  // namespace specmap
