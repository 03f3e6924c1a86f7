#include "runtime/cpu/attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <vector>

namespace specmap::runtime {

namespace {
// Multiply-adds worth handing to another thread: below this a wake-up costs more.
constexpr std::size_t kMinWorkPerChunk = 32768;

// Sixteen floats as one value: the compiler maps it to the vector registers the function is
// compiled for (one AVX-512 register, two AVX ones, four SSE or NEON ones), so the loops below
// are vectorised without -ffast-math. Loads and stores go through memcpy (no alignment).
// Every function taking or returning one is internal and inlined: no ABI is involved.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float Lanes __attribute__((vector_size(64)));
constexpr std::size_t kLanes = 16;

inline Lanes load(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

// The x86-64 build runs the hot loop compiled for AVX-512 or AVX2 where the CPU has them
// (GCC/Clang function multiversioning, picked once at load time); elsewhere as compiled.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define SPECMAP_ATTENTION_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SPECMAP_ATTENTION_CLONES
#endif

// The queries of one KV head: every row r in [0, rows) and query head of its group. The keys
// are first copied transposed (keys_t[d * padded + t]), so a query's scores come kLanes
// positions at a time from vertical multiply-adds with no horizontal sums, and the copy is
// shared by all rows and heads of the group. Values are summed kLanes columns at a time,
// each held in a register across all positions.
SPECMAP_ATTENTION_CLONES
void attend_kv_head(const float* q, std::size_t rows, std::size_t first_position, const float* keys,
                    const float* values, const AttentionShape& shape, std::size_t kv_head, float* out,
                    std::vector<float>& keys_t, std::vector<float>& scores) {
  const std::size_t head_dim = shape.head_dim;
  const std::size_t q_width = shape.heads * head_dim;
  const std::size_t kv_width = shape.kv_heads * head_dim;
  const std::size_t group = shape.heads / shape.kv_heads;
  const std::size_t context = first_position + rows;
  const std::size_t padded = (context + kLanes - 1) / kLanes * kLanes;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  keys_t.assign(head_dim * padded, 0.0f);
  scores.resize(padded);
  const float* head_keys = keys + kv_head * head_dim;
  for (std::size_t t = 0; t < context; ++t)
    for (std::size_t d = 0; d < head_dim; ++d) keys_t[d * padded + t] = head_keys[t * kv_width + d];
  const float* head_values = values + kv_head * head_dim;

  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t h = kv_head * group; h < (kv_head + 1) * group; ++h) {
      const std::size_t visible = first_position + r + 1;
      const float* query = q + r * q_width + h * head_dim;
      for (std::size_t t = 0; t < visible; t += kLanes) {
        Lanes acc = {};
        for (std::size_t d = 0; d < head_dim; ++d) acc += query[d] * load(keys_t.data() + d * padded + t);
        store(scores.data() + t, acc * scale);
      }
      // Positions from `visible` on (the rest of the last group) are never read.
      float max_score = -INFINITY;
      for (std::size_t t = 0; t < visible; ++t) max_score = std::max(max_score, scores[t]);
      float sum = 0;
      for (std::size_t t = 0; t < visible; ++t) {
        scores[t] = std::exp(scores[t] - max_score);
        sum += scores[t];
      }
      const float inverse_sum = 1.0f / sum;
      for (std::size_t t = 0; t < visible; ++t) scores[t] *= inverse_sum;

      float* o = out + r * q_width + h * head_dim;
      std::size_t i = 0;
      for (; i + kLanes <= head_dim; i += kLanes) {
        Lanes acc = {};
        for (std::size_t t = 0; t < visible; ++t) acc += scores[t] * load(head_values + t * kv_width + i);
        store(o + i, acc);
      }
      for (; i < head_dim; ++i) {
        float acc = 0;
        for (std::size_t t = 0; t < visible; ++t) acc += scores[t] * head_values[t * kv_width + i];
        o[i] = acc;
      }
    }
}
#pragma GCC diagnostic pop

}  // namespace

void causal_attention(std::span<const float> q, std::size_t first_position, std::span<const float> keys,
                      std::span<const float> values, const AttentionShape& shape, std::span<float> out,
                      ThreadPool& pool) {
  const std::size_t head_dim = shape.head_dim;
  const std::size_t q_width = shape.heads * head_dim;
  [[maybe_unused]] const std::size_t kv_width = shape.kv_heads * head_dim;
  assert(shape.kv_heads > 0 && shape.heads % shape.kv_heads == 0 && q.size() % q_width == 0);
  const std::size_t rows = q.size() / q_width;
  const std::size_t context = first_position + rows;
  assert(keys.size() >= context * kv_width && values.size() >= context * kv_width);
  assert(out.size() >= q.size());
  if (rows == 0) return;

  // One item per KV head: its transposed keys serve all of its queries.
  const std::size_t group = shape.heads / shape.kv_heads;
  const std::size_t work_per_item = std::max<std::size_t>(rows * group * context * head_dim, 1);
  const std::size_t min_items = std::max<std::size_t>(kMinWorkPerChunk / work_per_item, 1);
  pool.parallel_for(shape.kv_heads, min_items, [&](std::size_t begin, std::size_t end) {
    // Per thread, reused across calls: no allocation per step once they have grown.
    thread_local std::vector<float> keys_t, scores;
    for (std::size_t kv_head = begin; kv_head < end; ++kv_head)
      attend_kv_head(q.data(), rows, first_position, keys.data(), values.data(), shape, kv_head, out.data(),
                     keys_t, scores);
  });
}

}  // namespace specmap::runtime
