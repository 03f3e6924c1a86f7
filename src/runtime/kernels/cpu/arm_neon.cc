// The "neon" kernel set of aarch64 (Armv8.0 Advanced SIMD: every aarch64 CPU); its float
// kernels also serve "neon-dotprod" (arm_neon_dotprod.cc).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "runtime/kernels/cpu/kernel_sets.h"

namespace specmap::runtime::kernels {
namespace {

template <TensorType T>
inline float32x4_t load4(const std::byte* row, std::size_t i) {
  if constexpr (T == TensorType::f32) {
    return vld1q_f32(reinterpret_cast<const float*>(row) + i);
  } else {
    const uint16x4_t h = vld1_u16(reinterpret_cast<const std::uint16_t*>(row) + i);
    if constexpr (T == TensorType::f16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
  }
}

template <TensorType T>
inline float scalar_at(const std::byte* row, std::size_t i) {
  if constexpr (T == TensorType::f32) {
    float v;
    std::memcpy(&v, row + 4 * i, 4);
    return v;
  } else {
    std::uint16_t h;
    std::memcpy(&h, row + 2 * i, 2);
    return T == TensorType::f16 ? f16_to_f32(h) : bf16_to_f32(h);
  }
}

// One output feature for R rows, two accumulators per row over consecutive 4-column steps.
template <TensorType T, int R>
void float_output(const FloatRowsArgs& a, std::size_t o) {
  const std::byte* row = a.weight + o * a.row_bytes;
  const std::size_t cols = a.cols;
  float32x4_t acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = vdupq_n_f32(0.0f);
  std::size_t i = 0;
  for (; i + 8 <= cols; i += 8) {
    const float32x4_t w0 = load4<T>(row, i), w1 = load4<T>(row, i + 4);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      acc0[r] = vfmaq_f32(acc0[r], w0, vld1q_f32(a.x + r * cols + i));
      acc1[r] = vfmaq_f32(acc1[r], w1, vld1q_f32(a.x + r * cols + i + 4));
    }
  }
  for (; i + 4 <= cols; i += 4) {
    const float32x4_t w0 = load4<T>(row, i);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc0[r] = vfmaq_f32(acc0[r], w0, vld1q_f32(a.x + r * cols + i));
  }
  float tail[R] = {};
  for (; i < cols; ++i) {
    const float w = scalar_at<T>(row, i);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) tail[r] += w * a.x[r * cols + i];
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) a.y[r * a.y_stride + o] = vaddvq_f32(vaddq_f32(acc0[r], acc1[r])) + tail[r];
}

template <TensorType T, int R>
void float_outputs(const FloatRowsArgs& a, std::size_t begin, std::size_t end) {
  for (std::size_t o = begin; o < end; ++o) float_output<T, R>(a, o);
}

template <TensorType T>
void float_rows(const FloatRowsArgs& a, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const FloatRowsArgs&, std::size_t, std::size_t);
  static constexpr Fn kByRows[kMaxKernelRows + 1] = {nullptr,
                                                     float_outputs<T, 1>,
                                                     float_outputs<T, 2>,
                                                     float_outputs<T, 3>,
                                                     float_outputs<T, 4>,
                                                     float_outputs<T, 5>,
                                                     float_outputs<T, 6>,
                                                     float_outputs<T, 7>,
                                                     float_outputs<T, 8>,
                                                     float_outputs<T, 9>,
                                                     float_outputs<T, 10>,
                                                     float_outputs<T, 11>,
                                                     float_outputs<T, 12>,
                                                     float_outputs<T, 13>,
                                                     float_outputs<T, 14>,
                                                     float_outputs<T, 15>,
                                                     float_outputs<T, 16>};
  kByRows[a.rows](a, begin, end);
}

// Sum of 32 int8 products without SDOT: widening multiplies (|sum of two| <= 2 * 127 * 128
// fits int16) accumulated pairwise into int32.
inline int32x4_t dot32(int8x16_t w0, int8x16_t w1, int8x16_t x0, int8x16_t x1) {
  int16x8_t p0 = vmull_s8(vget_low_s8(w0), vget_low_s8(x0));
  p0 = vmlal_s8(p0, vget_high_s8(w0), vget_high_s8(x0));
  int16x8_t p1 = vmull_s8(vget_low_s8(w1), vget_low_s8(x1));
  p1 = vmlal_s8(p1, vget_high_s8(w1), vget_high_s8(x1));
  return vpadalq_s16(vpaddlq_s16(p0), p1);
}

#include "runtime/kernels/cpu/arm_neon_quant.inc"

}  // namespace

const RowsKernelSet* neon_kernels() {
  static const RowsKernelSet set{"neon",
                                 float_rows<TensorType::f32>,
                                 float_rows<TensorType::f16>,
                                 float_rows<TensorType::bf16>,
                                 prepare_quantized_rows_portable,
                                 quant_rows<TensorType::q8_0>,
                                 quant_rows<TensorType::q4_0>};
  return &set;
}

}  // namespace specmap::runtime::kernels
#else
#include "runtime/kernels/cpu/kernel_sets.h"
namespace specmap::runtime::kernels {
const RowsKernelSet* neon_kernels() { return nullptr; }
}  // namespace specmap::runtime::kernels
#endif
