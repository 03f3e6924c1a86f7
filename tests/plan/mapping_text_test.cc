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

TEST(MappingText, VariantUnitsSkipPusThatAreOff) {
  DesignVariant v{"x", {3, 0}};
  EXPECT_EQ(variant_units_text(v, two_pu_soc()), "cpu=3");
}

}  // namespace
}  // namespace specmap
