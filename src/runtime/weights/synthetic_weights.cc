#include "runtime/weights/synthetic_weights.h"

#include <cmath>
#include <random>
#include <string>

#include "core/splitmix64.h"

namespace specmap::runtime {

namespace {

class TensorFiller {
 public:
  explicit TensorFiller(std::uint64_t seed) : seed_(seed) {}

  // `count` values uniform in [-a, a] with a = std * sqrt(3), i.e. standard deviation `std`.
  std::vector<float> random(std::size_t count, double std) {
    std::mt19937_64 engine(splitmix64(seed_ ^ splitmix64(next_tensor_++)));
    const float bound = static_cast<float>(std * std::sqrt(3.0));
    constexpr float kUnit = 1.0f / 16777216.0f;  // 2^-24: 24 random bits fill a float mantissa
    std::vector<float> values(count);
    std::size_t i = 0;
    while (i < count) {
      const std::uint64_t bits = engine();
      for (int half = 0; half < 2 && i < count; ++half, ++i) {
        const auto u = static_cast<float>((bits >> (half * 32 + 8)) & 0xffffffULL) * kUnit;  // [0, 1)
        values[i] = (2.0f * u - 1.0f) * bound;
      }
    }
    return values;
  }

  std::vector<float> ones(std::size_t count) {
    ++next_tensor_;  // keeps later tensors' streams independent of which tensors are constant
    return std::vector<float>(count, 1.0f);
  }

  // A [rows x cols] matrix of random(rows * cols, std) stored in `type`.
  WeightTensor matrix(std::size_t rows, std::size_t cols, double std, TensorType type) {
    return WeightTensor::convert(random(rows * cols, std), rows, cols, type);
  }

 private:
  std::uint64_t seed_;
  std::uint64_t next_tensor_ = 0;
};

}  // namespace

Result<TransformerWeights> SyntheticWeights::load(const ModelArch& arch_in) const {
  const ModelArch arch = normalized_arch(arch_in);
  if (arch.encoder_layers > 0) return Error{"synthetic weights: encoder-decoder models are not supported"};
  if (arch.layers <= 0 || arch.d_model <= 0 || arch.d_ff <= 0 || arch.heads <= 0 || arch.kv_heads <= 0 ||
      arch.head_dim <= 0 || arch.vocab <= 0)
    return Error{"synthetic weights: every size in the architecture must be positive"};
  if (arch.heads % arch.kv_heads != 0)
    return Error{"synthetic weights: heads must be a multiple of kv_heads"};
  const TensorType type = type_.value_or(tensor_type_of(arch.dtype));
  for (std::int64_t cols : {arch.d_model, arch.heads * arch.head_dim, arch.d_ff})
    if (!row_fits(type, static_cast<std::size_t>(cols)))
      return Error{"synthetic weights: " + std::string(tensor_type_name(type)) + " rows hold blocks of " +
                   std::to_string(block_elements(type)) + " values; a row of " + std::to_string(cols) +
                   " does not divide into them"};

  const auto d = static_cast<std::size_t>(arch.d_model);
  const auto ff = static_cast<std::size_t>(arch.d_ff);
  const auto q_width = static_cast<std::size_t>(arch.heads * arch.head_dim);
  const auto kv_width = static_cast<std::size_t>(arch.kv_heads * arch.head_dim);
  const auto vocab = static_cast<std::size_t>(arch.vocab);
  const double residual_scale = 1.0 / std::sqrt(2.0 * double(arch.layers));
  auto fan_in_std = [](std::size_t fan_in) { return 1.0 / std::sqrt(double(fan_in)); };

  TensorFiller fill(seed_);
  TransformerWeights weights;
  weights.arch = arch;
  weights.embedding = fill.matrix(vocab, d, kEmbeddingStd, type);
  weights.layers.resize(static_cast<std::size_t>(arch.layers));
  for (LayerWeights& layer : weights.layers) {
    layer.attn_norm = fill.ones(d);
    layer.q_proj = fill.matrix(q_width, d, fan_in_std(d), type);
    layer.k_proj = fill.matrix(kv_width, d, fan_in_std(d), type);
    layer.v_proj = fill.matrix(kv_width, d, fan_in_std(d), type);
    layer.o_proj = fill.matrix(d, q_width, fan_in_std(q_width) * residual_scale, type);
    layer.mlp_norm = fill.ones(d);
    layer.gate_proj = fill.matrix(ff, d, fan_in_std(d), type);
    layer.up_proj = fill.matrix(ff, d, fan_in_std(d), type);
    layer.down_proj = fill.matrix(d, ff, fan_in_std(ff) * residual_scale, type);
  }
  weights.final_norm = fill.ones(d);
  if (!arch.tied_embeddings) weights.lm_head = fill.matrix(vocab, d, kEmbeddingStd, type);
  pack_for_cpu(weights);
  return weights;
}

}  // namespace specmap::runtime
