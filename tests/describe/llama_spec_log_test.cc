// llama.cpp's speculative statistics (real logs from public threads) as a workload.
#include "describe/llama_spec_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "describe/loaders.h"

namespace specmap {
namespace {

const std::string kDir = "tests/describe/data/llama-spec/";

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(LlamaSpecLog, SpeculativeStatisticsBecomeCounts) {
  auto stats = parse_llama_spec_log(slurp(kDir + "speculative-70b-7b-cpu.log"), "a.log");
  ASSERT_TRUE(stats) << stats.error().format();
  EXPECT_EQ(stats->gamma, 8);
  EXPECT_EQ(stats->drafted, 132);
  EXPECT_EQ(stats->accepted, 47);
  EXPECT_EQ(stats->generate_tokens, 129);
  EXPECT_FALSE(stats->prompt_tokens);  // the excerpt has no "encoded" line
  LlamaSpecWorkloadOptions options;
  options.name = "w";
  auto missing = llama_spec_workload_yaml(*stats, options, "a.log");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("--prompt-tokens"), std::string::npos);
  options.prompt_tokens = 8;
  auto yaml = llama_spec_workload_yaml(*stats, options, "a.log");
  ASSERT_TRUE(yaml) << yaml.error().format();
  auto w = parse_workload(*yaml, "w.yaml");
  ASSERT_TRUE(w) << w.error().format() << "\n" << *yaml;
  // ratio 47/132 at gamma 8 -> the alpha whose (E - 1) / 8 equals it.
  const double alpha = w->mean_alpha();
  EXPECT_NEAR(accept_ratio_from_alpha(alpha, 8), 47.0 / 132.0, 1e-9);
  EXPECT_NE(w->acceptance_note.find("47 accepted / 132 drafted at gamma 8"), std::string::npos)
      << w->acceptance_note;
}

TEST(LlamaSpecLog, ServerLinesNeedTheDraftLength) {
  auto stats = parse_llama_spec_log(slurp(kDir + "server-eagle3.log"), "s.log");
  ASSERT_TRUE(stats) << stats.error().format();
  EXPECT_EQ(stats->accepted, 167);
  EXPECT_EQ(stats->drafted, 259);
  EXPECT_FALSE(stats->gamma);
  LlamaSpecWorkloadOptions options;
  options.name = "s";
  options.prompt_tokens = 20;
  options.generate_tokens = 256;
  auto no_gamma = llama_spec_workload_yaml(*stats, options, "s.log");
  ASSERT_FALSE(no_gamma);
  EXPECT_NE(no_gamma.error().message.find("--gamma"), std::string::npos);
  options.gamma = 3;
  auto yaml = llama_spec_workload_yaml(*stats, options, "s.log");
  ASSERT_TRUE(yaml);
  EXPECT_TRUE(parse_workload(*yaml, "w.yaml"));
}

TEST(LlamaSpecLog, ContradictionsAndEmptyLogsAreErrors) {
  auto none = parse_llama_spec_log("hello\n", "x.log");
  ASSERT_FALSE(none);
  auto two = parse_llama_spec_log(
      slurp(kDir + "speculative-70b-7b-cpu.log") + slurp(kDir + "speculative-codellama-34b-7b.log"), "x.log");
  ASSERT_FALSE(two);  // n_draft 8 then 16
  EXPECT_GT(two.error().line, 0);
  auto more = parse_llama_spec_log("n_draft = 4\nn_drafted = 3\nn_accept = 5\n", "x.log");
  ASSERT_FALSE(more);
  auto codellama = parse_llama_spec_log(slurp(kDir + "speculative-codellama-34b-7b.log"), "c.log");
  ASSERT_TRUE(codellama);
  EXPECT_EQ(codellama->gamma, 16);
  EXPECT_EQ(codellama->accepted, 223);
}

TEST(LlamaSpecLog, CountsBeyondTwoToThe53AreErrorsAtTheirLine) {
  // A count too long for std::stoll once escaped as an exception (exit 1, "internal error").
  auto huge = parse_llama_spec_log("n_draft = 4\nn_drafted = 99999999999999999999999\nn_accept = 1\n", "x.log");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().line, 2) << huge.error().format();
  EXPECT_NE(huge.error().message.find("2^53"), std::string::npos) << huge.error().format();
  auto server = parse_llama_spec_log(
      "draft acceptance rate = 0.5 ( 9007199254740993 accepted / 9007199254740994 generated)\n", "s.log");
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().line, 1);
  std::string summed;
  for (int i = 0; i < 3; ++i) summed += "n_drafted = 4503599627370496\nn_accept = 1\n";
  auto sum = parse_llama_spec_log("n_draft = 4\n" + summed, "x.log");
  ASSERT_FALSE(sum);
  EXPECT_EQ(sum.error().line, 6) << sum.error().format();
  auto predict = parse_llama_spec_log("n_draft = 4\nn_predict = 99999999\nn_drafted = 4\nn_accept = 1\n", "x.log");
  ASSERT_FALSE(predict);
  EXPECT_EQ(predict.error().line, 2);
}

TEST(LlamaSpecLog, AnyNameReadsBackAsGiven) {
  auto stats = parse_llama_spec_log(slurp(kDir + "speculative-70b-7b-cpu.log"), "a.log");
  ASSERT_TRUE(stats);
  for (const std::string name : {"spec: run \"1\"", "two\nlines", "tab\there", "back\\slash"}) {
    LlamaSpecWorkloadOptions options;
    options.name = name;
    options.prompt_tokens = 8;
    auto yaml = llama_spec_workload_yaml(*stats, options, "a.log");
    ASSERT_TRUE(yaml);
    auto workload = parse_workload(*yaml, "w.yaml");
    ASSERT_TRUE(workload) << workload.error().format() << "\n" << *yaml;
    EXPECT_EQ(workload->name, name);
  }
}

}  // namespace
}  // namespace specmap
