#pragma once
// The few-rows linear kernels (rows <= kFewRowsMax): every weight is read once for all rows,
// where CLBlast's GEMM packs and tiles for many rows and its GEMV handles one row only (so r
// rows would read the weights r times). Compiled with the other kernels (kernels.h) into
// the device's program. One kernel per weight type (f32, f16) and per row bucket (1, 2, 4,
// 8, 16): a bucket is a compile-time row count, so the accumulators stay in registers; a
// pass of r rows runs the smallest bucket >= r, repeating its last row in the spare slots
// (read, never stored).
#include <cstddef>
#include <string_view>

namespace specmap::runtime::ocl {

inline constexpr std::size_t kFewRowsMax = 16;
inline constexpr std::size_t kRowBuckets[] = {1, 2, 4, 8, 16};
inline constexpr std::size_t kRowBucketCount = 5;

// The program text of the few-rows kernels, appended to kernel_source().
std::string_view linear_kernel_source();

// Index into kRowBuckets of the smallest bucket holding `rows` (1..kFewRowsMax).
std::size_t row_bucket(std::size_t rows);

}  // namespace specmap::runtime::ocl
