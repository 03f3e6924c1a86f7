#pragma once
// Deterministic random weights with real shapes, for running models whose checkpoints
// cannot be downloaded. Scaled like a freshly initialised model so activations stay
// finite over many layers:
//  - embedding and an untied LM head: std 0.02 (GPT-2 / Llama initialisation);
//  - projections: std 1/sqrt(fan_in), so each keeps its input's magnitude; o_proj and
//    down_proj, which write into the residual stream, additionally 1/sqrt(2 * layers)
//    (GPT-2's residual scaling) so the stream grows slowly with depth;
//  - norm weights: 1.
// Values are uniform with that std, drawn from std::mt19937_64 with the raw generator
// output turned into floats by our own arithmetic (std::*_distribution differs between
// standard libraries). Each tensor has its own stream derived from (seed, tensor index),
// so equal seeds give equal weights on every platform. Matrices are drawn row after row in
// their stored orientation [out_features x in_features] (weights.h).
//
// The values are made in f32 and then stored in the model's data type
// (tensor_type_of(arch.dtype): f16 / bf16 converted, int8 / int4 quantized to q8_0 / q4_0
// with the reference quantizers), one tensor at a time, so a quantized model never has an
// f32 copy. Norm weights stay f32.
#include <cstdint>
#include <optional>

#include "runtime/weights/weights.h"

namespace specmap::runtime {

class SyntheticWeights : public WeightSource {
 public:
  // `type` overrides the type the architecture's dtype names.
  explicit SyntheticWeights(std::uint64_t seed, std::optional<TensorType> type = std::nullopt)
      : seed_(seed), type_(type) {}
  // Fails for encoder-decoder architectures, non-positive or inconsistent sizes, and rows a
  // quantized type cannot hold (lengths not a multiple of 32).
  [[nodiscard]] Result<TransformerWeights> load(const ModelArch& arch) const override;

  static constexpr float kEmbeddingStd = 0.02f;

 private:
  std::uint64_t seed_;
  std::optional<TensorType> type_;
};

}  // namespace specmap::runtime
