#pragma once
// One Llama decoder block (pre-norm attention and SwiGLU MLP, each added to the residual
// stream), built from the CPU kernels; Qwen2's Q/K/V biases are added when the layer has
// them.
#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/units.h"

#include "runtime/cpu/attention.h"
#include "runtime/cpu/swiglu.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/executor/kv_cache.h"
#include "runtime/weights/weights.h"

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

// The ops of a block, in the order they run and as derive_model names them. Rotary
// embeddings run inside "attn_attention".
enum class BlockOp : std::size_t {
  attn_norm, q_proj, k_proj, v_proj, attention, o_proj, residual,
  mlp_norm, gate_proj, up_proj, silu_mul, down_proj, mlp_residual,
};
inline constexpr std::size_t kBlockOps = 13;
std::string_view block_op_name(BlockOp op);

// Seconds spent in each op, summed over the calls that were given it.
struct BlockOpTimes {
  std::array<Seconds, kBlockOps> seconds{};
};

// hidden[rows x d_model] += attention(norm(hidden)); hidden += mlp(norm(hidden)). The rows
// are positions first_position..; cache layer `layer` must hold exactly first_position
// positions and gains the new rows' keys and values.
void run_decoder_block(std::span<float> hidden, std::size_t first_position, const LayerWeights& weights,
                       const BlockShape& shape, std::span<const float> rotary_inverse_frequencies,
                       KvCache& cache, std::size_t layer, BlockScratch& scratch, ThreadPool& pool,
                       BlockOpTimes* op_times = nullptr);

}  // namespace specmap::runtime
