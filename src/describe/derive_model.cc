// Subgraphs of a Llama-style decoder (optionally with an encoder) from hyperparameters.
#include <string>

#include "describe/model.h"

namespace specmap {

namespace {

// FLOPs per value: RMSNorm squares, sums, takes the root and scales (~4); SiLU(gate) * up is
// a sigmoid plus two multiplies (~5); sampling is a softmax/argmax pass over the logits (~3).
constexpr double kNormFlopsPerElement = 4.0;
constexpr double kResidualFlopsPerElement = 1.0;
constexpr double kSiluMulFlopsPerElement = 5.0;
constexpr double kSampleFlopsPerElement = 3.0;
constexpr double kActivationBytes = 4.0;

Op matmul(const std::string& name, std::int64_t in, std::int64_t out, DType dtype) {
  Op op;
  op.name = name;
  op.kind = OpKind::matmul;
  op.dtype = dtype;
  op.in_features = in;
  op.out_features = out;
  return op;
}

Op vector_op(const std::string& name, OpKind kind, std::int64_t width, double flops_per_element) {
  Op op;
  op.name = name;
  op.kind = kind;
  op.dtype = DType::f32;
  op.width = width;
  op.flops_per_element = flops_per_element;
  return op;
}

Op attention(const std::string& name, const ModelArch& arch, std::int64_t head_dim) {
  Op op;
  op.name = name;
  op.kind = OpKind::attention;
  op.dtype = arch.kv_dtype;  // scores are computed over the cached K/V in their stored type
  op.heads = arch.heads;
  op.kv_heads = arch.kv_heads;
  op.head_dim = head_dim;
  op.kv_dtype = arch.kv_dtype;
  return op;
}

void add_attention(std::vector<Op>& ops, const std::string& prefix, const ModelArch& arch,
                   std::int64_t head_dim) {
  std::int64_t q_width = arch.heads * head_dim;
  std::int64_t kv_width = arch.kv_heads * head_dim;
  ops.push_back(vector_op(prefix + "norm", OpKind::norm, arch.d_model, kNormFlopsPerElement));
  ops.push_back(matmul(prefix + "q_proj", arch.d_model, q_width, arch.dtype));
  ops.push_back(matmul(prefix + "k_proj", arch.d_model, kv_width, arch.dtype));
  ops.push_back(matmul(prefix + "v_proj", arch.d_model, kv_width, arch.dtype));
  ops.push_back(attention(prefix + "attention", arch, head_dim));
  ops.push_back(matmul(prefix + "o_proj", q_width, arch.d_model, arch.dtype));
  ops.push_back(vector_op(prefix + "residual", OpKind::elementwise, arch.d_model, kResidualFlopsPerElement));
}

void add_mlp(std::vector<Op>& ops, const ModelArch& arch) {
  ops.push_back(vector_op("mlp_norm", OpKind::norm, arch.d_model, kNormFlopsPerElement));
  ops.push_back(matmul("gate_proj", arch.d_model, arch.d_ff, arch.dtype));
  ops.push_back(matmul("up_proj", arch.d_model, arch.d_ff, arch.dtype));
  ops.push_back(vector_op("silu_mul", OpKind::elementwise, arch.d_ff, kSiluMulFlopsPerElement));
  ops.push_back(matmul("down_proj", arch.d_ff, arch.d_model, arch.dtype));
  ops.push_back(vector_op("mlp_residual", OpKind::elementwise, arch.d_model, kResidualFlopsPerElement));
}

Subgraph block(const std::string& name, SubgraphKind kind, const ModelArch& arch, std::int64_t head_dim,
               bool cross_attention) {
  Subgraph subgraph;
  subgraph.name = name;
  subgraph.kind = kind;
  add_attention(subgraph.ops, "attn_", arch, head_dim);
  // Decoder blocks of encoder-decoder models also attend to the encoder's output.
  if (cross_attention) add_attention(subgraph.ops, "cross_", arch, head_dim);
  add_mlp(subgraph.ops, arch);
  subgraph.output_bytes_per_token = arch.d_model * kActivationBytes;
  return subgraph;
}

}  // namespace

std::string_view rope_style_name(RopeStyle style) { return style == RopeStyle::neox ? "neox" : "normal"; }

ModelGraph derive_model(const std::string& name, const ModelArch& arch_in) {
  ModelArch arch = arch_in;
  if (arch.head_dim <= 0 && arch.heads > 0) arch.head_dim = arch.d_model / arch.heads;
  const std::int64_t head_dim = arch.head_dim;

  ModelGraph model;
  model.name = name;
  model.dtype = arch.dtype;
  model.arch = arch;

  Subgraph embedding;
  embedding.name = "embedding";
  embedding.kind = SubgraphKind::embedding;
  Op table;
  table.name = "embed_tokens";
  table.kind = OpKind::embedding;
  table.dtype = arch.embedding_type();
  table.width = arch.d_model;
  table.vocab = arch.vocab;
  embedding.ops.push_back(table);
  embedding.output_bytes_per_token = arch.d_model * kActivationBytes;
  model.subgraphs.push_back(std::move(embedding));

  const bool encoder_decoder = arch.encoder_layers > 0;
  std::size_t previous = 0;
  for (std::int64_t i = 0; i < arch.encoder_layers; ++i) {
    model.subgraphs.push_back(
        block("encoder." + std::to_string(i), SubgraphKind::encoder_block, arch, head_dim, false));
    std::size_t current = model.subgraphs.size() - 1;
    model.edges.emplace_back(previous, current);
    previous = current;
  }
  const std::size_t last_encoder = previous;

  previous = 0;  // the decoder starts from the embedding in both model families
  for (std::int64_t i = 0; i < arch.layers; ++i) {
    model.subgraphs.push_back(
        block("block." + std::to_string(i), SubgraphKind::decoder_block, arch, head_dim, encoder_decoder));
    std::size_t current = model.subgraphs.size() - 1;
    model.edges.emplace_back(previous, current);
    if (encoder_decoder) model.edges.emplace_back(last_encoder, current);
    previous = current;
  }

  Subgraph head;
  head.name = "head";
  head.kind = SubgraphKind::head;
  head.ops.push_back(vector_op("final_norm", OpKind::norm, arch.d_model, kNormFlopsPerElement));
  head.ops.push_back(matmul("lm_head", arch.d_model, arch.vocab, arch.head_type()));
  // Sampling is costed where the head runs: a softmax/argmax pass over the logits.
  head.ops.push_back(vector_op("sample", OpKind::elementwise, arch.vocab, kSampleFlopsPerElement));
  head.output_bytes_per_token = arch.vocab * kActivationBytes;
  if (arch.tied_embeddings) head.shares_weights_with = 0;
  model.subgraphs.push_back(std::move(head));
  model.edges.emplace_back(previous, model.subgraphs.size() - 1);
  return model;
}

}  // namespace specmap
