#include "runtime/cpu/attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

#include "runtime/cpu/lane_sums.h"
#include "runtime/cpu/vector_lanes.h"

namespace specmap::runtime {

namespace {
// Multiply-adds worth handing to another thread: below this a wake-up costs more.
constexpr std::size_t kMinWorkPerChunk = 32768;

using lanes::exp_lanes;
using lanes::kLanes;
using lanes::LaneRegisters;
using lanes::Lanes;
using lanes::load;
using lanes::store;

// Queries handled together: each value vector loaded once serves all of them, and their
// multiply-adds are independent chains (a single chain waits on the FMA latency).
constexpr std::size_t kQueryBlock = 4;
// Value column vectors summed together per query block, kQueryBlock x that many accumulator
// chains: 16 Lanes fit AVX-512's 32 registers; where a Lanes spans several registers two
// columns measured fastest (AVX2 version on a Zen 5 core, 9 rows: 1 column 167 us, 2 134 us,
// 4 141 us; BM_Attention).
template <LaneRegisters R>
constexpr std::size_t column_block() {
  return R == LaneRegisters::wide ? 4 : 2;
}

// The queries of one KV head's block and where their scores go (one padded row each).
struct QueryBlock {
  const float* query[kQueryBlock];
  float* scores[kQueryBlock];
  float* out[kQueryBlock];
  std::size_t visible[kQueryBlock];
};

// Scores of the block's NQ queries at the kLanes positions from t, keys in the cache's own
// layout: per position, each query's products kLanes columns at a time (NV vectors, or
// head_dim / kLanes when NV is 0), every key vector loaded once for all queries; then each
// query's sixteen sums across lanes at once. Rows past `positions` repeat its last row:
// their scores are never used.
template <LaneRegisters R, std::size_t NQ, std::size_t NV>
[[gnu::always_inline]] inline void score_chunk(const QueryBlock& block, const float* keys,
                                               std::size_t kv_width, std::size_t head_dim, std::size_t t,
                                               std::size_t positions, float scale) {
  const std::size_t vectors = NV ? NV : head_dim / kLanes;
  const std::size_t full = vectors * kLanes;
  Lanes dots[NQ][kLanes];
  Lanes tail[NQ] = {};
  for (std::size_t p = 0; p < kLanes; ++p) {
    const float* key = keys + std::min(t + p, positions - 1) * kv_width;
    Lanes acc[NQ] = {};
#pragma GCC unroll 8
    for (std::size_t i = 0; i < full; i += kLanes) {
      const Lanes k = load(key + i);
#pragma GCC unroll 4
      for (std::size_t q = 0; q < NQ; ++q) acc[q] += load(block.query[q] + i) * k;
    }
#pragma GCC unroll 4
    for (std::size_t q = 0; q < NQ; ++q) {
      dots[q][p] = acc[q];
      for (std::size_t i = full; i < head_dim; ++i) tail[q][p] += block.query[q][i] * key[i];
    }
  }
  for (std::size_t q = 0; q < NQ; ++q)
    store(block.scores[q] + t, (lanes::sum_each<R>(dots[q]) + tail[q]) * lanes::splat_for<R>(scale));
}

// out[q][i..i + NV * kLanes) = sum over t < positions of p[q][t] * V[t][i..], times the
// query's 1 / sum: the weights are zero past each query's visible positions.
template <LaneRegisters R, std::size_t NQ, std::size_t NV>
[[gnu::always_inline]] inline void sum_values(const QueryBlock& block, const float* values,
                                              std::size_t kv_width, std::size_t positions, std::size_t i,
                                              const float* inverse_sum) {
  Lanes acc[NQ][NV] = {};
  for (std::size_t t = 0; t < positions; ++t) {
    Lanes v[NV];
#pragma GCC unroll 4
    for (std::size_t c = 0; c < NV; ++c) v[c] = load(values + t * kv_width + i + c * kLanes);
#pragma GCC unroll 4
    for (std::size_t q = 0; q < NQ; ++q) {
      const Lanes p = lanes::splat_for<R>(block.scores[q][t]);
#pragma GCC unroll 4
      for (std::size_t c = 0; c < NV; ++c) acc[q][c] += p * v[c];
    }
  }
#pragma GCC unroll 4
  for (std::size_t q = 0; q < NQ; ++q)
#pragma GCC unroll 4
    for (std::size_t c = 0; c < NV; ++c)
      store(block.out[q] + i + c * kLanes, acc[q][c] * lanes::splat_for<R>(inverse_sum[q]));
}

template <LaneRegisters R, std::size_t NQ>
[[gnu::always_inline]] inline void attend_block(const QueryBlock& block, const float* keys,
                                                const float* values, std::size_t kv_width,
                                                std::size_t head_dim, float scale) {
  std::size_t positions = 0;  // the most any query of the block sees
  for (std::size_t q = 0; q < NQ; ++q) positions = std::max(positions, block.visible[q]);
  const std::size_t chunks = (positions + kLanes - 1) / kLanes;

  // Scores. Positions past a query's visible ones (up to the block's last chunk) are
  // scored too and masked below.
  for (std::size_t c = 0; c < chunks; ++c) {
    // The common head sizes with their loop unrolled, so the queries stay in registers.
    if (head_dim == 64)
      score_chunk<R, NQ, 4>(block, keys, kv_width, head_dim, c * kLanes, positions, scale);
    else if (head_dim == 128)
      score_chunk<R, NQ, 8>(block, keys, kv_width, head_dim, c * kLanes, positions, scale);
    else
      score_chunk<R, NQ, 0>(block, keys, kv_width, head_dim, c * kLanes, positions, scale);
  }

  // Softmax numerators e^(s - max) over the visible positions, zero past them up to the
  // block's last chunk; the division by their sum is left to the output.
  float inverse_sum[NQ];
  const Lanes index = lanes::lane_index();
  for (std::size_t q = 0; q < NQ; ++q) {
    float* s = block.scores[q];
    const float visible = static_cast<float>(block.visible[q]);
    // One comparison per select, through vector_lanes.h's selects: GCC 12 compiles the `&` of
    // two lane masks under a select lane by lane even where a Lanes fills one register (half
    // of this function's time at 9 rows), and any select of Lanes wider than the registers.
    const Lanes minus_infinity = lanes::splat(-INFINITY);
    Lanes max_score = minus_infinity;
    for (std::size_t t = 0; t < chunks * kLanes; t += kLanes) {
      const Lanes seen = lanes::where_below(index + lanes::splat_for<R>(static_cast<float>(t)), visible,
                                            load(s + t), minus_infinity);
      max_score = lanes::larger(seen, max_score);
    }
    const Lanes max_all = lanes::splat(lanes::max_lanes(max_score));
    Lanes sum = {};
    for (std::size_t t = 0; t < chunks * kLanes; t += kLanes) {
      const Lanes e = exp_lanes(load(s + t) - max_all);
      const Lanes p =
          lanes::where_below(index + lanes::splat_for<R>(static_cast<float>(t)), visible, e, Lanes{});
      sum += p;
      store(s + t, p);
    }
    inverse_sum[q] = 1.0f / lanes::sum_lanes(sum);
  }

  // Weighted values, column_block<R> column vectors at a time, then the last columns of a
  // head_dim that is not a multiple of kLanes one by one.
  constexpr std::size_t kColumns = column_block<R>();
  std::size_t i = 0;
  for (; i + kColumns * kLanes <= head_dim; i += kColumns * kLanes)
    sum_values<R, NQ, kColumns>(block, values, kv_width, positions, i, inverse_sum);
  for (; i + kLanes <= head_dim; i += kLanes)
    sum_values<R, NQ, 1>(block, values, kv_width, positions, i, inverse_sum);
  for (; i < head_dim; ++i)
    for (std::size_t q = 0; q < NQ; ++q) {
      float acc = 0;
      for (std::size_t t = 0; t < positions; ++t) acc += block.scores[q][t] * values[t * kv_width + i];
      block.out[q][i] = acc * inverse_sum[q];
    }
}

// The queries of one KV head: every row r in [0, rows) and query head of its group, taken
// kQueryBlock at a time in row order (so a block's queries see nearly the same positions).
template <LaneRegisters R>
[[gnu::always_inline]] inline void attend_kv_head(const float* q, std::size_t rows,
                                                  std::size_t first_position, const float* keys,
                                                  const float* values, const AttentionShape& shape,
                                                  std::size_t kv_head, float* out,
                                                  std::vector<float>& scores) {
  const std::size_t head_dim = shape.head_dim;
  const std::size_t q_width = shape.heads * head_dim;
  const std::size_t kv_width = shape.kv_heads * head_dim;
  const std::size_t group = shape.heads / shape.kv_heads;
  const std::size_t context = first_position + rows;
  const std::size_t padded = (context + kLanes - 1) / kLanes * kLanes;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const std::size_t queries = rows * group;
  scores.resize(std::min(queries, kQueryBlock) * padded);
  const float* head_keys = keys + kv_head * head_dim;
  const float* head_values = values + kv_head * head_dim;

  for (std::size_t j = 0; j < queries; j += kQueryBlock) {
    const std::size_t count = std::min(kQueryBlock, queries - j);
    QueryBlock block;
    for (std::size_t b = 0; b < count; ++b) {
      const std::size_t r = (j + b) / group;
      const std::size_t h = kv_head * group + (j + b) % group;
      block.query[b] = q + r * q_width + h * head_dim;
      block.out[b] = out + r * q_width + h * head_dim;
      block.scores[b] = scores.data() + b * padded;
      block.visible[b] = first_position + r + 1;
    }
    switch (count) {
      case 4:
        attend_block<R, 4>(block, head_keys, head_values, kv_width, head_dim, scale);
        break;
      case 3:
        attend_block<R, 3>(block, head_keys, head_values, kv_width, head_dim, scale);
        break;
      case 2:
        attend_block<R, 2>(block, head_keys, head_values, kv_width, head_dim, scale);
        break;
      default:
        attend_block<R, 1>(block, head_keys, head_values, kv_width, head_dim, scale);
        break;
    }
  }
}

// One version per instruction set, each with the formulation its registers need (a template
// cannot tell which target a target_clones copy is compiled for), picked once from the CPU.
using AttendKvHead = void (*)(const float*, std::size_t, std::size_t, const float*, const float*,
                              const AttentionShape&, std::size_t, float*, std::vector<float>&);

void attend_kv_head_portable(const float* q, std::size_t rows, std::size_t first_position, const float* keys,
                             const float* values, const AttentionShape& shape, std::size_t kv_head,
                             float* out, std::vector<float>& scores) {
  attend_kv_head<LaneRegisters::narrow>(q, rows, first_position, keys, values, shape, kv_head, out, scores);
}
#if SPECMAP_X86_64_VERSIONS
SPECMAP_TARGET_X86_64_V3
void attend_kv_head_x86_64_v3(const float* q, std::size_t rows, std::size_t first_position, const float* keys,
                              const float* values, const AttentionShape& shape, std::size_t kv_head,
                              float* out, std::vector<float>& scores) {
  attend_kv_head<LaneRegisters::narrow>(q, rows, first_position, keys, values, shape, kv_head, out, scores);
}
SPECMAP_TARGET_X86_64_V4
void attend_kv_head_x86_64_v4(const float* q, std::size_t rows, std::size_t first_position, const float* keys,
                              const float* values, const AttentionShape& shape, std::size_t kv_head,
                              float* out, std::vector<float>& scores) {
  attend_kv_head<LaneRegisters::wide>(q, rows, first_position, keys, values, shape, kv_head, out, scores);
}
#endif

AttendKvHead attend_kv_head_for_this_cpu() {
#if SPECMAP_X86_64_VERSIONS
  if (lanes::cpu_is_x86_64_v4()) return attend_kv_head_x86_64_v4;
  if (lanes::cpu_is_x86_64_v3()) return attend_kv_head_x86_64_v3;
#endif
  return attend_kv_head_portable;
}

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

  // One item per KV head: its keys and values stay in cache for all of its queries.
  const std::size_t group = shape.heads / shape.kv_heads;
  const std::size_t work_per_item = std::max<std::size_t>(rows * group * context * head_dim, 1);
  const std::size_t min_items = std::max<std::size_t>(kMinWorkPerChunk / work_per_item, 1);
  pool.parallel_for(shape.kv_heads, min_items, [&](std::size_t begin, std::size_t end) {
    // Per thread, reused across calls: no allocation per step once they have grown.
    thread_local std::vector<float> scores;
    static const AttendKvHead attend_kv_head = attend_kv_head_for_this_cpu();
    for (std::size_t kv_head = begin; kv_head < end; ++kv_head)
      attend_kv_head(q.data(), rows, first_position, keys.data(), values.data(), shape, kv_head, out.data(),
                     scores);
  });
}

}  // namespace specmap::runtime
