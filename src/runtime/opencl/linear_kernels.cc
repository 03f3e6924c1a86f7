#include "runtime/opencl/linear_kernels.h"

namespace specmap::runtime::ocl {

std::size_t row_bucket(std::size_t rows) {
  std::size_t b = 0;
  while (b + 1 < kRowBucketCount && kRowBuckets[b] < rows) ++b;
  return b;
}

// y[r][o] = sum_i x[r][i] * W[o][i] for rows r < rows, W stored [out x in] (GGUF's row
// layout, weights.h); R is the bucket. Row slots past `rows` read the last row again (a
// valid address) and are never stored. One work-group per output feature: its items stride
// over that weight row (neighbouring items, neighbouring weights: coalesced on a GPU, one
// vector load across items on pocl), each keeping R partial sums in registers, then a tree
// reduction per row slot in local memory. f16 weights are read with vload_half (core OpenCL
// 1.2, no cl_khr_fp16 needed) and accumulated in f32.
std::string_view linear_kernel_source() {
  return R"CLC(
#define LOAD_F32(p, i) ((p)[i])
#define LOAD_F16(p, i) vload_half((i), (p))

#define LINEAR_OI(NAME, WTYPE, LOAD, R)                                                          \
__kernel void linear_oi_##NAME##_r##R(__global const float* x, const uint x_offset,              \
                                      __global const WTYPE* w, const uint w_offset,              \
                                      const uint in, const uint out, const uint rows,            \
                                      __global float* y, const uint y_offset,                    \
                                      __local float* partial) {                                  \
  const uint o = get_group_id(0);                                                                \
  const uint lid = get_local_id(0);                                                              \
  const uint size = get_local_size(0);                                                           \
  uint base[R];                                                                                  \
  for (uint r = 0; r < R; ++r) base[r] = x_offset + min(r, rows - 1) * in;                       \
  float acc[R];                                                                                  \
  for (uint r = 0; r < R; ++r) acc[r] = 0.0f;                                                    \
  __global const WTYPE* row = w + w_offset + (ulong)o * in;                                      \
  for (uint i = lid; i < in; i += size) {                                                        \
    const float wv = LOAD(row, i);                                                               \
    for (uint r = 0; r < R; ++r) acc[r] = fma(wv, x[base[r] + i], acc[r]);                       \
  }                                                                                              \
  for (uint r = 0; r < R; ++r) partial[r * size + lid] = acc[r];                                 \
  barrier(CLK_LOCAL_MEM_FENCE);                                                                  \
  for (uint stride = size / 2; stride > 0; stride /= 2) {                                        \
    if (lid < stride)                                                                            \
      for (uint r = 0; r < R; ++r) partial[r * size + lid] += partial[r * size + lid + stride];  \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                \
  }                                                                                              \
  for (uint r = lid; r < rows && r < R; r += size) y[y_offset + r * out + o] = partial[r * size]; \
}

LINEAR_OI(f32, float, LOAD_F32, 1)
LINEAR_OI(f32, float, LOAD_F32, 2)
LINEAR_OI(f32, float, LOAD_F32, 4)
LINEAR_OI(f32, float, LOAD_F32, 8)
LINEAR_OI(f32, float, LOAD_F32, 16)
LINEAR_OI(f16, half, LOAD_F16, 1)
LINEAR_OI(f16, half, LOAD_F16, 2)
LINEAR_OI(f16, half, LOAD_F16, 4)
LINEAR_OI(f16, half, LOAD_F16, 8)
LINEAR_OI(f16, half, LOAD_F16, 16)
)CLC";
}

}  // namespace specmap::runtime::ocl
