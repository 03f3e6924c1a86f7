#pragma once
// The Llama MLP: down(silu(gate(x)) * up(x)).
#include <cstddef>
#include <span>
#include <vector>

#include "runtime/cpu/thread_pool.h"
#include "runtime/weights/weight_tensor.h"

namespace specmap::runtime {

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)). out may alias gate.
void silu_mul(std::span<const float> gate, std::span<const float> up, std::span<float> out, ThreadPool& pool);

struct MlpWeights {
  const WeightTensor& gate;  // [d_ff x d_model]
  const WeightTensor& up;    // [d_ff x d_model]
  const WeightTensor& down;  // [d_model x d_ff]
};

// Scratch the MLP reuses between calls instead of allocating.
struct MlpScratch {
  std::vector<float> gate;
  std::vector<float> up;
};

// out[rows x d_model] = down(silu(gate(x)) * up(x)) for x[rows x d_model].
void swiglu_mlp(std::span<const float> x, std::size_t rows, const MlpWeights& weights, MlpScratch& scratch,
                std::span<float> out, ThreadPool& pool);

}  // namespace specmap::runtime
