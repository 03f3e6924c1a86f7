#include "runtime/opencl/linear_kernels.h"

#include <algorithm>
#include <string>

namespace specmap::runtime::ocl {

// The shape per item, measured on pocl (2 cores, AVX-512) on the 32000 x 768 f32 head, CPU
// time of a product on the shared machine (load ~10): 4 outputs x 4 rows per item 6.2 / 7.0 /
// 11.6 / 12.9 ms for 1 / 4 / 9 / 16 rows, one output x 16 rows 4.6 / 5.9 / 17.6 / 24.4 ms (each
// weight vector meets 16 activation vectors, which no longer fit L1), one work-group per output
// with a tree reduction (the previous kernel) 142 / 269 / 911 / 986 ms of wall time.
// 8 outputs per item for chunks of 1-3 rows, 4 for chunks of 4 (8 x 4 accumulators would not
// fit the 32 vector registers): on the head, 8 outputs took 2.3 / 2.9 / 4.3 ms of wall time
// for 1 / 4 (2 chunks of 2) / 9 rows, 4 outputs 2.4-3.0 / 3.5-3.8 / 4.9-5.0 ms, 2 outputs
// 2.8 / 4.7 / 5.6 ms (one run, load ~6).
std::size_t outputs_per_item(std::size_t chunk) { return kRowChunks[chunk] == 4 ? 4 : 8; }

std::size_t row_chunk(std::size_t rows) {
  // The products are bound by the multiply-adds, not the loads, at every chunk, so the cost is
  // the row slots computed (ceil(rows / C) * C), plus half a slot per pass over the weight rows
  // (reloaded from the cache, loop overhead); the larger chunk on a tie. 9 rows run 3 chunks of
  // 3, 16 rows 4 of 4, 5 rows 2 of 3.
  std::size_t best = 0;
  std::size_t best_cost = 3 * rows;
  for (std::size_t c = 1; c < kRowChunkCount; ++c) {
    const std::size_t chunks = (rows + kRowChunks[c] - 1) / kRowChunks[c];
    const std::size_t cost = 2 * chunks * kRowChunks[c] + chunks;
    if (cost <= best_cost) {
      best = c;
      best_cost = cost;
    }
  }
  return best;
}

// As many blocks as the accumulators allow, 4 at most: 1-6 rows 4 blocks, 7-9 rows 3, 10-12
// rows 2. Measured on the 32000 x 768 head, one pocl thread, wall time of a product (shared
// machine, load ~6): 4 blocks (64 outputs) per item 2.5 / 2.4 / 3.9 ms for 1 / 2 / 9 (3 chunks
// of 3) rows, 2 blocks 3.3 ms for one row, 6 blocks 3.2. On the products of a
// host-target-110m layer for 9 rows in one pass (pocl on both cores, Zen 4, load ~10: median
// of 31 alternating rounds) 3 blocks 1.84 ms, 2 blocks 2.18, one block 3.04 (a weight load and
// 9 broadcasts per 9 multiply-adds: bound by the loads), against 2.42 for 3 passes of 3 rows x
// 4 blocks; 16 rows in one pass of one block 3.7 ms, in 2 passes of 8 x 3 blocks 3.2.
std::size_t lane_blocks_per_item(std::size_t chunk) {
  return std::min<std::size_t>(4, kLaneAccumulators / kLaneChunks[chunk]);
}

std::size_t lane_chunk(std::size_t rows) {
  // As row_chunk: the row slots computed, plus half a slot per pass (the item's weights come
  // back from its cache); the larger chunk on a tie. Up to 12 rows one pass; 13 and 14 rows 2
  // chunks of 7, 15 rows 3 of 5, 16 rows 2 of 8.
  std::size_t best = 0;
  std::size_t best_cost = 3 * rows;
  for (std::size_t c = 1; c < kLaneChunkCount; ++c) {
    const std::size_t chunks = (rows + kLaneChunks[c] - 1) / kLaneChunks[c];
    const std::size_t cost = 2 * chunks * kLaneChunks[c] + chunks;
    if (cost <= best_cost) {
      best = c;
      best_cost = cost;
    }
  }
  return best;
}

namespace {

// y[r][o] = sum_i x[r][i] * W[o][i] for rows r < rows, W stored [out x in] (GGUF's row
// layout, weights.h). Written for pocl, which runs a work-group as a loop over its items and
// vectorises across items only where an item has no inner loop: each item here vectorises
// itself, reading 16 consecutive weights of each of its O output rows (outputs_per_item) (float16, one
// AVX-512 load) and 16 consecutive activations of each of the C rows of a chunk, with O x C
// float16 accumulators in registers (the loops over O and C are unrolled so they stay there).
// Each weight vector meets C activation vectors and each activation vector O weight vectors.
// Rows past `rows` in the last chunk and features past `out` in the last item repeat the last
// row / feature (valid addresses) and are never stored. f16 weights are read with
// vload_half16 (core OpenCL 1.2, no cl_khr_fp16 needed) and accumulated in f32.
// The kernels' bodies are macros; linear_kernel_source() appends their instantiations.
constexpr std::string_view kLinearKernelBodies = R"CLC(
#define LOAD1_F32(p, i) ((p)[i])
#define LOAD1_F16(p, i) vload_half((i), (p))
#define LOAD16_F32(j, p) vload16((j), (p))
#define LOAD16_F16(j, p) vload_half16((j), (p))
#define HSUM8(v) ((((v).s0 + (v).s1) + ((v).s2 + (v).s3)) + (((v).s4 + (v).s5) + ((v).s6 + (v).s7)))
#define HSUM16(v) (HSUM8((v).lo) + HSUM8((v).hi))
#define UNROLL _Pragma("unroll")

#define LINEAR_TILE(NAME, WTYPE, LOAD16, LOAD1, C, OUTPUTS_PER_ITEM)                                                   \
__kernel void linear_tile_##NAME##_c##C(__global const float* x, const uint x_offset,                \
                                        __global const WTYPE* w, const uint w_offset,                \
                                        const uint in, const uint out, const uint rows,              \
                                        __global float* y, const uint y_offset) {                    \
  const uint o0 = get_global_id(0) * OUTPUTS_PER_ITEM;                                               \
  if (o0 >= out) return;                                                                             \
  __global const WTYPE* wr[OUTPUTS_PER_ITEM];                                                        \
  UNROLL for (uint k = 0; k < OUTPUTS_PER_ITEM; ++k)                                                 \
    wr[k] = w + w_offset + (ulong)min(o0 + k, out - 1) * in;                                         \
  const uint blocks = in / 16;                                                                       \
  for (uint r0 = 0; r0 < rows; r0 += C) {                                                            \
    __global const float* xr[C];                                                                     \
    UNROLL for (uint c = 0; c < C; ++c) xr[c] = x + x_offset + min(r0 + c, rows - 1) * in;           \
    float16 acc[OUTPUTS_PER_ITEM][C];                                                                \
    UNROLL for (uint k = 0; k < OUTPUTS_PER_ITEM; ++k)                                               \
      UNROLL for (uint c = 0; c < C; ++c) acc[k][c] = (float16)(0.0f);                               \
    for (uint j = 0; j < blocks; ++j) {                                                              \
      float16 wv[OUTPUTS_PER_ITEM];                                                                  \
      UNROLL for (uint k = 0; k < OUTPUTS_PER_ITEM; ++k) wv[k] = LOAD16(j, wr[k]);                   \
      UNROLL for (uint c = 0; c < C; ++c) {                                                          \
        const float16 xv = vload16(j, xr[c]);                                                        \
        UNROLL for (uint k = 0; k < OUTPUTS_PER_ITEM; ++k) acc[k][c] = fma(wv[k], xv, acc[k][c]);    \
      }                                                                                              \
    }                                                                                                \
    UNROLL for (uint k = 0; k < OUTPUTS_PER_ITEM; ++k)                                               \
      UNROLL for (uint c = 0; c < C; ++c) {                                                          \
        float s = HSUM16(acc[k][c]);                                                                 \
        for (uint i = blocks * 16; i < in; ++i) s = fma(LOAD1(wr[k], i), xr[c][i], s);               \
        if (o0 + k < out && r0 + c < rows) y[y_offset + (r0 + c) * out + o0 + k] = s;                \
      }                                                                                              \
  }                                                                                                  \
}

// The interleaved layout (linear_kernels.h): an item owns B blocks of 16 outputs and, per
// input i, loads the 16 weights of each block (one float16) and multiplies them with x[r][i]
// of each of the C rows of a chunk (a broadcast: one load folded into the multiply-add), into
// B x C float16 accumulators whose lanes are the outputs, stored as they are. Blocks past the
// last repeat it and rows past `rows` repeat the last row (valid addresses), never stored;
// the zero padding of the last block is never stored either.
#define LINEAR_LANES(NAME, WTYPE, LOAD16, C, B)                                                      \
__kernel void linear_lanes_##NAME##_c##C(__global const float* x, const uint x_offset,               \
                                         __global const WTYPE* w, const uint w_offset,               \
                                         const uint in, const uint out, const uint rows,             \
                                         __global float* y, const uint y_offset) {                   \
  const uint blocks = (out + 15) / 16;                                                               \
  const uint b0 = get_global_id(0) * B;                                                              \
  if (b0 >= blocks) return;                                                                          \
  __global const WTYPE* wb[B];                                                                       \
  UNROLL for (uint b = 0; b < B; ++b) wb[b] = w + w_offset + (ulong)min(b0 + b, blocks - 1) * in * 16; \
  for (uint r0 = 0; r0 < rows; r0 += C) {                                                            \
    __global const float* xr[C];                                                                     \
    UNROLL for (uint c = 0; c < C; ++c) xr[c] = x + x_offset + min(r0 + c, rows - 1) * in;           \
    float16 acc[B][C];                                                                               \
    UNROLL for (uint b = 0; b < B; ++b)                                                              \
      UNROLL for (uint c = 0; c < C; ++c) acc[b][c] = (float16)(0.0f);                               \
    for (uint i = 0; i < in; ++i) {                                                                  \
      float16 wv[B];                                                                                 \
      UNROLL for (uint b = 0; b < B; ++b) wv[b] = LOAD16(i, wb[b]);                                  \
      UNROLL for (uint c = 0; c < C; ++c) {                                                          \
        const float16 xv = (float16)(xr[c][i]);                                                      \
        UNROLL for (uint b = 0; b < B; ++b) acc[b][c] = fma(wv[b], xv, acc[b][c]);                   \
      }                                                                                              \
    }                                                                                                \
    UNROLL for (uint b = 0; b < B; ++b) {                                                            \
      const uint o = (b0 + b) * 16;                                                                  \
      UNROLL for (uint c = 0; c < C; ++c)                                                            \
        if (b0 + b < blocks && r0 + c < rows) {                                                      \
          __global float* yr = y + y_offset + (r0 + c) * out + o;                                    \
          if (o + 16 <= out) {                                                                       \
            vstore16(acc[b][c], 0, yr);                                                              \
          } else {                                                                                   \
            float lanes[16];                                                                         \
            vstore16(acc[b][c], 0, lanes);                                                           \
            for (uint k = 0; k < out - o; ++k) yr[k] = lanes[k];                                     \
          }                                                                                          \
        }                                                                                            \
    }                                                                                                \
  }                                                                                                  \
}

)CLC";

}  // namespace

std::string_view linear_kernel_source() {
  static const std::string source = [] {
    std::string text(kLinearKernelBodies);
    for (const char* type : {"f32", "f16"}) {
      const std::string name(type);
      const std::string args = name == "f32" ? "float, LOAD16_F32" : "half, LOAD16_F16";
      const std::string load1 = name == "f32" ? "LOAD1_F32" : "LOAD1_F16";
      for (std::size_t c = 0; c < kRowChunkCount; ++c)
        text += "LINEAR_TILE(" + name + ", " + args + ", " + load1 + ", " + std::to_string(kRowChunks[c]) + ", " +
                std::to_string(outputs_per_item(c)) + ")\n";
      for (std::size_t c = 0; c < kLaneChunkCount; ++c)
        text += "LINEAR_LANES(" + name + ", " + args + ", " + std::to_string(kLaneChunks[c]) + ", " +
                std::to_string(lane_blocks_per_item(c)) + ")\n";
    }
    return text;
  }();
  return source;
}

}  // namespace specmap::runtime::ocl
