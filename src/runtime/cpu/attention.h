#pragma once
// Grouped-query causal attention over a KV cache: query head h reads KV head
// h / (heads / kv_heads), and the query at position p sees keys 0..p.
#include <cstddef>
#include <span>

#include "runtime/cpu/thread_pool.h"

namespace specmap::runtime {

struct AttentionShape {
  std::size_t heads = 0;
  std::size_t kv_heads = 0;  // divides heads
  std::size_t head_dim = 0;
};

// KV head a query head reads.
inline std::size_t kv_head_of(std::size_t head, const AttentionShape& shape) {
  return head / (shape.heads / shape.kv_heads);
}

// q, out: [rows x heads*head_dim]; query row r sits at position first_position + r.
// keys, values: [positions x kv_heads*head_dim], row t = position t, holding at least
// first_position + rows rows (the cache with the new rows already written).
// softmax(q.k / sqrt(head_dim)) over the visible keys, times the values.
void causal_attention(std::span<const float> q, std::size_t first_position, std::span<const float> keys,
                      std::span<const float> values, const AttentionShape& shape, std::span<float> out,
                      ThreadPool& pool);

}  // namespace specmap::runtime
