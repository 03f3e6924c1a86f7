#pragma once
// Weights of a Llama-family (or Qwen2) decoder, each matrix in its stored type.
//
// Layout contract (GGUF readers, the CPU kernels and the OpenCL runner rely on it):
//  - every matrix is a WeightTensor stored as GGUF / ggml store it: [rows = out_features x
//    cols = in_features] row-major, each row contiguous in its type (q8_0 / q4_0 rows are
//    blocks of 32 along the row), and a projection computes y = x * W^T;
//  - the embedding table is [vocab x d_model] in the same form, and a tied LM head reuses
//    it as is (logit v = hidden . row v);
//  - norm weights are f32 vectors of d_model;
//  - optional Qwen2 biases per layer (q_bias, k_bias, v_bias): empty, or f32 vectors of the
//    projection's out_features, added to its output (y += b) in the decoder block.
// Tensors may be views into a memory-mapped file (WeightTensor::owner keeps it mapped);
// nothing here copies a matrix, except the CPU kernels' packed copies (pack_for_cpu).
#include <cstddef>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "describe/model.h"
#include "runtime/weights/weight_tensor.h"

namespace specmap::runtime {

struct LayerWeights {
  std::vector<float> attn_norm;  // [d_model]
  WeightTensor q_proj;           // [heads*head_dim x d_model]
  WeightTensor k_proj;           // [kv_heads*head_dim x d_model]
  WeightTensor v_proj;           // [kv_heads*head_dim x d_model]
  WeightTensor o_proj;           // [d_model x heads*head_dim]
  std::vector<float> mlp_norm;   // [d_model]
  WeightTensor gate_proj;        // [d_ff x d_model]
  WeightTensor up_proj;          // [d_ff x d_model]
  WeightTensor down_proj;        // [d_model x d_ff]
  std::vector<float> q_bias;     // empty or [heads*head_dim]
  std::vector<float> k_bias;     // empty or [kv_heads*head_dim]
  std::vector<float> v_bias;     // empty or [kv_heads*head_dim]
};

struct TransformerWeights {
  ModelArch arch;          // head_dim filled in
  WeightTensor embedding;  // [vocab x d_model]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;  // [d_model]
  WeightTensor lm_head;           // [vocab x d_model]; empty when arch.tied_embeddings

  // The LM head matrix [vocab x d_model]: lm_head, or the embedding table when tied.
  [[nodiscard]] const WeightTensor& head_matrix() const;
  [[nodiscard]] std::size_t parameter_count() const;  // tied matrix counted once
  // Bytes of every tensor in its stored type (blocks' scales included), tied matrix once.
  [[nodiscard]] Bytes bytes() const;
  // Weight bytes one decode step streams from memory: every layer, the final norm and the
  // LM head, plus one embedding row (the table itself only when it is the tied head).
  [[nodiscard]] Bytes bytes_read_per_token() const;
  // The same for one step of any number of rows that streams each weight once: every
  // layer, the final norm and the head, without the embedding rows.
  [[nodiscard]] Bytes matrix_bytes_per_step() const;
};

// ModelArch with head_dim defaulted to d_model / heads.
ModelArch normalized_arch(const ModelArch& arch);
// Ok when every tensor has the shape `weights.arch` implies, a byte size that matches its
// type, and rows whole blocks of its type.
Status check_weight_shapes(const TransformerWeights& weights);

// Every matrix the CPU kernels multiply with (the layers' projections and the head
// matrix: the embedding table when tied) given the packed copy of the kernel set linear()
// runs (kernels/cpu/dispatch.h), once, when a model is loaded: the stored bytes stay beside
// it for the OpenCL upload, the embedding lookup and OpenBLAS. Nothing when that set keeps
// the stored layout for the weights' type.
void pack_for_cpu(TransformerWeights& weights);

// Where weights come from: synthetic or a checkpoint reader.
class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // Weights for a decoder-only model of this architecture.
  [[nodiscard]] virtual Result<TransformerWeights> load(const ModelArch& arch) const = 0;
};

}  // namespace specmap::runtime
