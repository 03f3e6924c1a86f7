#include "runtime/executor/decoder_block.h"

#include <cassert>
#include <chrono>

#include "runtime/cpu/elementwise.h"
#include "runtime/cpu/linear.h"
#include "runtime/cpu/rms_norm.h"
#include "runtime/cpu/rotary.h"
#include "runtime/cpu/swiglu.h"

namespace specmap::runtime {

std::string_view block_op_name(BlockOp op) {
  static constexpr std::string_view kNames[kBlockOps] = {
      "attn_norm", "attn_q_proj", "attn_k_proj", "attn_v_proj", "attn_attention", "attn_o_proj", "attn_residual",
      "mlp_norm",  "gate_proj",   "up_proj",     "silu_mul",    "down_proj",      "mlp_residual"};
  return kNames[static_cast<std::size_t>(op)];
}

namespace {

// Charges the time since the previous lap to an op; does nothing without a target.
class OpLaps {
 public:
  explicit OpLaps(BlockOpTimes* times) : times_(times) {
    if (times_) last_ = Clock::now();
  }
  void operator()(BlockOp op) {
    if (!times_) return;
    const Clock::time_point now = Clock::now();
    times_->seconds[static_cast<std::size_t>(op)] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  BlockOpTimes* times_;
  Clock::time_point last_;
};

}  // namespace

void run_decoder_block(std::span<float> hidden, std::size_t first_position, const LayerWeights& weights,
                       const BlockShape& shape, std::span<const float> rotary_inverse_frequencies,
                       KvCache& cache, std::size_t layer, BlockScratch& scratch, ThreadPool& pool,
                       BlockOpTimes* op_times) {
  const std::size_t d = shape.d_model;
  const AttentionShape& attn = shape.attention;
  const std::size_t q_width = attn.heads * attn.head_dim;
  [[maybe_unused]] const std::size_t kv_width = attn.kv_heads * attn.head_dim;
  assert(hidden.size() % d == 0 && cache.positions(layer) == first_position && cache.kv_width() == kv_width);
  const std::size_t rows = hidden.size() / d;

  scratch.normed.resize(rows * d);
  scratch.q.resize(rows * q_width);
  scratch.attention.resize(rows * q_width);
  scratch.projected.resize(rows * d);

  OpLaps lap(op_times);
  rms_norm(hidden, weights.attn_norm, shape.norm_eps, scratch.normed, pool);
  lap(BlockOp::attn_norm);
  linear(scratch.normed, rows, weights.q_proj, scratch.q, pool);
  add_bias(scratch.q, weights.q_bias);
  lap(BlockOp::q_proj);
  // Keys and values go straight into the cache rows of the new positions.
  std::span<float> new_keys = cache.append_keys(layer, rows);
  std::span<float> new_values = cache.append_values(layer, rows);
  linear(scratch.normed, rows, weights.k_proj, new_keys, pool);
  add_bias(new_keys, weights.k_bias);
  lap(BlockOp::k_proj);
  linear(scratch.normed, rows, weights.v_proj, new_values, pool);
  add_bias(new_values, weights.v_bias);
  lap(BlockOp::v_proj);
  apply_rotary(scratch.q, attn.heads, new_keys, attn.kv_heads, attn.head_dim, first_position,
               rotary_inverse_frequencies, pool);
  causal_attention(scratch.q, first_position, cache.keys(layer), cache.values(layer), attn, scratch.attention,
                   pool);
  lap(BlockOp::attention);
  linear(scratch.attention, rows, weights.o_proj, scratch.projected, pool);
  lap(BlockOp::o_proj);
  add_in_place(hidden, scratch.projected, pool);
  lap(BlockOp::residual);

  rms_norm(hidden, weights.mlp_norm, shape.norm_eps, scratch.normed, pool);
  lap(BlockOp::mlp_norm);
  // swiglu_mlp's steps, one at a time so each op is timed.
  const std::size_t d_ff = shape.d_ff;
  scratch.mlp.gate.resize(rows * d_ff);
  scratch.mlp.up.resize(rows * d_ff);
  linear(scratch.normed, rows, weights.gate_proj, scratch.mlp.gate, pool);
  lap(BlockOp::gate_proj);
  linear(scratch.normed, rows, weights.up_proj, scratch.mlp.up, pool);
  lap(BlockOp::up_proj);
  silu_mul(scratch.mlp.gate, scratch.mlp.up, scratch.mlp.gate, pool);
  lap(BlockOp::silu_mul);
  linear(scratch.mlp.gate, rows, weights.down_proj, scratch.projected, pool);
  lap(BlockOp::down_proj);
  add_in_place(hidden, scratch.projected, pool);
  lap(BlockOp::mlp_residual);
}

}  // namespace specmap::runtime
