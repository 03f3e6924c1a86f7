#pragma once
// Weights of a Llama-family decoder in f32. Every projection is W[in_features x
// out_features] row-major, y = x * W, as the cost model's Op describes it (and the layout
// OpenBLAS streams fastest here, see cpu/linear.h); PyTorch checkpoints store the
// transpose and are transposed once when loaded. The embedding table is [vocab x d_model];
// a tied LM head reuses it as is.
#include <cstddef>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "describe/model.h"

namespace specmap::runtime {

struct LayerWeights {
  std::vector<float> attn_norm;  // [d_model]
  std::vector<float> q_proj;     // [d_model x heads*head_dim]
  std::vector<float> k_proj;     // [d_model x kv_heads*head_dim]
  std::vector<float> v_proj;     // [d_model x kv_heads*head_dim]
  std::vector<float> o_proj;     // [heads*head_dim x d_model]
  std::vector<float> mlp_norm;   // [d_model]
  std::vector<float> gate_proj;  // [d_model x d_ff]
  std::vector<float> up_proj;    // [d_model x d_ff]
  std::vector<float> down_proj;  // [d_ff x d_model]
};

struct TransformerWeights {
  ModelArch arch;                // head_dim filled in
  std::vector<float> embedding;  // [vocab x d_model]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;  // [d_model]
  std::vector<float> lm_head;     // [d_model x vocab]; empty when arch.tied_embeddings

  // The LM head matrix: lm_head [d_model x vocab], or when tied the embedding table
  // [vocab x d_model] (the transposed orientation).
  [[nodiscard]] std::span<const float> head_matrix() const;
  [[nodiscard]] std::size_t parameter_count() const;  // tied matrix counted once
  [[nodiscard]] Bytes bytes() const;                  // parameter_count() * 4
  // Weight bytes one decode step streams from memory: every layer, the final norm and the
  // LM head, plus one embedding row (the table itself only when it is the tied head).
  [[nodiscard]] Bytes bytes_read_per_token() const;
};

// ModelArch with head_dim defaulted to d_model / heads.
ModelArch normalized_arch(const ModelArch& arch);
// Ok when every tensor has the size `weights.arch` implies.
Status check_weight_shapes(const TransformerWeights& weights);

// Where weights come from: synthetic now, checkpoint readers later.
class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // Weights for a decoder-only model of this architecture.
  [[nodiscard]] virtual Result<TransformerWeights> load(const ModelArch& arch) const = 0;
};

}  // namespace specmap::runtime
