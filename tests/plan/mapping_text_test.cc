#include "plan/mapping_text.h"

#include <gtest/gtest.h>

namespace specmap {
namespace {

Soc two_pu_soc() {
  Soc soc;
  soc.pus.resize(2);
  soc.pus[0].id = "cpu";
  soc.pus[1].id = "gpu";
  return soc;
}

ModelGraph chain(std::size_t n) {
  ModelGraph m;
  m.subgraphs.resize(n);
  for (std::size_t i = 0; i < n; ++i) m.subgraphs[i].name = "s" + std::to_string(i);
  return m;
}

TEST(MappingText, WholeModelIsThePuName) { EXPECT_EQ(mapping_text(chain(3), {1, 1, 1}, two_pu_soc()), "gpu"); }

TEST(MappingText, NotRunIsADash) {
  EXPECT_EQ(mapping_text(chain(3), {}, two_pu_soc()), "-");
  EXPECT_EQ(mapping_text(chain(3), {-1, -1, -1}, two_pu_soc()), "-");
}

TEST(MappingText, RunsOfSubgraphs) {
  EXPECT_EQ(mapping_text(chain(5), {0, 0, 1, 1, 0}, two_pu_soc()), "cpu:s0..s1 gpu:s2..s3 cpu:s4");
}

TEST(MappingText, ParsesWhatItPrints) {
  const std::vector<std::vector<int>> mappings = {{0, 0, 1, 1, 0}, {1, 1, 1, 1, 1}, {0, 1, 0, 1, 0}};
  for (const auto& pus : mappings) {
    auto parsed = parse_mapping_text(chain(5), mapping_text(chain(5), pus, two_pu_soc()), two_pu_soc());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(*parsed, pus);
  }
}

TEST(MappingText, ParseNamesGapsOverlapsAndUnknowns) {
  auto error = [](const std::string& text) {
    auto parsed = parse_mapping_text(chain(3), text, two_pu_soc());
    return parsed.ok() ? std::string() : parsed.error().message;
  };
  EXPECT_NE(error("npu").find("no PU 'npu'"), std::string::npos);
  EXPECT_NE(error("cpu:s0 gpu:s2").find("next subgraph to place is s1"), std::string::npos);
  EXPECT_NE(error("cpu:s0..s1").find("from s2 on are not placed"), std::string::npos);
  EXPECT_NE(error("cpu:s0..s9").find("no subgraph 's9'"), std::string::npos);
  EXPECT_NE(error("cpu:s0..s1 gpu:s1..s2").find("starts at s1"), std::string::npos);
}

TEST(MappingText, VariantUnitsSkipPusThatAreOff) {
  DesignVariant v{"x", {3, 0}};
  EXPECT_EQ(variant_units_text(v, two_pu_soc()), "cpu=3");
}

}  // namespace
}  // namespace specmap
