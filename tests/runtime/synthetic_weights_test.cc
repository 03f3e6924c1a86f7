// Synthetic weights: real shapes, deterministic per seed, scaled like an initialised model.
#include "runtime/weights/synthetic_weights.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

double standard_deviation(const WeightTensor& tensor) {
  const std::vector<float> values = dequantize(tensor);
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
  EXPECT_EQ(w->embedding.rows, 256u);
  EXPECT_EQ(w->embedding.cols, 64u);
  EXPECT_EQ(w->lm_head.elements(), 256u * 64u);
  ASSERT_EQ(w->layers.size(), 2u);
  // [out_features x in_features], as GGUF stores projections.
  EXPECT_EQ(w->layers[0].q_proj.rows, 64u);  // 4 heads x 16
  EXPECT_EQ(w->layers[0].k_proj.rows, 32u);  // 2 KV heads x 16
  EXPECT_EQ(w->layers[0].k_proj.cols, 64u);
  EXPECT_EQ(w->layers[0].gate_proj.rows, 128u);
  EXPECT_EQ(w->layers[0].down_proj.rows, 64u);
  EXPECT_EQ(w->layers[0].down_proj.cols, 128u);
  EXPECT_EQ(w->layers[0].q_proj.type, TensorType::f32);
  EXPECT_TRUE(w->layers[0].q_bias.empty());
  // Parameter count of the same architecture as the cost model counts it.
  EXPECT_DOUBLE_EQ(double(w->parameter_count()), derive_model("tiny", arch).parameters());
}

TEST(SyntheticWeights, TiedHeadIsTheEmbeddingTable) {
  Result<TransformerWeights> w = SyntheticWeights(1).load(testing::tiny_arch(1, /*tied=*/true));
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->lm_head.empty());
  EXPECT_EQ(w->head_matrix().bytes.data(), w->embedding.bytes.data());
  EXPECT_DOUBLE_EQ(double(w->parameter_count()),
                   derive_model("tiny", testing::tiny_arch(1, true)).parameters());
}

TEST(SyntheticWeights, DeterministicPerSeedAndDifferentAcrossSeeds) {
  const ModelArch arch = testing::tiny_arch(2);
  Result<TransformerWeights> a = SyntheticWeights(42).load(arch);
  Result<TransformerWeights> b = SyntheticWeights(42).load(arch);
  Result<TransformerWeights> c = SyntheticWeights(43).load(arch);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(dequantize(a->embedding), dequantize(b->embedding));
  EXPECT_EQ(dequantize(a->layers[1].down_proj), dequantize(b->layers[1].down_proj));
  EXPECT_NE(dequantize(a->embedding), dequantize(c->embedding));
  EXPECT_NE(dequantize(a->layers[1].down_proj), dequantize(c->layers[1].down_proj));
  // Tensors are independent streams: two projections of one layer differ.
  EXPECT_NE(dequantize(a->layers[0].gate_proj), dequantize(a->layers[0].up_proj));
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
  for (float v : dequantize(w->layers[0].v_proj)) ASSERT_TRUE(std::isfinite(v));
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
  WeightTensor& o = w->layers[1].o_proj;
  o.bytes = o.bytes.first(o.bytes.size() - 4);  // one value short
  Status s = check_weight_shapes(*w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("layers[1].o_proj"), std::string::npos) << s.error().message;
  o.bytes = std::span<const std::byte>(o.bytes.data(), o.bytes.size() + 4);
  EXPECT_TRUE(check_weight_shapes(*w).ok());
  w->layers[1].down_proj.rows = 128;  // [d_ff x d_model] where [d_model x d_ff] is expected
  w->layers[1].down_proj.cols = 64;
  s = check_weight_shapes(*w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("layers[1].down_proj"), std::string::npos) << s.error().message;
  w->layers[0].q_bias.assign(10, 0.0f);  // a bias of the wrong width
  w->layers[1].down_proj.rows = 64;
  w->layers[1].down_proj.cols = 128;
  s = check_weight_shapes(*w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("layers[0].q_bias"), std::string::npos) << s.error().message;
}

TEST(SyntheticWeights, StoredInTheTypeTheModelsDtypeNames) {
  const ModelArch arch = testing::tiny_arch(1);
  Result<TransformerWeights> f32 = SyntheticWeights(3).load(arch);
  ASSERT_TRUE(f32.ok());
  const std::pair<DType, TensorType> cases[] = {{DType::f16, TensorType::f16},
                                                {DType::bf16, TensorType::bf16},
                                                {DType::int8, TensorType::q8_0},
                                                {DType::int4, TensorType::q4_0}};
  for (const auto& [dtype, type] : cases) {
    ModelArch typed = arch;
    typed.dtype = dtype;
    Result<TransformerWeights> w = SyntheticWeights(3).load(typed);
    ASSERT_TRUE(w.ok()) << w.error().format();
    EXPECT_TRUE(check_weight_shapes(*w).ok());
    EXPECT_EQ(w->embedding.type, type);
    EXPECT_EQ(w->layers[0].down_proj.type, type);
    EXPECT_EQ(w->layers[0].down_proj.bytes.size(), 64u * row_bytes(type, 128));
    // The same f32 values, converted: within the type's rounding of the f32 weights
    // (weights/quantize.h: q8_0 half a step of max|block| / 127 plus the scale's f16 rounding;
    // q4_0 a step of max|block| / 8 for an element clamped at +7 steps; f16 / bf16 relative).
    const std::vector<float> exact = dequantize(f32->layers[0].gate_proj);
    const std::vector<float> stored = dequantize(w->layers[0].gate_proj);
    double max_abs = 0, max_error = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
      max_abs = std::max(max_abs, std::fabs(double(exact[i])));
      max_error = std::max(max_error, std::fabs(double(exact[i]) - stored[i]));
    }
    const double bound = type == TensorType::q4_0   ? 1.0 / 8
                         : type == TensorType::q8_0 ? 1.0 / 254 + 1.0 / 2048
                         : type == TensorType::f16  ? 1.0 / 2048
                                                    : 1.0 / 256;
    EXPECT_LE(max_error, max_abs * bound * 1.01) << tensor_type_name(type);
    EXPECT_GT(max_error, 0.0) << tensor_type_name(type);
    // Bytes follow the stored type: parameters are the same, bytes shrink.
    EXPECT_EQ(w->parameter_count(), f32->parameter_count());
    EXPECT_LT(double(w->bytes()), double(f32->bytes()));
  }
  // A quantized row must be whole blocks: d_ff 100 does not divide into 32.
  ModelArch ragged = arch;
  ragged.dtype = DType::int8;
  ragged.d_ff = 100;
  EXPECT_FALSE(SyntheticWeights(3).load(ragged).ok());
}

TEST(SyntheticWeights, BytesCountEachTensorsStoredBytes) {
  ModelArch arch = testing::tiny_arch(2, /*tied=*/false);
  arch.dtype = DType::int8;
  Result<TransformerWeights> w = SyntheticWeights(3).load(arch);
  ASSERT_TRUE(w.ok());
  // q8_0: 34 bytes per 32 weights; norms f32.
  const double matrices = double(w->parameter_count() - 5 * 64);
  EXPECT_DOUBLE_EQ(double(w->bytes()), matrices / 32 * 34 + 5 * 64 * 4);
  EXPECT_DOUBLE_EQ(double(w->bytes_read_per_token()), double(w->bytes()) - 256 * 64 / 32 * 34 + 64 / 32 * 34);
}

}  // namespace
}  // namespace specmap::runtime
