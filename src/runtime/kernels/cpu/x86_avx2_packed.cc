// The AVX2 set's packed f32 / f16 kernels, compiled for AVX2 + FMA + F16C whatever the
// build's target: call only through avx2_kernels(), which dispatch.cc hands out only when
// the CPU has those instructions. Only intrinsics and functions with internal linkage are
// compiled under the target pragma.
//
// The AVX-512 panel kernel's shape (x86_avx512_packed.cc) in 16 ymm registers: a panel of
// 16 outputs holds, per k, the 16 weights of its outputs contiguous (two ymm; f16: 32
// bytes, two vcvtph2ps). A pass keeps rows x 2 accumulators, loads each k's weights once
// and multiplies them with each row's x[r][k] broadcast from memory; 12 accumulators and
// the weights fill the registers, so more than 6 rows run as passes of at most 6 over the
// same panel, the later ones from the L1/L2 cache (a panel is 16 x cols x 4 bytes).
#include "runtime/kernels/cpu/x86_avx2_packed.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

namespace specmap::runtime::kernels::avx2_packed {
namespace {

constexpr int kMaxTileRows = 6;
constexpr std::size_t kAheadBytes = 4096;

template <TensorType T>
inline void load_panel_k(const std::byte* p, std::size_t k, __m256& w0, __m256& w1) {
  if constexpr (T == TensorType::f32) {
    const float* f = reinterpret_cast<const float*>(p) + 16 * k;
    w0 = _mm256_load_ps(f);
    w1 = _mm256_load_ps(f + 8);
  } else {
    const __m256i h = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32 * k));
    w0 = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
    w1 = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
  }
}

template <int R>
constexpr int accumulator_sets() {
  return R == 1 ? 4 : R <= 3 ? 2 : 1;
}

// Outputs [o, o + valid) of rows [r0, r0 + R) from the panel at `p`.
template <TensorType T, int R, bool Prefetch>
void panel_pass(const PackedFloatArgs& a, const std::byte* p, std::size_t o, std::size_t valid, int r0) {
  const std::size_t cols = a.w->cols;
  constexpr std::size_t kBytesPerK = T == TensorType::f32 ? 64 : 32;
  constexpr int U = accumulator_sets<R>();
  const float* x[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) x[r] = a.x + (r0 + r) * cols;
  __m256 acc0[U][R], acc1[U][R];
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u)
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc0[u][r] = acc1[u][r] = _mm256_setzero_ps();
  const auto step = [&](std::size_t k, int u) {
    if constexpr (Prefetch) {
      // One request per 64-byte line: every k of f32, every other k of f16.
      if (kBytesPerK == 64 || k % 2 == 0)
        _mm_prefetch(reinterpret_cast<const char*>(p + k * kBytesPerK + kAheadBytes), _MM_HINT_T0);
    }
    __m256 w0, w1;
    load_panel_k<T>(p, k, w0, w1);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 xv = _mm256_broadcast_ss(x[r] + k);
      acc0[u][r] = _mm256_fmadd_ps(w0, xv, acc0[u][r]);
      acc1[u][r] = _mm256_fmadd_ps(w1, xv, acc1[u][r]);
    }
  };
  std::size_t k = 0;
  if constexpr (U > 1) {
    for (; k + U <= cols; k += U)
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) step(k + u, u);
#pragma GCC unroll 4
    for (int u = 1; u < U; ++u)
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        acc0[0][r] = _mm256_add_ps(acc0[0][r], acc0[u][r]);
        acc1[0][r] = _mm256_add_ps(acc1[0][r], acc1[u][r]);
      }
  }
  for (; k < cols; ++k) step(k, 0);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* y = a.y + (r0 + r) * a.y_stride + o;
    if (valid >= 16) {
      _mm256_storeu_ps(y, acc0[0][r]);
      _mm256_storeu_ps(y + 8, acc1[0][r]);
    } else {
      alignas(32) float tmp[16];
      _mm256_store_ps(tmp, acc0[0][r]);
      _mm256_store_ps(tmp + 8, acc1[0][r]);
      std::copy(tmp, tmp + valid, y);
    }
  }
}

// Rows [r0, r0 + R) in passes of at most kMaxTileRows; only the first requests ahead.
template <TensorType T, int R, bool Prefetch = true>
void panel_rows(const PackedFloatArgs& a, const std::byte* p, std::size_t o, std::size_t valid, int r0) {
  if constexpr (R <= kMaxTileRows) {
    panel_pass<T, R, Prefetch>(a, p, o, valid, r0);
  } else {
    // Even passes: 7 rows as 4 + 3, 16 as 6 + 5 + 5.
    constexpr int kPasses = (R + kMaxTileRows - 1) / kMaxTileRows;
    constexpr int kFirst = (R + kPasses - 1) / kPasses;
    panel_pass<T, kFirst, Prefetch>(a, p, o, valid, r0);
    panel_rows<T, R - kFirst, false>(a, p, o, valid, r0 + kFirst);
  }
}

template <TensorType T, int R>
void panels(const PackedFloatArgs& a, std::size_t begin, std::size_t end) {
  const std::size_t element = T == TensorType::f32 ? 4 : 2;
  const std::size_t panel_bytes = kPanel * a.w->cols * element;
  for (std::size_t o = begin; o < end; o += kPanel)
    panel_rows<T, R>(a, a.w->bytes.data() + (o / kPanel) * panel_bytes, o, std::min(kPanel, end - o), 0);
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

}  // namespace specmap::runtime::kernels::avx2_packed

#pragma GCC pop_options

namespace specmap::runtime::kernels::avx2_packed {

bool pack(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows, std::size_t cols,
          PackedWeights& out) {
  if (type != TensorType::f32 && type != TensorType::f16) return false;
  pack_float_panels(type, weight, row_bytes, rows, cols, kPanel, out);
  return true;
}

}  // namespace specmap::runtime::kernels::avx2_packed
#endif
