#include "runtime/cpu/attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

namespace specmap::runtime {

namespace {
// Multiply-adds worth handing to another thread: below this a wake-up costs more.
constexpr std::size_t kMinWorkPerChunk = 32768;
}  // namespace

void causal_attention(std::span<const float> q, std::size_t first_position, std::span<const float> keys,
                      std::span<const float> values, const AttentionShape& shape, std::span<float> out,
                      ThreadPool& pool) {
  const std::size_t head_dim = shape.head_dim;
  const std::size_t q_width = shape.heads * head_dim;
  const std::size_t kv_width = shape.kv_heads * head_dim;
  assert(shape.kv_heads > 0 && shape.heads % shape.kv_heads == 0 && q.size() % q_width == 0);
  const std::size_t rows = q.size() / q_width;
  const std::size_t context = first_position + rows;
  assert(keys.size() >= context * kv_width && values.size() >= context * kv_width);
  assert(out.size() >= q.size());
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));

  const std::size_t work_per_item = std::max<std::size_t>(context * head_dim, 1);
  const std::size_t min_items = std::max<std::size_t>(kMinWorkPerChunk / work_per_item, 1);
  pool.parallel_for(rows * shape.heads, min_items, [&](std::size_t begin, std::size_t end) {
    std::vector<float> scores(context);
    for (std::size_t item = begin; item < end; ++item) {
      const std::size_t r = item / shape.heads;
      const std::size_t h = item % shape.heads;
      const std::size_t visible = first_position + r + 1;
      const float* query = q.data() + r * q_width + h * head_dim;
      const std::size_t kv_offset = kv_head_of(h, shape) * head_dim;
      float max_score = -INFINITY;
      for (std::size_t t = 0; t < visible; ++t) {
        const float* key = keys.data() + t * kv_width + kv_offset;
        float dot = 0;
        for (std::size_t d = 0; d < head_dim; ++d) dot += query[d] * key[d];
        scores[t] = dot * scale;
        max_score = std::max(max_score, scores[t]);
      }
      float sum = 0;
      for (std::size_t t = 0; t < visible; ++t) {
        scores[t] = std::exp(scores[t] - max_score);
        sum += scores[t];
      }
      float* o = out.data() + r * q_width + h * head_dim;
      std::fill(o, o + head_dim, 0.0f);
      for (std::size_t t = 0; t < visible; ++t) {
        const float weight = scores[t] / sum;
        const float* value = values.data() + t * kv_width + kv_offset;
        for (std::size_t d = 0; d < head_dim; ++d) o[d] += weight * value[d];
      }
    }
  });
}

}  // namespace specmap::runtime
