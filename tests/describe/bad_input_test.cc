// One fixture per kind of bad input (tests/describe/data); each error must point at the spot.
// Line and column numbers below are counted by hand in the fixture files.
#include <gtest/gtest.h>

#include <string>

#include "describe/loaders.h"

namespace specmap {
namespace {

std::string fixture(const std::string& name) {
  return std::string(SPECMAP_SOURCE_DIR) + "/tests/describe/data/" + name;
}

void expect_at(const Error& e, const std::string& file, int line, int column, const std::string& key_path) {
  EXPECT_EQ(e.file, file);
  EXPECT_EQ(e.line, line) << e.format();
  EXPECT_EQ(e.column, column) << e.format();
  EXPECT_EQ(e.key_path, key_path) << e.format();
  EXPECT_NE(e.format().find(file), std::string::npos);
}

TEST(BadInput, MalformedYaml) {
  std::string file = fixture("malformed.yaml");
  auto r = load_soc(file);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, file);
  EXPECT_GT(r.error().line, 0);
  EXPECT_GT(r.error().column, 0);
  EXPECT_NE(r.error().message.find("malformed YAML"), std::string::npos) << r.error().format();
}

TEST(BadInput, UnknownKeyIsReportedAtTheKey) {
  std::string file = fixture("unknown_key.yaml");
  auto r = load_model(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 11, 3, "architecture.colour");
  EXPECT_NE(r.error().message.find("unknown key 'colour'"), std::string::npos);
}

TEST(BadInput, WrongType) {
  std::string file = fixture("wrong_type.yaml");
  auto r = load_model(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 4, 11, "architecture.layers");
  EXPECT_NE(r.error().message.find("integer"), std::string::npos);
}

TEST(BadInput, WrongTypeDeepInsideAList) {
  std::string file = fixture("soc_bad_peak.yaml");
  auto r = load_soc(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 19, 33, "pus[1].peak_gflops_per_unit.f32");
}

TEST(BadInput, NegativeSize) {
  std::string file = fixture("negative_size.yaml");
  auto r = load_model(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 6, 9, "architecture.d_ff");
  EXPECT_NE(r.error().message.find("must be between 1 and 1048576, found -128"), std::string::npos) << r.error().message;
}

TEST(BadInput, ZeroSize) {
  std::string file = fixture("zero_size.yaml");
  auto r = load_workload(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 3, 16, "prompt_tokens");
}

TEST(BadInput, CyclicGraphNamesASubgraphOnTheCycle) {
  std::string file = fixture("cyclic_graph.yaml");
  auto r = load_model(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 9, 5, "subgraphs[1]");
  EXPECT_NE(r.error().message.find("cycle"), std::string::npos);
  EXPECT_NE(r.error().message.find("'a'"), std::string::npos);
}

TEST(BadInput, ProcessingUnitReferencedButNotDefined) {
  std::string file = fixture("soc_undefined_pu.yaml");
  auto r = load_soc(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 26, 21, "transfers[0].between[1]");
  EXPECT_NE(r.error().message.find("'npu'"), std::string::npos);
}

TEST(BadInput, MissingTransferPair) {
  std::string file = fixture("soc_missing_transfer.yaml");
  auto r = load_soc(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 26, 3, "transfers");
  EXPECT_NE(r.error().message.find("from 'gpu' to 'cpu'"), std::string::npos) << r.error().message;
}

TEST(BadInput, MissingVersion) {
  std::string file = fixture("missing_version.yaml");
  auto r = load_workload(file);
  ASSERT_FALSE(r);
  expect_at(r.error(), file, 1, 1, "version");
  EXPECT_NE(r.error().message.find("version"), std::string::npos);
}

TEST(BadInput, MissingFileNamesTheFile) {
  std::string file = fixture("does_not_exist.yaml");
  for (const Error& e : {load_soc(file).error(), load_model(file).error(), load_workload(file).error(),
                         load_experiment(file).error()}) {
    EXPECT_EQ(e.file, file);
    EXPECT_NE(e.format().find("does_not_exist.yaml"), std::string::npos);
  }
}

}  // namespace
}  // namespace specmap
