#include "runtime/decoder_block.h"

#include <cassert>

#include "runtime/cpu/elementwise.h"
#include "runtime/cpu/linear.h"
#include "runtime/cpu/rms_norm.h"
#include "runtime/cpu/rotary.h"

namespace specmap::runtime {

void run_decoder_block(std::span<float> hidden, std::size_t first_position, const LayerWeights& weights,
                       const BlockShape& shape, std::span<const float> rotary_inverse_frequencies,
                       KvCache& cache, std::size_t layer, BlockScratch& scratch, ThreadPool& pool) {
  const std::size_t d = shape.d_model;
  const AttentionShape& attn = shape.attention;
  const std::size_t q_width = attn.heads * attn.head_dim;
  const std::size_t kv_width = attn.kv_heads * attn.head_dim;
  assert(hidden.size() % d == 0 && cache.positions(layer) == first_position && cache.kv_width() == kv_width);
  const std::size_t rows = hidden.size() / d;

  scratch.normed.resize(rows * d);
  scratch.q.resize(rows * q_width);
  scratch.attention.resize(rows * q_width);
  scratch.projected.resize(rows * d);

  rms_norm(hidden, weights.attn_norm, shape.norm_eps, scratch.normed, pool);
  linear(scratch.normed, rows, weights.q_proj, d, q_width, scratch.q);
  // Keys and values go straight into the cache rows of the new positions.
  std::span<float> new_keys = cache.append_keys(layer, rows);
  std::span<float> new_values = cache.append_values(layer, rows);
  linear(scratch.normed, rows, weights.k_proj, d, kv_width, new_keys);
  linear(scratch.normed, rows, weights.v_proj, d, kv_width, new_values);
  apply_rotary(scratch.q, attn.heads, attn.head_dim, first_position, rotary_inverse_frequencies, pool);
  apply_rotary(new_keys, attn.kv_heads, attn.head_dim, first_position, rotary_inverse_frequencies, pool);
  causal_attention(scratch.q, first_position, cache.keys(layer), cache.values(layer), attn, scratch.attention,
                   pool);
  linear(scratch.attention, rows, weights.o_proj, q_width, d, scratch.projected);
  add_in_place(hidden, scratch.projected, pool);

  rms_norm(hidden, weights.mlp_norm, shape.norm_eps, scratch.normed, pool);
  swiglu_mlp(scratch.normed, rows, MlpWeights{weights.gate_proj, weights.up_proj, weights.down_proj}, d,
             shape.d_ff, scratch.mlp, scratch.projected, pool);
  add_in_place(hidden, scratch.projected, pool);
}

}  // namespace specmap::runtime
