#pragma once
// An LLM as a DAG of subgraphs (embedding, decoder/encoder blocks, head), each a
// list of ops whose FLOPs and bytes are functions of new tokens and context.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/units.h"

namespace specmap {

enum class OpKind { matmul, attention, norm, elementwise, embedding };

struct Op {
  std::string name;  // e.g. "q_proj"
  OpKind kind = OpKind::matmul;
  DType dtype = DType::f32;  // weights / compute type
  // matmul: y[n x out_features] = x[n x in_features] * W[in_features x out_features]
  std::int64_t in_features = 0;
  std::int64_t out_features = 0;
  // attention (grouped-query): scores and weighted sum over the KV cache
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t head_dim = 0;
  DType kv_dtype = DType::f32;
  // norm / elementwise / embedding: values per token, FLOPs per value
  std::int64_t width = 0;
  double flops_per_element = 1;
  // embedding: rows in the table (vocabulary)
  std::int64_t vocab = 0;
};

// Work of one op for `new_tokens` tokens appended after `context` cached tokens.
// Without a KV cache a forward pass over S tokens is (new_tokens = S, context = 0).
Flops op_flops(const Op& op, Tokens new_tokens, Tokens context);
// Bytes moved to/from memory (weights once, activations, KV cache reads/writes).
Bytes op_bytes(const Op& op, Tokens new_tokens, Tokens context);
// Resident parameter bytes in the op's dtype.
Bytes op_weight_bytes(const Op& op);
// KV-cache bytes one token adds (attention ops only, else 0).
Bytes op_kv_bytes_per_token(const Op& op);
// Stable key matching per-op profile entries: "matmul.2048x8192.f32", "attention.h32kv8d64.f32" (no '/': it sits inside benchmark names), ...
std::string op_profile_key(const Op& op);
std::string_view op_kind_name(OpKind kind);

enum class SubgraphKind { embedding, decoder_block, encoder_block, head, custom };
std::string_view subgraph_kind_name(SubgraphKind kind);

struct Subgraph {
  std::string name;  // unique in the model, e.g. "block.3"
  SubgraphKind kind = SubgraphKind::custom;
  std::vector<Op> ops;
  Bytes output_bytes_per_token = 0;  // boundary tensor one token produces (activation or logits)
  // Index of a subgraph whose weights this one reuses (tied embeddings: head -> embedding);
  // on the same PU they are stored once.
  std::optional<std::size_t> shares_weights_with;
};

// How rotary embeddings pair a head's dimensions. neox: dimension i with i + head_dim/2
// (Hugging Face's rotate_half; GGUF `qwen2` files). normal: dimension 2i with 2i + 1 (ggml's
// default; GGUF `llama` files, whose converter permuted the q/k rows into this order).
enum class RopeStyle { neox, normal };
std::string_view rope_style_name(RopeStyle style);

// Architecture hyperparameters from which subgraphs are derived.
struct ModelArch {
  std::int64_t layers = 0;
  std::int64_t encoder_layers = 0;  // > 0 for encoder-decoder models
  std::int64_t d_model = 0;
  std::int64_t d_ff = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t head_dim = 0;  // default d_model / heads
  std::int64_t vocab = 0;
  DType dtype = DType::f32;  // the decoder blocks' matmuls, and every group not given below
  DType kv_dtype = DType::f32;
  bool tied_embeddings = false;
  // Per tensor group, when it differs from `dtype` (a q4_0 model often keeps a q8_0 or f16
  // embedding and LM head). A tied head is the embedding table and has its type.
  std::optional<DType> embedding_dtype;
  std::optional<DType> head_dtype;
  bool attention_bias = false;            // q/k/v projections add a bias (Qwen2)
  std::optional<double> rope_theta;       // rotary base; the runtime's default when absent
  std::optional<double> norm_eps;         // RMSNorm epsilon; the runtime's default when absent
  std::int64_t context_length = 0;        // trained context; 0 = not stated
  RopeStyle rope_style = RopeStyle::neox;

  [[nodiscard]] DType embedding_type() const { return embedding_dtype.value_or(dtype); }
  [[nodiscard]] DType head_type() const {
    return tied_embeddings ? embedding_type() : head_dtype.value_or(dtype);
  }
};

// The checkpoint a model's weights come from (`weights:` in the model YAML).
struct ModelWeightsFile {
  std::string file;         // as written in the YAML (relative to it, or absolute)
  std::string path;         // resolved against the YAML's folder
  std::string fingerprint;  // fnv1a64 of the file, 16 hex digits
};

struct ModelGraph {
  std::string name;
  std::string description;
  DType dtype = DType::f32;
  std::optional<ModelArch> arch;      // set when derived from hyperparameters
  std::optional<ModelWeightsFile> weights;  // real weights; seeded synthetic ones when absent
  std::vector<Subgraph> subgraphs;    // in a topological order of the DAG
  std::vector<std::pair<std::size_t, std::size_t>> edges;  // producer -> consumer
  std::string source_file;

  [[nodiscard]] Bytes weight_bytes() const;          // tied weights counted once
  [[nodiscard]] Bytes kv_bytes_per_token() const;
  [[nodiscard]] double parameters() const;           // parameter count
  [[nodiscard]] std::optional<std::size_t> subgraph_index(const std::string& name) const;
};

// Subgraphs and ops of a Llama-family (or encoder-decoder) model from its hyperparameters.
ModelGraph derive_model(const std::string& name, const ModelArch& arch);

}  // namespace specmap
