// Synthetic weights: real shapes, deterministic per seed, scaled like an initialised model.
#include "runtime/synthetic_weights.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

double standard_deviation(const std::vector<float>& values) {
  double mean = 0, square = 0;
  for (float v : values) mean += v;
  mean /= double(values.size());
  for (float v : values) square += (v - mean) * (v - mean);
  return std::sqrt(square / double(values.size()));
}

TEST(SyntheticWeights, HaveTheArchitecturesShapes) {
  const ModelArch arch = testing::tiny_arch(2, /*tied=*/false);
  Result<TransformerWeights> w = SyntheticWeights(1).load(arch);
  ASSERT_TRUE(w.ok()) << w.error().format();
  EXPECT_TRUE(check_weight_shapes(*w).ok());
  EXPECT_EQ(w->embedding.size(), 256u * 64u);
  EXPECT_EQ(w->lm_head.size(), 256u * 64u);
  ASSERT_EQ(w->layers.size(), 2u);
  EXPECT_EQ(w->layers[0].q_proj.size(), 64u * 64u);  // 4 heads x 16
  EXPECT_EQ(w->layers[0].k_proj.size(), 32u * 64u);  // 2 KV heads x 16
  EXPECT_EQ(w->layers[0].gate_proj.size(), 128u * 64u);
  EXPECT_EQ(w->layers[0].down_proj.size(), 64u * 128u);
  // Parameter count of the same architecture as the cost model counts it.
  EXPECT_DOUBLE_EQ(double(w->parameter_count()), derive_model("tiny", arch).parameters());
}

TEST(SyntheticWeights, TiedHeadIsTheEmbeddingTable) {
  Result<TransformerWeights> w = SyntheticWeights(1).load(testing::tiny_arch(1, /*tied=*/true));
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->lm_head.empty());
  EXPECT_EQ(w->head_matrix().data(), w->embedding.data());
  EXPECT_DOUBLE_EQ(double(w->parameter_count()),
                   derive_model("tiny", testing::tiny_arch(1, true)).parameters());
}

TEST(SyntheticWeights, DeterministicPerSeedAndDifferentAcrossSeeds) {
  const ModelArch arch = testing::tiny_arch(2);
  Result<TransformerWeights> a = SyntheticWeights(42).load(arch);
  Result<TransformerWeights> b = SyntheticWeights(42).load(arch);
  Result<TransformerWeights> c = SyntheticWeights(43).load(arch);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->embedding, b->embedding);
  EXPECT_EQ(a->layers[1].down_proj, b->layers[1].down_proj);
  EXPECT_NE(a->embedding, c->embedding);
  EXPECT_NE(a->layers[1].down_proj, c->layers[1].down_proj);
  // Tensors are independent streams: two projections of one layer differ.
  EXPECT_NE(a->layers[0].gate_proj, a->layers[0].up_proj);
}

TEST(SyntheticWeights, ScaledLikeAnInitialisedModel) {
  const ModelArch arch = testing::tiny_arch(2);
  Result<TransformerWeights> w = SyntheticWeights(7).load(arch);
  ASSERT_TRUE(w.ok());
  EXPECT_NEAR(standard_deviation(w->embedding), 0.02, 0.002);
  EXPECT_NEAR(standard_deviation(w->layers[0].q_proj), 1.0 / std::sqrt(64.0), 0.01);
  // Residual-writing projections are scaled down by 1/sqrt(2 * layers) = 1/2.
  EXPECT_NEAR(standard_deviation(w->layers[0].down_proj), 1.0 / std::sqrt(128.0) / 2.0, 0.005);
  for (float v : w->layers[1].attn_norm) EXPECT_EQ(v, 1.0f);
  for (float v : w->final_norm) EXPECT_EQ(v, 1.0f);
  for (float v : w->layers[0].v_proj) ASSERT_TRUE(std::isfinite(v));
}

TEST(SyntheticWeights, RejectsUnsupportedArchitectures) {
  ModelArch encoder = testing::tiny_arch();
  encoder.encoder_layers = 2;
  EXPECT_FALSE(SyntheticWeights(1).load(encoder).ok());
  ModelArch ragged = testing::tiny_arch();
  ragged.kv_heads = 3;
  EXPECT_FALSE(SyntheticWeights(1).load(ragged).ok());
}

TEST(WeightShapes, MismatchIsReported) {
  Result<TransformerWeights> w = SyntheticWeights(1).load(testing::tiny_arch(2));
  ASSERT_TRUE(w.ok());
  w->layers[1].o_proj.pop_back();
  Status s = check_weight_shapes(*w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("layers[1].o_proj"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace specmap::runtime
