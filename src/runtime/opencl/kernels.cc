#include "runtime/opencl/kernels.h"

#include <string>

#include "runtime/opencl/linear_kernels.h"

namespace specmap::runtime::ocl {

std::string_view kernel_name(KernelId id) {
  static const std::array<std::string, kKernelCount> kNames = [] {
    std::array<std::string, kKernelCount> names = {
        "rms_norm",
        "rotary",
        "attention",
        "silu_mul",
        "add",
        "embedding",
        "attention_item",
        "embedding_interleaved",
        "embedding_interleaved_f16",
    };
    for (bool f16 : {false, true}) {
      const std::string type = f16 ? "f16" : "f32";
      for (std::size_t c = 0; c < kRowChunkCount; ++c)
        names[static_cast<std::size_t>(linear_kernel(f16, c))] =
            "linear_tile_" + type + "_c" + std::to_string(kRowChunks[c]);
      for (std::size_t c = 0; c < kLaneChunkCount; ++c)
        names[static_cast<std::size_t>(lane_kernel(f16, c))] =
            "linear_lanes_" + type + "_c" + std::to_string(kLaneChunks[c]);
    }
    return names;
  }();
  return kNames[static_cast<std::size_t>(id)];
}

// The same arithmetic as src/runtime/cpu, written for any OpenCL 1.2 device (no double
// precision: Mali GPUs have none). Offsets are in elements, so one buffer holds many
// tensors (a KV cache layer, rows of the hidden state). Work-group sizes are powers of two
// chosen by the host (tree reductions rely on it).
std::string_view kernel_source() {
  return R"CLC(
#define ATTENTION_DIMS_PER_ITEM 8

// RMSNorm, one work-group per row: out = x / sqrt(mean(x^2) + eps) * weight. The
// sum of squares is a tree reduction in float (the CPU sums in double; over a few thousand
// values the tree keeps the error near float's epsilon). x and out may be the same buffer.
__kernel void rms_norm(__global const float* x, const uint x_offset,
                       __global const float* weight, const uint weight_offset,
                       const float eps, const uint width,
                       __global float* out, const uint out_offset,
                       __local float* partial) {
  const uint row = get_group_id(0);
  const uint lid = get_local_id(0);
  const uint size = get_local_size(0);
  __global const float* in = x + x_offset + row * width;
  __global float* o = out + out_offset + row * width;
  float sum = 0.0f;
  for (uint i = lid; i < width; i += size) sum += in[i] * in[i];
  partial[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint stride = size / 2; stride > 0; stride /= 2) {
    if (lid < stride) partial[lid] += partial[lid + stride];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float scale = 1.0f / sqrt(partial[0] / (float)width + eps);
  for (uint i = lid; i < width; i += size) o[i] = in[i] * scale * weight[weight_offset + i];
}

// Rotary embeddings, "rotate_half" layout: dimension i < half turns with i + half. The
// angles come as cos/sin tables [position x half] computed on the host in double, as the
// CPU computes them, so both backends rotate by the same floats. Global (half, heads, rows).
__kernel void rotary(__global float* x, const uint x_offset, const uint heads, const uint head_dim,
                     const uint first_position,
                     __global const float* cos_table, __global const float* sin_table) {
  const uint i = get_global_id(0);
  const uint h = get_global_id(1);
  const uint r = get_global_id(2);
  const uint half_dim = head_dim / 2;
  __global float* head = x + x_offset + (r * heads + h) * head_dim;
  const uint t = (first_position + r) * half_dim + i;
  const float c = cos_table[t];
  const float s = sin_table[t];
  const float a = head[i];
  const float b = head[i + half_dim];
  head[i] = a * c - b * s;
  head[i + half_dim] = b * c + a * s;
}

// Grouped-query causal attention, one work-group per (query head, row): query row r sits at
// position first_position + r and sees keys 0..first_position + r. Keys are visited in
// chunks of the work-group size with an online softmax (running max and sum, rescaled when
// the max grows), so any context fits without a scores buffer: every score is still
// exp(s - max) / sum in f32 with the max subtracted. keys/values: [positions x kv_width]
// from their offsets, row t = position t. Global (local_size * heads, rows).
__kernel void attention(__global const float* q, const uint q_offset,
                        __global const float* keys, const uint keys_offset,
                        __global const float* values, const uint values_offset,
                        const uint first_position, const uint heads, const uint kv_heads,
                        const uint head_dim, const float scale,
                        __global float* out, const uint out_offset,
                        __local float* query, __local float* probabilities, __local float* reduce) {
  const uint h = get_group_id(0);
  const uint r = get_group_id(1);
  const uint lid = get_local_id(0);
  const uint size = get_local_size(0);
  const uint q_width = heads * head_dim;
  const uint kv_width = kv_heads * head_dim;
  const uint kv_column = (h / (heads / kv_heads)) * head_dim;
  const uint visible = first_position + r + 1;

  for (uint d = lid; d < head_dim; d += size) query[d] = q[q_offset + r * q_width + h * head_dim + d];
  barrier(CLK_LOCAL_MEM_FENCE);

  float acc[ATTENTION_DIMS_PER_ITEM];
  for (uint j = 0; j < ATTENTION_DIMS_PER_ITEM; ++j) acc[j] = 0.0f;
  float running_max = -INFINITY;
  float running_sum = 0.0f;  // the same in every work item
  for (uint start = 0; start < visible; start += size) {
    const uint t = start + lid;
    float score = -INFINITY;
    if (t < visible) {
      __global const float* key = keys + keys_offset + t * kv_width + kv_column;
      float dot = 0.0f;
      for (uint d = 0; d < head_dim; ++d) dot += query[d] * key[d];
      score = dot * scale;
    }
    reduce[lid] = score;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint stride = size / 2; stride > 0; stride /= 2) {
      if (lid < stride) reduce[lid] = fmax(reduce[lid], reduce[lid + stride]);
      barrier(CLK_LOCAL_MEM_FENCE);
    }
    // The chunk holds at least one visible key, so new_max is finite; exp(-inf) = 0 rescales
    // the empty accumulators of the first chunk.
    const float new_max = fmax(running_max, reduce[0]);
    const float correction = exp(running_max - new_max);
    probabilities[lid] = t < visible ? exp(score - new_max) : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    const uint n = min(size, visible - start);
    float chunk_sum = 0.0f;
    for (uint k = 0; k < n; ++k) chunk_sum += probabilities[k];
    running_sum = running_sum * correction + chunk_sum;
    for (uint j = 0; j < ATTENTION_DIMS_PER_ITEM; ++j) {
      const uint d = lid + j * size;
      if (d < head_dim) {
        __global const float* value = values + values_offset + start * kv_width + kv_column + d;
        float a = acc[j] * correction;
        for (uint k = 0; k < n; ++k) a += probabilities[k] * value[k * kv_width];
        acc[j] = a;
      }
    }
    running_max = new_max;
    barrier(CLK_LOCAL_MEM_FENCE);  // reduce and probabilities are rewritten by the next chunk
  }
  for (uint j = 0; j < ATTENTION_DIMS_PER_ITEM; ++j) {
    const uint d = lid + j * size;
    if (d < head_dim) out[out_offset + r * q_width + h * head_dim + d] = acc[j] / running_sum;
  }
}

// out[i] = silu(gate[i]) * up[i]; out may be gate.
__kernel void silu_mul(__global const float* gate, const uint gate_offset,
                       __global const float* up, const uint up_offset,
                       __global float* out, const uint out_offset, const uint count) {
  const uint i = get_global_id(0);
  if (i >= count) return;
  const float g = gate[gate_offset + i];
  out[out_offset + i] = g / (1.0f + exp(-g)) * up[up_offset + i];
}

// residual[i] += x[i].
__kernel void add(__global float* residual, const uint residual_offset,
                  __global const float* x, const uint x_offset, const uint count) {
  const uint i = get_global_id(0);
  if (i >= count) return;
  residual[residual_offset + i] += x[x_offset + i];
}

// out[r x width] = table[tokens[r] x width]; the host checked the tokens.
__kernel void embedding(__global const float* table, __global const int* tokens, const uint tokens_offset,
                        const uint width, const uint count,
                        __global float* out, const uint out_offset) {
  const uint i = get_global_id(0);
  if (i >= count * width) return;
  const uint r = i / width;
  const uint c = i - r * width;
  out[out_offset + i] = table[(ulong)tokens[tokens_offset + r] * width + c];
}

// embedding from a table in the interleaved layout of the linear kernels (linear_kernels.h):
// table element (v, c) at ((v / 16) * width + c) * 16 + v % 16, so a tied head and the
// embedding share one device copy.
__kernel void embedding_interleaved(__global const float* table, __global const int* tokens,
                                    const uint tokens_offset, const uint width, const uint count,
                                    __global float* out, const uint out_offset) {
  const uint i = get_global_id(0);
  if (i >= count * width) return;
  const uint r = i / width;
  const uint c = i - r * width;
  const uint v = (uint)tokens[tokens_offset + r];
  out[out_offset + i] = table[((ulong)(v / 16) * width + c) * 16 + v % 16];
}
// The same from a table of halves (an f16 model's embedding; its tied head reads the halves).
__kernel void embedding_interleaved_f16(__global const half* table, __global const int* tokens,
                                        const uint tokens_offset, const uint width, const uint count,
                                        __global float* out, const uint out_offset) {
  const uint i = get_global_id(0);
  if (i >= count * width) return;
  const uint r = i / width;
  const uint c = i - r * width;
  const uint v = (uint)tokens[tokens_offset + r];
  out[out_offset + i] = vload_half(((ulong)(v / 16) * width + c) * 16 + v % 16, table);
}

// The same attention with one work item per (query head, row) and no barriers, for pocl: a
// work-group is a loop over its items there, and the barriers and per-item scalar loops of
// `attention` made it the largest row-dependent cost of a verification step (9 rows x 12
// heads: 1.4-2.0 ms a layer against 0.22 ms for this kernel, one run on the shared machine).
// The item holds its query and its output accumulators as float16 vectors (head_dim a
// multiple of 16, at most 16 * ATTENTION_ITEM_BLOCKS) and visits the visible keys one by one
// with an online softmax: the accumulators are rescaled when the running max grows, so every
// weight is exp(s - max) / sum in f32 as in `attention`. Global (heads, rows), local (1, 1).
#define ATT_HSUM8(v) ((((v).s0 + (v).s1) + ((v).s2 + (v).s3)) + (((v).s4 + (v).s5) + ((v).s6 + (v).s7)))
#define ATT_HSUM16(v) (ATT_HSUM8((v).lo) + ATT_HSUM8((v).hi))
#define ATTENTION_ITEM_BLOCKS 8
__kernel void attention_item(__global const float* q, const uint q_offset,
                             __global const float* keys, const uint keys_offset,
                             __global const float* values, const uint values_offset,
                             const uint first_position, const uint heads, const uint kv_heads,
                             const uint head_dim, const float scale,
                             __global float* out, const uint out_offset) {
  const uint h = get_global_id(0);
  const uint r = get_global_id(1);
  if (h >= heads) return;
  const uint q_width = heads * head_dim;
  const uint kv_width = kv_heads * head_dim;
  const uint kv_column = (h / (heads / kv_heads)) * head_dim;
  const uint visible = first_position + r + 1;
  const uint blocks = head_dim / 16;
  __global const float* query = q + q_offset + r * q_width + h * head_dim;
  float16 qv[ATTENTION_ITEM_BLOCKS];
  float16 acc[ATTENTION_ITEM_BLOCKS];
  for (uint b = 0; b < blocks; ++b) {
    qv[b] = vload16(b, query);
    acc[b] = (float16)(0.0f);
  }
  float running_max = -INFINITY;
  float running_sum = 0.0f;
  for (uint t = 0; t < visible; ++t) {
    __global const float* key = keys + keys_offset + t * kv_width + kv_column;
    float16 dot = (float16)(0.0f);
    for (uint b = 0; b < blocks; ++b) dot = fma(qv[b], vload16(b, key), dot);
    const float score = ATT_HSUM16(dot) * scale;
    __global const float* value = values + values_offset + t * kv_width + kv_column;
    if (score > running_max) {
      const float correction = exp(running_max - score);
      running_sum = running_sum * correction + 1.0f;
      for (uint b = 0; b < blocks; ++b) acc[b] = fma(acc[b], (float16)(correction), vload16(b, value));
      running_max = score;
    } else {
      const float p = exp(score - running_max);
      running_sum += p;
      for (uint b = 0; b < blocks; ++b) acc[b] = fma((float16)(p), vload16(b, value), acc[b]);
    }
  }
  __global float* o = out + out_offset + r * q_width + h * head_dim;
  const float inv = 1.0f / running_sum;
  for (uint b = 0; b < blocks; ++b) vstore16(acc[b] * inv, b, o);
}
)CLC";
}

}  // namespace specmap::runtime::ocl
