#pragma once
// Rotary position embeddings in the Hugging Face Llama layout ("rotate_half"): within a
// head, dimension i < head_dim/2 is rotated together with dimension i + head_dim/2 by the
// angle position * theta^(-2i/head_dim). Hugging Face checkpoints permute q/k weights
// to this layout, so it is the one real weights will arrive in.
#include <cstddef>
#include <span>
#include <vector>

#include "runtime/cpu/thread_pool.h"

namespace specmap::runtime {

// theta^(-2i/head_dim) for i in [0, head_dim/2).
std::vector<float> rotary_inverse_frequencies(std::size_t head_dim, double theta);

// Rotates x[rows x heads*head_dim] in place; row r is at position first_position + r.
void apply_rotary(std::span<float> x, std::size_t heads, std::size_t head_dim, std::size_t first_position,
                  std::span<const float> inverse_frequencies, ThreadPool& pool);

// The queries q[rows x heads*head_dim] and keys k[rows x kv_heads*head_dim] of the same rows
// rotated in place with the same angles. Each position's angles (a sin and a cos in double
// per angle, most of the cost at a few rows) are computed once per thread and frequency set
// and reused by every later call: all layers of a step rotate the same positions.
void apply_rotary(std::span<float> q, std::size_t heads, std::span<float> k, std::size_t kv_heads,
                  std::size_t head_dim, std::size_t first_position,
                  std::span<const float> inverse_frequencies, ThreadPool& pool);

}  // namespace specmap::runtime
