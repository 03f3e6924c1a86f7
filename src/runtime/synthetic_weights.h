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
// so equal seeds give equal weights on every platform.
#include <cstdint>

#include "runtime/weights.h"

namespace specmap::runtime {

class SyntheticWeights : public WeightSource {
 public:
  explicit SyntheticWeights(std::uint64_t seed) : seed_(seed) {}
  // Fails for encoder-decoder architectures and non-positive or inconsistent sizes.
  [[nodiscard]] Result<TransformerWeights> load(const ModelArch& arch) const override;

  static constexpr float kEmbeddingStd = 0.02f;

 private:
  std::uint64_t seed_;
};

}  // namespace specmap::runtime
