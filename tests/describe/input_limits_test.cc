// Numbers, duplicate keys, nesting and sizes in the YAML loaders: every value past a limit is
// an error with file, line, column and key, never truncated, wrapped or allocated.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "describe/loaders.h"
#include "describe/yaml_reader.h"

namespace specmap {
namespace {

std::string source(const std::string& relative) {
  std::ifstream in(std::string(SPECMAP_SOURCE_DIR) + "/" + relative);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

const std::string kModel = R"(version: 1
name: m
architecture:
  layers: 4
  d_model: 64
  d_ff: 128
  heads: 4
  kv_heads: 4
  vocab: 100
  dtype: f32
)";

TEST(InputLimits, HugeLayerCountIsRefusedBeforeAnythingIsBuilt) {
  auto model = parse_model(replaced(kModel, "layers: 4", "layers: 1000000000"), "m.yaml");
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().line, 4);
  EXPECT_EQ(model.error().column, 11);
  EXPECT_EQ(model.error().key_path, "architecture.layers");
  EXPECT_EQ(model.error().message, "must be between 1 and 4096, found 1000000000");
}

TEST(InputLimits, CoreCountPast32BitsIsRefusedNotWrapped) {
  const std::string soc = source("configs/soc/imx95.yaml");
  for (const char* cores : {"4294967302", "2147483648", "9223372036854775807", "99999999999999999999"}) {
    auto parsed = parse_soc(replaced(soc, "cores: 6", std::string("cores: ") + cores), "soc.yaml");
    ASSERT_FALSE(parsed) << cores;
    EXPECT_EQ(parsed.error().key_path, "pus[0].clusters[0].cores") << cores;
    EXPECT_GT(parsed.error().column, 0);
    EXPECT_NE(parsed.error().message.find("between 1 and 4096"), std::string::npos) << parsed.error().message;
  }
}

TEST(InputLimits, SumOfClusterCoresIsChecked) {
  const std::string soc =
      replaced(source("configs/soc/imx95.yaml"), "        cores: 6",
               "        cores: 4000\n      - name: b\n        core_type: x\n        cores: 4000");
  auto parsed = parse_soc(soc, "soc.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("cores of all clusters"), std::string::npos)
      << parsed.error().message;
}

TEST(InputLimits, HugeTokenCountsAreRefused) {
  const std::string workload = source("configs/workloads/translation.yaml");
  auto parsed = parse_workload(
      replaced(workload, "generate_tokens: 63", "generate_tokens: 9223372036854775807"), "w.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().key_path, "generate_tokens");
  EXPECT_NE(parsed.error().message.find("between 1 and 1048576"), std::string::npos)
      << parsed.error().message;
}

TEST(InputLimits, NumbersBeyondADoubleAreRefused) {
  const std::string soc = source("configs/soc/imx95.yaml");
  auto parsed = parse_soc(replaced(soc, "freq_ghz: 1.8", "freq_ghz: 1e400"), "soc.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("finite"), std::string::npos) << parsed.error().message;
  parsed = parse_soc(replaced(soc, "freq_ghz: 1.8", "freq_ghz: .nan"), "soc.yaml");
  ASSERT_FALSE(parsed);
}

TEST(DuplicateKeys, FlowStyleMapsAreCheckedToo) {
  const std::string soc = source("configs/soc/imx95.yaml");
  auto parsed =
      parse_soc(replaced(soc, "units: {cpu: 1, gpu: 1}", "units: {cpu: 1, cpu: 2, gpu: 1}"), "soc.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("given twice"), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().key_path.find("units.cpu"), std::string::npos) << parsed.error().key_path;
  EXPECT_GT(parsed.error().line, 0);
  EXPECT_GT(parsed.error().column, 0);
}

TEST(DuplicateKeys, MapsReadWithoutAKeyListAreChecked) {
  const std::string soc = source("configs/soc/imx95.yaml");
  auto parsed = parse_soc(replaced(soc, "      f32: 14.4", "      f32: 14.4\n      f32: 15.0"), "soc.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().key_path, "pus[0].peak_gflops_per_unit.f32");
}

TEST(YamlText, DeepNestingSaysSo) {
  for (int depth : {100, 5000}) {
    const std::string text = "version: 1\nname: " + std::string(depth, '[') + std::string(depth, ']') + "\n";
    auto parsed = parse_workload(text, "deep.yaml");
    ASSERT_FALSE(parsed);
    EXPECT_NE(parsed.error().message.find("nested deeper than 64"), std::string::npos)
        << parsed.error().message;
    EXPECT_EQ(parsed.error().line, 2);
  }
}

TEST(YamlText, NulByteSaysSo) {
  auto parsed = parse_workload(std::string("version: 1\nname: \"a\0i\"\n", 23), "nul.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("NUL byte"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().line, 2);
  EXPECT_EQ(parsed.error().column, 9);
}

TEST(YamlText, AliasesCannotExpandTheDocument) {
  std::string text = "version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char previous = static_cast<char>(c - 1);
    text += std::string(1, c) + ": &" + c + " [*" + previous + ", *" + previous + ", *" + previous + ", *" +
            previous + ", *" + previous + ", *" + previous + ", *" + previous + ", *" + previous + ", *" +
            previous + ", *" + previous + "]\n";
  }
  auto root = load_yaml_text(text, "bomb.yaml");
  ASSERT_FALSE(root);
  EXPECT_NE(root.error().message.find("aliases"), std::string::npos) << root.error().message;
}

}  // namespace
}  // namespace specmap
