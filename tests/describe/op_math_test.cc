// Op FLOPs/bytes against values worked out by hand from the formulas in docs/formats.md.
#include <gtest/gtest.h>

#include "describe/model.h"

namespace specmap {
namespace {

Op small_matmul() {
  Op op;
  op.name = "proj";
  op.kind = OpKind::matmul;
  op.dtype = DType::int8;
  op.in_features = 4;
  op.out_features = 5;
  return op;
}

Op small_attention() {
  Op op;
  op.name = "attention";
  op.kind = OpKind::attention;
  op.heads = 2;
  op.kv_heads = 1;
  op.head_dim = 4;
  op.kv_dtype = DType::f32;
  return op;
}

TEST(OpMath, MatmulCountsMultiplyAddsAndWeightsOnce) {
  Op op = small_matmul();
  // 3 tokens x 4 inputs x 5 outputs, one multiply and one add each.
  EXPECT_DOUBLE_EQ(op_flops(op, 3, 0), 120.0);
  // int8 weights 4*5*1 = 20 bytes, f32 activations in and out 3*(4+5)*4 = 108 bytes.
  EXPECT_DOUBLE_EQ(op_bytes(op, 3, 0), 128.0);
  EXPECT_DOUBLE_EQ(op_weight_bytes(op), 20.0);
  EXPECT_DOUBLE_EQ(op_kv_bytes_per_token(op), 0.0);
}

TEST(OpMath, AttentionIsCausalOverContextAndNewTokens) {
  Op op = small_attention();
  // Two new tokens after three cached ones attend to 4 and 5 positions: 9 in total.
  // Scores + weighted sum: 4 * heads(2) * head_dim(4) * 9 = 288; softmax 5 * 2 * 9 = 90.
  EXPECT_DOUBLE_EQ(op_flops(op, 2, 3), 378.0);
  // One token's K and V: 2 * 1 kv head * 4 * 4 bytes = 32. Read 5 tokens (160), write 2 (64),
  // queries in and outputs out: 2 * 2 * 4 * 4 * 2 = 128.
  EXPECT_DOUBLE_EQ(op_bytes(op, 2, 3), 352.0);
  EXPECT_DOUBLE_EQ(op_kv_bytes_per_token(op), 32.0);
  EXPECT_DOUBLE_EQ(op_weight_bytes(op), 0.0);
}

TEST(OpMath, AttentionWithoutCacheIsATriangle) {
  Op op = small_attention();
  // A forward pass over 3 tokens: 1 + 2 + 3 = 6 positions, (32 + 10) FLOPs each.
  EXPECT_DOUBLE_EQ(op_flops(op, 3, 0), 6 * 42.0);
}

TEST(OpMath, VectorOpsAndEmbedding) {
  Op norm;
  norm.kind = OpKind::norm;
  norm.width = 8;
  norm.flops_per_element = 4;
  EXPECT_DOUBLE_EQ(op_flops(norm, 2, 0), 64.0);
  EXPECT_DOUBLE_EQ(op_bytes(norm, 2, 0), 2 * 8 * 4 * 2 + 8 * 4);
  EXPECT_DOUBLE_EQ(op_weight_bytes(norm), 32.0);

  Op add;
  add.kind = OpKind::elementwise;
  add.width = 8;
  add.flops_per_element = 1;
  EXPECT_DOUBLE_EQ(op_flops(add, 2, 7), 16.0);  // context does not matter
  EXPECT_DOUBLE_EQ(op_bytes(add, 2, 7), 2 * 8 * 4 * 3);

  Op table;
  table.kind = OpKind::embedding;
  table.dtype = DType::f16;
  table.width = 8;
  table.vocab = 10;
  EXPECT_DOUBLE_EQ(op_flops(table, 2, 0), 0.0);
  EXPECT_DOUBLE_EQ(op_bytes(table, 2, 0), 2 * 8 * 2 + 2 * 8 * 4);  // rows gathered + f32 out
  EXPECT_DOUBLE_EQ(op_weight_bytes(table), 10 * 8 * 2);
}

TEST(OpMath, ProfileKeysAreStableAndSlashFree) {
  Op mm = small_matmul();
  mm.in_features = 2048;
  mm.out_features = 8192;
  mm.dtype = DType::f32;
  EXPECT_EQ(op_profile_key(mm), "matmul.2048x8192.f32");
  Op attn = small_attention();
  attn.heads = 32;
  attn.kv_heads = 8;
  attn.head_dim = 64;
  EXPECT_EQ(op_profile_key(attn), "attention.h32kv8d64.f32");
  Op norm;
  norm.kind = OpKind::norm;
  norm.width = 2048;
  EXPECT_EQ(op_profile_key(norm), "norm.2048.f32");
  Op ew;
  ew.kind = OpKind::elementwise;
  ew.width = 2048;
  EXPECT_EQ(op_profile_key(ew), "elementwise.2048.f32");
  Op emb;
  emb.kind = OpKind::embedding;
  emb.vocab = 128256;
  emb.width = 2048;
  EXPECT_EQ(op_profile_key(emb), "embedding.128256x2048.f32");
}

}  // namespace
}  // namespace specmap
