#pragma once
// One Llama decoder block (pre-norm attention and SwiGLU MLP, each added to the residual
// stream), built from the CPU kernels.
#include <cstddef>
#include <span>
#include <vector>

#include "runtime/cpu/attention.h"
#include "runtime/cpu/swiglu.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/kv_cache.h"
#include "runtime/weights.h"

namespace specmap::runtime {

struct BlockShape {
  std::size_t d_model = 0;
  std::size_t d_ff = 0;
  AttentionShape attention;
  float norm_eps = 1e-5f;
};

// Buffers reused across blocks and calls.
struct BlockScratch {
  std::vector<float> normed;
  std::vector<float> q;
  std::vector<float> attention;
  std::vector<float> projected;
  MlpScratch mlp;
};

// hidden[rows x d_model] += attention(norm(hidden)); hidden += mlp(norm(hidden)). The rows
// are positions first_position..; cache layer `layer` must hold exactly first_position
// positions and gains the new rows' keys and values.
void run_decoder_block(std::span<float> hidden, std::size_t first_position, const LayerWeights& weights,
                       const BlockShape& shape, std::span<const float> rotary_inverse_frequencies,
                       KvCache& cache, std::size_t layer, BlockScratch& scratch, ThreadPool& pool);

}  // namespace specmap::runtime
