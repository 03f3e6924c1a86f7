#include "runtime/weights/weights.h"

#include <string>
#include <tuple>

#include "runtime/kernels/cpu/dispatch.h"

namespace specmap::runtime {

namespace {

constexpr std::size_t kF32 = sizeof(float);

std::size_t layer_parameters(const LayerWeights& l) {
  return l.attn_norm.size() + l.q_proj.elements() + l.k_proj.elements() + l.v_proj.elements() +
         l.o_proj.elements() + l.mlp_norm.size() + l.gate_proj.elements() + l.up_proj.elements() +
         l.down_proj.elements() + l.q_bias.size() + l.k_bias.size() + l.v_bias.size();
}

std::size_t layer_bytes(const LayerWeights& l) {
  return (l.attn_norm.size() + l.mlp_norm.size() + l.q_bias.size() + l.k_bias.size() + l.v_bias.size()) *
             kF32 +
         l.q_proj.bytes.size() + l.k_proj.bytes.size() + l.v_proj.bytes.size() + l.o_proj.bytes.size() +
         l.gate_proj.bytes.size() + l.up_proj.bytes.size() + l.down_proj.bytes.size();
}

Status check_vector(const std::vector<float>& v, std::size_t expected, const std::string& name) {
  if (v.size() == expected) return {};
  return Error{"weight '" + name + "' has " + std::to_string(v.size()) + " values, expected " +
               std::to_string(expected)};
}

Status check_bias(const std::vector<float>& v, std::size_t width, const std::string& name) {
  if (v.empty()) return {};
  return check_vector(v, width, name);
}

Status check_tensor(const WeightTensor& t, std::size_t rows, std::size_t cols, const std::string& name) {
  const std::string type(tensor_type_name(t.type));
  if (t.rows != rows || t.cols != cols)
    return Error{"weight '" + name + "' is " + std::to_string(t.rows) + " x " + std::to_string(t.cols) +
                 ", expected " + std::to_string(rows) + " x " + std::to_string(cols)};
  if (!row_fits(t.type, cols))
    return Error{"weight '" + name + "': a " + type + " row of " + std::to_string(cols) +
                 " elements is not a whole number of blocks"};
  if (t.bytes.size() != rows * row_bytes(t.type, cols))
    return Error{"weight '" + name + "' (" + type + ") holds " + std::to_string(t.bytes.size()) +
                 " bytes, expected " + std::to_string(rows * row_bytes(t.type, cols))};
  return {};
}

}  // namespace

const WeightTensor& TransformerWeights::head_matrix() const {
  return arch.tied_embeddings ? embedding : lm_head;
}

std::size_t TransformerWeights::parameter_count() const {
  std::size_t total = embedding.elements() + final_norm.size() + lm_head.elements();
  for (const LayerWeights& layer : layers) total += layer_parameters(layer);
  return total;
}

Bytes TransformerWeights::bytes() const {
  std::size_t total = embedding.bytes.size() + final_norm.size() * kF32 + lm_head.bytes.size();
  for (const LayerWeights& layer : layers) total += layer_bytes(layer);
  return double(total);
}

Bytes TransformerWeights::matrix_bytes_per_step() const {
  std::size_t total = final_norm.size() * kF32 + head_matrix().bytes.size();
  for (const LayerWeights& layer : layers) total += layer_bytes(layer);
  return double(total);
}

Bytes TransformerWeights::bytes_read_per_token() const {
  const double embedding_row = embedding.rows > 0 ? double(embedding.row_stride()) : 0.0;
  return matrix_bytes_per_step() + embedding_row;
}

ModelArch normalized_arch(const ModelArch& arch) {
  ModelArch normalized = arch;
  if (normalized.head_dim <= 0 && normalized.heads > 0) normalized.head_dim = arch.d_model / arch.heads;
  return normalized;
}

Status check_weight_shapes(const TransformerWeights& weights) {
  const ModelArch& a = weights.arch;
  const auto d = static_cast<std::size_t>(a.d_model);
  const auto ff = static_cast<std::size_t>(a.d_ff);
  const auto q_width = static_cast<std::size_t>(a.heads * a.head_dim);
  const auto kv_width = static_cast<std::size_t>(a.kv_heads * a.head_dim);
  const auto vocab = static_cast<std::size_t>(a.vocab);
  if (weights.layers.size() != static_cast<std::size_t>(a.layers))
    return Error{"weights have " + std::to_string(weights.layers.size()) + " layers, the architecture " +
                 std::to_string(a.layers)};
  if (Status s = check_tensor(weights.embedding, vocab, d, "embedding"); !s) return s;
  if (Status s = check_vector(weights.final_norm, d, "final_norm"); !s) return s;
  if (a.tied_embeddings) {
    if (!weights.lm_head.empty() || !weights.lm_head.bytes.empty())
      return Error{"weight 'lm_head' is given but the head is tied to the embedding"};
  } else if (Status s = check_tensor(weights.lm_head, vocab, d, "lm_head"); !s) {
    return s;
  }
  for (std::size_t i = 0; i < weights.layers.size(); ++i) {
    const LayerWeights& l = weights.layers[i];
    const std::string p = "layers[" + std::to_string(i) + "].";
    const std::tuple<const WeightTensor*, std::size_t, std::size_t, const char*> tensors[] = {
        {&l.q_proj, q_width, d, "q_proj"},  {&l.k_proj, kv_width, d, "k_proj"},
        {&l.v_proj, kv_width, d, "v_proj"}, {&l.o_proj, d, q_width, "o_proj"},
        {&l.gate_proj, ff, d, "gate_proj"}, {&l.up_proj, ff, d, "up_proj"},
        {&l.down_proj, d, ff, "down_proj"}};
    for (const auto& [tensor, rows, cols, name] : tensors)
      if (Status s = check_tensor(*tensor, rows, cols, p + name); !s) return s;
    if (Status s = check_vector(l.attn_norm, d, p + "attn_norm"); !s) return s;
    if (Status s = check_vector(l.mlp_norm, d, p + "mlp_norm"); !s) return s;
    if (Status s = check_bias(l.q_bias, q_width, p + "q_bias"); !s) return s;
    if (Status s = check_bias(l.k_bias, kv_width, p + "k_bias"); !s) return s;
    if (Status s = check_bias(l.v_bias, kv_width, p + "v_bias"); !s) return s;
  }
  return {};
}

void pack_for_cpu(TransformerWeights& weights) {
  const kernels::RowsKernelSet& set = kernels::active_kernel_set();
  for (LayerWeights& l : weights.layers)
    for (WeightTensor* m :
         {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj})
      pack_for(set, *m);
  pack_for(set, weights.arch.tied_embeddings ? weights.embedding : weights.lm_head);
}

}  // namespace specmap::runtime
