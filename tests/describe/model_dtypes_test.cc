// Per-group data types, the GGUF-derived architecture keys and `weights:`, and how block-
// quantized types execute on a PU.
#include <gtest/gtest.h>

#include "describe/loaders.h"
#include "describe/model_weights.h"
#include "describe/soc.h"

namespace specmap {
namespace {

const char* kBase = R"(version: 1
name: q
architecture:
  layers: 2
  d_model: 64
  d_ff: 128
  heads: 4
  kv_heads: 2
  vocab: 320
)";

TEST(ModelDtypes, GroupTypesReachTheOpsAndTheirRealBytes) {
  auto m = parse_model(std::string(kBase) + R"(  dtypes: {embedding: q8_0, blocks: q4_0, head: f16}
  attention_bias: true
  rope_theta: 1000000
  rope_style: normal
  norm_eps: 1e-6
  context_length: 4096
weights: {file: ../m/x.gguf, fingerprint: "00112233445566ff"}
)",
                       "configs/models/q.yaml");
  ASSERT_TRUE(m.ok()) << m.error().format();
  EXPECT_EQ(m->dtype, DType::q4_0);
  EXPECT_EQ(m->subgraphs.front().ops[0].dtype, DType::q8_0);
  EXPECT_EQ(m->subgraphs.back().ops[1].dtype, DType::f16);
  EXPECT_DOUBLE_EQ(op_weight_bytes(m->subgraphs.front().ops[0]), 320.0 * 64 * 34 / 32);
  EXPECT_DOUBLE_EQ(op_weight_bytes(m->subgraphs[1].ops[1]), 64.0 * 64 * 18 / 32);
  EXPECT_TRUE(m->arch->attention_bias);
  EXPECT_DOUBLE_EQ(*m->arch->rope_theta, 1e6);
  EXPECT_EQ(m->arch->rope_style, RopeStyle::normal);
  EXPECT_DOUBLE_EQ(*m->arch->norm_eps, 1e-6);
  EXPECT_EQ(m->arch->context_length, 4096);
  ASSERT_TRUE(m->weights.has_value());
  EXPECT_EQ(m->weights->path, "configs/m/x.gguf");
}

TEST(ModelDtypes, Errors) {
  auto tied = parse_model(
      std::string(kBase) + "  tied_embeddings: true\n  dtypes: {embedding: q8_0, blocks: q4_0, head: f16}\n",
      "m.yaml");
  ASSERT_FALSE(tied.ok());
  EXPECT_NE(tied.error().format().find("dtypes.head"), std::string::npos) << tied.error().format();
  auto none = parse_model(std::string(kBase) + "  dtypes: {embedding: q8_0}\n", "m.yaml");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().format().find("give 'dtype' or 'dtypes.blocks'"), std::string::npos);
  auto fp =
      parse_model(std::string(kBase) + "  dtype: f32\nweights: {file: x.gguf, fingerprint: xyz}\n", "m.yaml");
  ASSERT_FALSE(fp.ok());
  EXPECT_NE(fp.error().format().find("weights.fingerprint"), std::string::npos) << fp.error().format();
}

TEST(ModelDtypes, BlockTypesRunAsInt8UnlessThePuNamesThem) {
  ProcessingUnit cpu;
  cpu.peak_gflops_per_unit = {{DType::f32, 10}, {DType::int8, 40}};
  auto q8 = cpu.execution(DType::q8_0);
  ASSERT_TRUE(q8.has_value());
  EXPECT_EQ(q8->compute, DType::int8);
  EXPECT_FALSE(q8->promoted);  // streamed in its own block bytes

  ProcessingUnit gpu;
  gpu.peak_gflops_per_unit = {{DType::f16, 100}};
  gpu.fallbacks = {{DType::int8, false, DType::f16, 1.5}};
  auto q4 = gpu.execution(DType::q4_0);
  ASSERT_TRUE(q4.has_value());
  EXPECT_EQ(q4->compute, DType::f16);
  EXPECT_TRUE(q4->promoted);

  ProcessingUnit npu;
  npu.peak_gflops_per_unit = {{DType::int8, 1000}, {DType::q4_0, 2000}};
  npu.fallbacks = {{DType::q8_0, true}};
  EXPECT_EQ(npu.execution(DType::q4_0)->compute, DType::q4_0);
  EXPECT_FALSE(npu.execution(DType::q8_0).has_value());

  ProcessingUnit plain;
  plain.peak_gflops_per_unit = {{DType::f32, 1}};
  EXPECT_FALSE(plain.execution(DType::q8_0).has_value());
}

}  // namespace
}  // namespace specmap
