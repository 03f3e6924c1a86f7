// Subgraphs derived from hyperparameters, checked against the public Llama 3.2 sizes.
#include <gtest/gtest.h>

#include <set>

#include "describe/model.h"
#include "describe/model_weights.h"

namespace specmap {
namespace {

ModelArch llama_1b() {
  ModelArch arch;
  arch.layers = 16;
  arch.d_model = 2048;
  arch.d_ff = 8192;
  arch.heads = 32;
  arch.kv_heads = 8;
  arch.vocab = 128256;
  arch.tied_embeddings = true;
  return arch;
}

ModelArch llama_3b() {
  ModelArch arch = llama_1b();
  arch.layers = 28;
  arch.d_model = 3072;
  arch.heads = 24;
  return arch;
}

const Op& find_op(const Subgraph& subgraph, const std::string& name) {
  for (const Op& op : subgraph.ops)
    if (op.name == name) return op;
  throw std::runtime_error("no op " + name);
}

TEST(DeriveModel, Llama1bHasEmbeddingBlocksAndHeadInOrder) {
  ModelGraph model = derive_model("llama-3.2-1b", llama_1b());
  ASSERT_EQ(model.subgraphs.size(), 18u);
  EXPECT_EQ(model.subgraphs.front().name, "embedding");
  EXPECT_EQ(model.subgraphs[1].name, "block.0");
  EXPECT_EQ(model.subgraphs[16].name, "block.15");
  EXPECT_EQ(model.subgraphs.back().name, "head");
  EXPECT_EQ(model.subgraphs.back().kind, SubgraphKind::head);
  ASSERT_EQ(model.edges.size(), 17u);
  for (std::size_t i = 0; i < model.edges.size(); ++i) EXPECT_EQ(model.edges[i], std::make_pair(i, i + 1));
  EXPECT_EQ(model.subgraph_index("block.3"), std::optional<std::size_t>(4));
  EXPECT_FALSE(model.subgraph_index("block.16"));
}

TEST(DeriveModel, BlockShapesFollowGroupedQueryAttention) {
  ModelGraph model = derive_model("llama-3.2-1b", llama_1b());
  const Subgraph& block = model.subgraphs[1];
  EXPECT_EQ(find_op(block, "attn_q_proj").out_features, 2048);  // 32 heads x 64
  EXPECT_EQ(find_op(block, "attn_k_proj").out_features, 512);   // 8 KV heads x 64
  EXPECT_EQ(find_op(block, "attn_v_proj").out_features, 512);
  EXPECT_EQ(find_op(block, "gate_proj").out_features, 8192);
  EXPECT_EQ(find_op(block, "down_proj").in_features, 8192);
  const Op& attention = find_op(block, "attn_attention");
  EXPECT_EQ(attention.head_dim, 64);
  EXPECT_EQ(attention.kv_heads, 8);
  EXPECT_DOUBLE_EQ(block.output_bytes_per_token, 2048 * 4);
  EXPECT_DOUBLE_EQ(model.subgraphs.back().output_bytes_per_token, 128256 * 4);
  // K and V of 8 heads x 64 in f32 per layer per token.
  EXPECT_DOUBLE_EQ(model.kv_bytes_per_token(), 16 * 2 * 8 * 64 * 4);
}

TEST(DeriveModel, ParameterCountsMatchPublishedSizes) {
  // Meta lists 1.23B and 3.21B parameters with tied embeddings.
  ModelGraph small = derive_model("llama-3.2-1b", llama_1b());
  EXPECT_NEAR(small.parameters(), 1.236e9, 0.002e9);
  ModelGraph large = derive_model("llama-3.2-3b", llama_3b());
  EXPECT_NEAR(large.parameters(), 3.213e9, 0.002e9);
  EXPECT_DOUBLE_EQ(small.weight_bytes(), small.parameters() * 4);  // all f32
}

TEST(DeriveModel, TiedHeadSharesTheEmbeddingTable) {
  ModelGraph model = derive_model("llama-3.2-1b", llama_1b());
  ASSERT_TRUE(model.subgraphs.back().shares_weights_with);
  EXPECT_EQ(*model.subgraphs.back().shares_weights_with, 0u);
  std::size_t head = model.subgraphs.size() - 1;
  EXPECT_DOUBLE_EQ(subgraph_shared_weight_bytes(model, head), 128256.0 * 2048 * 4);
  EXPECT_DOUBLE_EQ(subgraph_own_weight_bytes(model, head), 2048 * 4);  // only the final norm

  ModelArch untied = llama_1b();
  untied.tied_embeddings = false;
  ModelGraph separate = derive_model("untied", untied);
  EXPECT_FALSE(separate.subgraphs.back().shares_weights_with);
  EXPECT_DOUBLE_EQ(separate.parameters() - model.parameters(), 128256.0 * 2048);
}

TEST(DeriveModel, QuantizedModelKeepsVectorOpsInF32) {
  ModelArch arch = llama_3b();
  arch.dtype = DType::int8;
  ModelGraph model = derive_model("llama-3.2-3b-w8a8", arch);
  EXPECT_EQ(model.dtype, DType::int8);
  const Subgraph& block = model.subgraphs[1];
  EXPECT_EQ(find_op(block, "gate_proj").dtype, DType::int8);
  EXPECT_EQ(find_op(block, "mlp_norm").dtype, DType::f32);
  EXPECT_EQ(find_op(block, "silu_mul").dtype, DType::f32);
  EXPECT_EQ(find_op(model.subgraphs.back(), "lm_head").dtype, DType::int8);
  EXPECT_EQ(model.subgraphs.front().ops.front().dtype, DType::int8);
}

TEST(DeriveModel, EncoderDecoderFeedsTheLastEncoderToEveryDecoderBlock) {
  ModelArch arch = llama_1b();
  arch.layers = 3;
  arch.encoder_layers = 2;
  ModelGraph model = derive_model("seq2seq", arch);
  ASSERT_EQ(model.subgraphs.size(), 7u);  // embedding, 2 encoders, 3 decoders, head
  EXPECT_EQ(model.subgraphs[1].name, "encoder.0");
  EXPECT_EQ(model.subgraphs[2].kind, SubgraphKind::encoder_block);
  EXPECT_EQ(model.subgraphs[3].name, "block.0");
  std::set<std::pair<std::size_t, std::size_t>> edges(model.edges.begin(), model.edges.end());
  EXPECT_TRUE(edges.count({0, 1}));
  EXPECT_TRUE(edges.count({1, 2}));
  EXPECT_TRUE(edges.count({0, 3}));
  for (std::size_t decoder : {3u, 4u, 5u}) EXPECT_TRUE(edges.count({2, decoder})) << decoder;
  EXPECT_TRUE(edges.count({5, 6}));
  for (const auto& [from, to] : model.edges) EXPECT_LT(from, to);  // topological order
}

}  // namespace
}  // namespace specmap
