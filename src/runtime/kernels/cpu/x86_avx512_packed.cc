// The AVX-512 set's packed f32 / f16 kernels, compiled for AVX-512 (+ F16C, FMA) whatever
// the build's target: call only through avx512_kernels(), which dispatch.cc hands out only
// when the CPU has those instructions. Only intrinsics and functions with internal linkage
// are compiled under the target pragma.
//
// The shape is a GEMM micro-kernel's: a panel of 32 outputs holds, per k, the 32 weights
// of its outputs contiguous (two zmm; f16: one 64-byte line, two vcvtph2ps). A pass over a
// panel keeps rows x 2 accumulators in registers and, per k, loads the panel's weights
// once and multiplies them with each row's x[r][k] broadcast from memory: the weights
// stream exactly once for all rows, and no horizontal reduction is left at the end.
#include "runtime/kernels/cpu/x86_avx512_packed.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace specmap::runtime::kernels::avx512_packed {
namespace {

// Rows of one pass: 2 x 12 accumulators and the panel's weights of a few k fit the 32
// registers; 13..16 rows run as two passes over the panel, the second finding it in the
// L2 cache (a panel is 32 x cols x 4 bytes: 96 KB for cols 768), so memory still sees
// each weight once.
constexpr int kMaxTileRows = 12;

// Bytes ahead of the current k requested on the weight stream (the panels are one
// contiguous stream, so this runs on into the next panel).
constexpr std::size_t kAheadBytes = 4096;

template <TensorType T>
inline void load_panel_k(const std::byte* p, std::size_t k, __m512& w0, __m512& w1) {
  if constexpr (T == TensorType::f32) {
    const float* f = reinterpret_cast<const float*>(p) + 32 * k;
    w0 = _mm512_load_ps(f);
    w1 = _mm512_load_ps(f + 16);
  } else {
    const __m512i h = _mm512_load_si512(p + 64 * k);
    w0 = _mm512_cvtph_ps(_mm512_castsi512_si256(h));
    w1 = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(h, 1));
  }
}

// Independent accumulator sets over consecutive k for few rows: with one set, each
// accumulator's FMAs wait on the previous k's (4 cycles), which leaves 1-2 rows latency-bound.
template <int R>
constexpr int accumulator_sets() {
  return R == 1 ? 4 : R <= 3 ? 2 : 1;
}

// Outputs [o, o + valid) of rows [r0, r0 + R) from the panel at `p`.
template <TensorType T, int R, bool Prefetch>
void panel_pass(const PackedFloatArgs& a, const std::byte* p, std::size_t o, std::size_t valid, int r0) {
  const std::size_t cols = a.w->cols;
  constexpr std::size_t kBytesPerK = T == TensorType::f32 ? 128 : 64;
  constexpr int U = accumulator_sets<R>();
  const float* x[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) x[r] = a.x + (r0 + r) * cols;
  __m512 acc0[U][R], acc1[U][R];
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u)
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc0[u][r] = acc1[u][r] = _mm512_setzero_ps();
  const auto step = [&](std::size_t k, int u) {
    if constexpr (Prefetch) {
      const char* ahead = reinterpret_cast<const char*>(p + k * kBytesPerK + kAheadBytes);
      _mm_prefetch(ahead, _MM_HINT_T0);
      if constexpr (kBytesPerK == 128) _mm_prefetch(ahead + 64, _MM_HINT_T0);
    }
    __m512 w0, w1;
    load_panel_k<T>(p, k, w0, w1);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 xv = _mm512_set1_ps(x[r][k]);
      acc0[u][r] = _mm512_fmadd_ps(w0, xv, acc0[u][r]);
      acc1[u][r] = _mm512_fmadd_ps(w1, xv, acc1[u][r]);
    }
  };
  std::size_t k = 0;
  if constexpr (U > 1) {
    for (; k + U <= cols; k += U)
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) step(k + u, u);
#pragma GCC unroll 4
    for (int u = 1; u < U; ++u)
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        acc0[0][r] = _mm512_add_ps(acc0[0][r], acc0[u][r]);
        acc1[0][r] = _mm512_add_ps(acc1[0][r], acc1[u][r]);
      }
  }
#pragma GCC unroll 4
  for (; k < cols; ++k) step(k, 0);
  if (valid >= 32) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      float* y = a.y + (r0 + r) * a.y_stride + o;
      _mm512_storeu_ps(y, acc0[0][r]);
      _mm512_storeu_ps(y + 16, acc1[0][r]);
    }
  } else {
    const auto m0 = static_cast<__mmask16>(valid >= 16 ? 0xFFFFu : (1u << valid) - 1);
    const auto m1 = static_cast<__mmask16>(valid <= 16 ? 0u : (1u << (valid - 16)) - 1);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      float* y = a.y + (r0 + r) * a.y_stride + o;
      _mm512_mask_storeu_ps(y, m0, acc0[0][r]);
      _mm512_mask_storeu_ps(y + 16, m1, acc1[0][r]);
    }
  }
}

template <TensorType T, int R>
void panels(const PackedFloatArgs& a, std::size_t begin, std::size_t end) {
  const std::size_t element = T == TensorType::f32 ? 4 : 2;
  const std::size_t panel_bytes = kPanel * a.w->cols * element;
  for (std::size_t o = begin; o < end; o += kPanel) {
    const std::byte* p = a.w->bytes.data() + (o / kPanel) * panel_bytes;
    const std::size_t valid = std::min(kPanel, end - o);
    if constexpr (R <= kMaxTileRows) {
      panel_pass<T, R, true>(a, p, o, valid, 0);
    } else {
      panel_pass<T, (R + 1) / 2, true>(a, p, o, valid, 0);
      panel_pass<T, R / 2, false>(a, p, o, valid, (R + 1) / 2);
    }
  }
}

template <TensorType T>
void rows_kernel(const PackedFloatArgs& a, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const PackedFloatArgs&, std::size_t, std::size_t);
  static constexpr Fn kByRows[kMaxKernelRows + 1] = {
      nullptr,       panels<T, 1>,  panels<T, 2>,  panels<T, 3>,  panels<T, 4>,  panels<T, 5>,
      panels<T, 6>,  panels<T, 7>,  panels<T, 8>,  panels<T, 9>,  panels<T, 10>, panels<T, 11>,
      panels<T, 12>, panels<T, 13>, panels<T, 14>, panels<T, 15>, panels<T, 16>};
  kByRows[a.rows](a, begin, end);
}

}  // namespace

void f32_rows(const PackedFloatArgs& args, std::size_t begin, std::size_t end) {
  rows_kernel<TensorType::f32>(args, begin, end);
}
void f16_rows(const PackedFloatArgs& args, std::size_t begin, std::size_t end) {
  rows_kernel<TensorType::f16>(args, begin, end);
}

}  // namespace specmap::runtime::kernels::avx512_packed

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace specmap::runtime::kernels::avx512_packed {

bool pack(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows, std::size_t cols,
          PackedWeights& out) {
  if (type != TensorType::f32 && type != TensorType::f16) return false;
  pack_float_panels(type, weight, row_bytes, rows, cols, kPanel, out);
  return true;
}

}  // namespace specmap::runtime::kernels::avx512_packed
#endif
