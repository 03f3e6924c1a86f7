#pragma once
// The few-rows linear kernels (rows <= kFewRowsMax): every weight is read from memory once
// for all rows, where CLBlast's GEMM packs and tiles for many rows and its GEMV handles one
// row only (so r rows would read the weights r times). Compiled with the other kernels
// (kernels.h) into the device's program. One kernel per weight type (f32, f16) and per row
// chunk (1, 2, 3, 4 rows held in registers at once); a pass of r rows runs the chunk that fits
// (row_chunk) and loops over the rows chunk by chunk, the work item's weight rows staying in
// its cache between chunks.
#include <cstddef>
#include <string_view>

namespace specmap::runtime::ocl {

inline constexpr std::size_t kFewRowsMax = 16;
inline constexpr std::size_t kRowChunks[] = {1, 2, 3, 4};
inline constexpr std::size_t kRowChunkCount = 4;
// Output features one work item of chunk index `chunk` computes (its weight rows are loaded
// once per chunk step and multiplied with each activation row of the chunk: outputs x chunk
// accumulators in registers).
std::size_t outputs_per_item(std::size_t chunk);
// Work items per work-group: small, so a projection of a few hundred features still makes
// enough work-groups for every core; the kernels have no barriers.
inline constexpr std::size_t kLinearGroupSize = 8;

// The program text of the few-rows kernels, appended to kernel_source().
std::string_view linear_kernel_source();

// Index into kRowChunks of the chunk a pass of `rows` (1..kFewRowsMax) runs with.
std::size_t row_chunk(std::size_t rows);

}  // namespace specmap::runtime::ocl
