#include "runtime/weights.h"

#include <string>

namespace specmap::runtime {

namespace {

std::size_t layer_parameters(const LayerWeights& layer) {
  return layer.attn_norm.size() + layer.q_proj.size() + layer.k_proj.size() + layer.v_proj.size() +
         layer.o_proj.size() + layer.mlp_norm.size() + layer.gate_proj.size() + layer.up_proj.size() +
         layer.down_proj.size();
}

Status check_size(const std::vector<float>& tensor, std::size_t expected, const std::string& name) {
  if (tensor.size() == expected) return {};
  return Error{"weight '" + name + "' has " + std::to_string(tensor.size()) + " values, expected " +
               std::to_string(expected)};
}

}  // namespace

std::span<const float> TransformerWeights::head_matrix() const {
  return arch.tied_embeddings ? std::span<const float>(embedding) : std::span<const float>(lm_head);
}

std::size_t TransformerWeights::parameter_count() const {
  std::size_t total = embedding.size() + final_norm.size() + lm_head.size();
  for (const LayerWeights& layer : layers) total += layer_parameters(layer);
  return total;
}

Bytes TransformerWeights::bytes() const { return double(parameter_count()) * sizeof(float); }

Bytes TransformerWeights::bytes_read_per_token() const {
  std::size_t values = final_norm.size() + head_matrix().size() + static_cast<std::size_t>(arch.d_model);
  for (const LayerWeights& layer : layers) values += layer_parameters(layer);
  return double(values) * sizeof(float);
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
  if (Status s = check_size(weights.embedding, vocab * d, "embedding"); !s) return s;
  if (Status s = check_size(weights.final_norm, d, "final_norm"); !s) return s;
  if (Status s = check_size(weights.lm_head, a.tied_embeddings ? 0 : vocab * d, "lm_head"); !s) return s;
  for (std::size_t i = 0; i < weights.layers.size(); ++i) {
    const LayerWeights& l = weights.layers[i];
    const std::string p = "layers[" + std::to_string(i) + "].";
    const std::pair<const std::vector<float>*, std::pair<std::size_t, const char*>> tensors[] = {
        {&l.attn_norm, {d, "attn_norm"}},      {&l.q_proj, {q_width * d, "q_proj"}},
        {&l.k_proj, {kv_width * d, "k_proj"}}, {&l.v_proj, {kv_width * d, "v_proj"}},
        {&l.o_proj, {d * q_width, "o_proj"}},  {&l.mlp_norm, {d, "mlp_norm"}},
        {&l.gate_proj, {ff * d, "gate_proj"}}, {&l.up_proj, {ff * d, "up_proj"}},
        {&l.down_proj, {d * ff, "down_proj"}}};
    for (const auto& [tensor, expected] : tensors)
      if (Status s = check_size(*tensor, expected.first, p + expected.second); !s) return s;
  }
  return {};
}

}  // namespace specmap::runtime
