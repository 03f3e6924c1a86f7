#pragma once
// The few-rows linear kernels (rows <= kFewRowsMax): every weight is read from memory once
// for all rows, where CLBlast's GEMM packs and tiles for many rows and its GEMV handles one
// row only (so r rows would read the weights r times). Compiled with the other kernels
// (kernels.h) into the device's program. One kernel per weight type (f32, f16) and per row
// chunk (the rows held in registers at once); a pass of r rows runs the chunk that fits
// (row_chunk, lane_chunk) and loops over the rows chunk by chunk, the work item's weight rows
// staying in its cache between chunks.
#include <cstddef>
#include <string_view>
#include <vector>

namespace specmap::runtime::ocl {

inline constexpr std::size_t kFewRowsMax = 16;
inline constexpr std::size_t kRowChunks[] = {1, 2, 3, 4};
inline constexpr std::size_t kRowChunkCount = 4;
// Output features one work item of chunk index `chunk` computes (its weight rows are loaded
// once per chunk step and multiplied with each activation row of the chunk: outputs x chunk
// accumulators in registers).
std::size_t outputs_per_item(std::size_t chunk);
// Work items per work-group: small, so a projection of a few hundred features still makes
// enough work-groups for every core; the kernels have no barriers. The interleaved kernels
// run one item per work-group on a CPU device (linear_interleaved in ops.cc).
inline constexpr std::size_t kLinearGroupSize = 8;

// The program text of the few-rows kernels, appended to kernel_source(): the kernels'
// bodies and one instantiation per weight type and chunk, the interleaved ones with the
// blocks per item of lane_blocks_per_item.
std::string_view linear_kernel_source();

// Index into kRowChunks of the chunk a pass of `rows` (1..kFewRowsMax) runs with.
std::size_t row_chunk(std::size_t rows);

// The interleaved layout of the weight matrices the runtime uploads (upload_matrix): the
// output features in blocks of kLaneWidth, each block stored [in x kLaneWidth] (element
// (o, i) at ((o / 16) * in + i) * 16 + o % 16), the last block padded with zeros. One load
// gives one input's weights of 16 outputs, so the 16 lanes of a vector accumulate 16 outputs
// and no horizontal sum is left at the end (the row layout's kernels above spend about as
// long summing their accumulators as multiplying for a 768-wide input).
inline constexpr std::size_t kLaneWidth = 16;
// Rows one work item of the interleaved kernels keeps in registers at once, and how many
// blocks of 16 outputs it owns (lane_blocks_per_item): chunk x blocks float16 accumulators.
// Every count up to 12, so a verification of up to 12 rows is one pass: each weight vector is
// loaded into a register once and multiplied with every row (9 rows ran 3 passes of 3
// before, the later two from the cache: 1.3-1.4x the single pass's time on pocl, where the
// products of 9 rows are bound by the multiply-adds, not by memory). 13-16 rows run 2 passes.
inline constexpr std::size_t kLaneChunks[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
inline constexpr std::size_t kLaneChunkCount = 12;
// Accumulators of one interleaved work item at most: with its B weight vectors and a
// broadcast row value they fill the 32 vector registers of AVX-512 (pocl compiles a float16
// into one zmm register), so none spills. 4 blocks per item at most (4 x 6 rows).
inline constexpr std::size_t kLaneAccumulators = 27;
std::size_t lane_blocks_per_item(std::size_t chunk);
// Index into kLaneChunks of the chunk a pass of `rows` (1..kFewRowsMax) runs with.
std::size_t lane_chunk(std::size_t rows);
// Elements of an [out x in] matrix in the interleaved layout (out rounded up to 16).
inline std::size_t interleaved_elements(std::size_t out, std::size_t in) {
  return (out + kLaneWidth - 1) / kLaneWidth * kLaneWidth * in;
}
// `w` [out x in] row-major in the interleaved layout (float or the bits of halves).
template <class T>
std::vector<T> interleave_rows(const T* w, std::size_t out, std::size_t in) {
  std::vector<T> result(interleaved_elements(out, in), T{});
  for (std::size_t o = 0; o < out; ++o)
    for (std::size_t i = 0; i < in; ++i)
      result[((o / kLaneWidth) * in + i) * kLaneWidth + o % kLaneWidth] = w[o * in + i];
  return result;
}

}  // namespace specmap::runtime::ocl
