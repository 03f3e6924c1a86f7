// The AVX-512 kernel set (AVX512F/BW/VL/DQ + VNNI, F16C, FMA), compiled for those
// instructions whatever the build's target: dispatch.cc only hands it out when the CPU has
// them. Only intrinsics and functions with internal linkage are compiled under the target
// pragma (an inline library function instantiated here could be linked into code that runs
// on any CPU).
#if defined(__x86_64__)
#include <immintrin.h>

#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/kernels/cpu/x86_avx512_quant.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")
// GCC 12's AVX-512 headers start some reductions and inserts from a deliberately undefined
// register, which its own flow analysis then reports as uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace specmap::runtime::kernels {
namespace {

// 16 weights of row `row` from element i as f32.
template <TensorType T>
inline __m512 load16(const std::byte* row, std::size_t i) {
  if constexpr (T == TensorType::f32) {
    return _mm512_loadu_ps(reinterpret_cast<const float*>(row) + i);
  } else {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * i));
    if constexpr (T == TensorType::f16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <TensorType T>
inline __m512 load16_masked(const std::byte* row, std::size_t i, __mmask16 m) {
  if constexpr (T == TensorType::f32) {
    return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + i);
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(m, row + 2 * i);
    if constexpr (T == TensorType::f16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

// O consecutive output features for R rows. Each activation load serves the O weight rows;
// few rows would leave the FMA latency exposed with one accumulator per row, so they get U
// independent accumulators over consecutive 16-column steps. O * U * R + O <= 32 registers.
template <TensorType T, int R, int O>
void float_outputs_at(const FloatRowsArgs& a, std::size_t o, std::size_t r0) {
  constexpr int U = R == 1 ? 4 : R <= 3 ? 2 : 1;
  const std::size_t cols = a.cols;
  const float* const x = a.x + r0 * cols;
  const std::byte* rows[O];
#pragma GCC unroll 4
  for (int k = 0; k < O; ++k) rows[k] = a.weight + (o + k) * a.row_bytes;
  __m512 acc[O][U][R];
#pragma GCC unroll 4
  for (int k = 0; k < O; ++k)
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u)
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[k][u][r] = _mm512_setzero_ps();
  // With several rows a pass is long enough to fetch the next pass's weights from memory
  // meanwhile: the same columns O rows further on, requested one pass ahead (a prefetch
  // past the tensor's end is harmless).
  constexpr bool kPrefetch = R >= 4;
  constexpr std::size_t kBytesPerStep = T == TensorType::f32 ? 64 : 32;
  std::size_t i = 0;
  for (; i + 16 * U <= cols; i += 16 * U)
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
      if constexpr (kPrefetch)
#pragma GCC unroll 4
        for (int k = 0; k < O; ++k)
          _mm_prefetch(
              reinterpret_cast<const char*>(rows[k] + O * a.row_bytes + (i / 16 + u) * kBytesPerStep),
              _MM_HINT_T0);
      __m512 w[O];
#pragma GCC unroll 4
      for (int k = 0; k < O; ++k) w[k] = load16<T>(rows[k], i + 16 * u);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const __m512 xv = _mm512_loadu_ps(x + r * cols + i + 16 * u);
#pragma GCC unroll 4
        for (int k = 0; k < O; ++k) acc[k][u][r] = _mm512_fmadd_ps(w[k], xv, acc[k][u][r]);
      }
    }
  for (; i + 16 <= cols; i += 16) {
    __m512 w[O];
#pragma GCC unroll 4
    for (int k = 0; k < O; ++k) w[k] = load16<T>(rows[k], i);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 xv = _mm512_loadu_ps(x + r * cols + i);
#pragma GCC unroll 4
      for (int k = 0; k < O; ++k) acc[k][0][r] = _mm512_fmadd_ps(w[k], xv, acc[k][0][r]);
    }
  }
  if (i < cols) {
    const auto m = static_cast<__mmask16>((1u << (cols - i)) - 1);
    __m512 w[O];
#pragma GCC unroll 4
    for (int k = 0; k < O; ++k) w[k] = load16_masked<T>(rows[k], i, m);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 xv = _mm512_maskz_loadu_ps(m, x + r * cols + i);
#pragma GCC unroll 4
      for (int k = 0; k < O; ++k) acc[k][0][r] = _mm512_fmadd_ps(w[k], xv, acc[k][0][r]);
    }
  }
#pragma GCC unroll 4
  for (int k = 0; k < O; ++k)
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      __m512 sum = acc[k][0][r];
#pragma GCC unroll 4
      for (int u = 1; u < U; ++u) sum = _mm512_add_ps(sum, acc[k][u][r]);
      a.y[(r0 + r) * a.y_stride + o + k] = _mm512_reduce_add_ps(sum);
    }
}

// Up to 14 rows in one pass of two outputs. 15 and 16 rows leave no registers for a second
// output, so they run as two tiles of half the rows with three outputs each (the 16 rows'
// activations overflow the L1 cache: the more outputs share each of their loads, the
// better): the second tile finds the weight rows in the L1 cache, so memory still sees
// each weight once.
template <TensorType T, int R, int O>
void float_tiles_at(const FloatRowsArgs& a, std::size_t o) {
  if constexpr (R <= 14) {
    float_outputs_at<T, R, O>(a, o, 0);
  } else {
    constexpr int kFirst = (R + 1) / 2;
    float_outputs_at<T, kFirst, O>(a, o, 0);
    float_outputs_at<T, R - kFirst, O>(a, o, kFirst);
  }
}

template <TensorType T, int R>
void float_outputs(const FloatRowsArgs& a, std::size_t begin, std::size_t end) {
  constexpr int O = R <= 14 ? 2 : 3;
  std::size_t o = begin;
  for (; o + O <= end; o += O) float_tiles_at<T, R, O>(a, o);
  for (; o < end; ++o) float_tiles_at<T, R, 1>(a, o);
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

}  // namespace
}  // namespace specmap::runtime::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace specmap::runtime::kernels {

const RowsKernelSet* avx512_kernels() {
  static const RowsKernelSet set{"avx512",
                                 float_rows<TensorType::f32>,
                                 float_rows<TensorType::f16>,
                                 float_rows<TensorType::bf16>,
                                 avx512_quant::prepare,
                                 avx512_quant::q8_0_rows,
                                 avx512_quant::q4_0_rows};
  return &set;
}

}  // namespace specmap::runtime::kernels
#else
#include "runtime/kernels/cpu/kernel_sets.h"
namespace specmap::runtime::kernels {
const RowsKernelSet* avx512_kernels() { return nullptr; }
}  // namespace specmap::runtime::kernels
#endif
