// The "avx512-bf16" kernel set: the AVX-512 set with bf16 weights multiplied by
// VDPBF16PS (AVX512_BF16: Zen 4 and later, Cooper Lake, Sapphire Rapids), which takes 32
// bf16 products per instruction where the AVX-512 set widens 16 weights to f32 per FMA.
// Numerics: the activation rows are rounded to bf16 (to nearest even) once per call, each
// product of two bf16 values is exact in f32 and the pair sums accumulate in f32 (the
// instruction flushes denormal inputs and outputs to zero); so a dot differs from the f32
// one by at most 2^-9 * sum |w x| from the activations' rounding, plus f32 accumulation.
// That is not the f32 product the other sets compute, so the set is opt-in
// (SPECMAP_CPU_KERNELS=avx512-bf16; dispatch.h). BM_LinearRows/bf16 on 2048 x 768, one core
// of the AMD EPYC host, both sets in one run: 9 rows 186-229 -> 119-135 us, 16 rows
// 397-500 -> 245-255 us, 1 row 49-55 -> 43-47 us.
// Compiled for those instructions whatever the build's target; dispatch.cc hands the set
// out only when the CPU has them. Only intrinsics and internal functions are compiled under
// the target pragma.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>
#include <vector>

#include "runtime/kernels/cpu/kernel_sets.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace specmap::runtime::kernels {
namespace {

// x [rows x cols] f32 -> xb [rows x padded] bf16 (round to nearest even), zero past cols.
void round_rows_to_bf16(const float* x, std::size_t rows, std::size_t cols, std::size_t padded,
                        std::uint16_t* xb) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < padded; i += 32) {
      const auto mask = [&](std::size_t from) -> __mmask16 {
        if (from >= cols) return 0;
        return cols - from >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (cols - from)) - 1);
      };
      const __m512 lo = _mm512_maskz_loadu_ps(mask(i), x + r * cols + i);
      const __m512 hi = _mm512_maskz_loadu_ps(mask(i + 16), x + r * cols + i + 16);
      _mm512_storeu_si512(xb + r * padded + i, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)));
    }
}

struct Bf16Args {
  const std::byte* weight;
  std::size_t row_bytes, cols;
  const std::uint16_t* xb;  // [rows x padded]
  std::size_t padded;
  float* y;
  std::size_t y_stride;
};

// O outputs x R rows, U accumulators per pair over consecutive 32-column steps; weights
// requested `Ahead` bytes ahead in each row's stream (as the AVX-512 set's float kernels).
template <int R, int O, int U, int Ahead>
void bf16_outputs_at(const Bf16Args& a, std::size_t o, std::size_t r0) {
  const std::size_t cols = a.cols;
  const std::uint16_t* const x = a.xb + r0 * a.padded;
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
  const std::size_t wrap = (O - 1) * a.row_bytes;
  std::size_t i = 0;
  for (; i + 32 * U <= cols; i += 32 * U)
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
      if constexpr (Ahead > 0) {
        const std::size_t p = (i + 32 * u) * 2 + Ahead;
        const std::size_t at = p + (p >= a.row_bytes ? wrap : 0);
#pragma GCC unroll 4
        for (int k = 0; k < O; ++k) _mm_prefetch(reinterpret_cast<const char*>(rows[k] + at), _MM_HINT_T0);
      }
      __m512bh w[O];
#pragma GCC unroll 4
      for (int k = 0; k < O; ++k)
        w[k] = reinterpret_cast<__m512bh>(_mm512_loadu_si512(rows[k] + 2 * (i + 32 * u)));
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const __m512bh xv = reinterpret_cast<__m512bh>(_mm512_loadu_si512(x + r * a.padded + i + 32 * u));
#pragma GCC unroll 4
        for (int k = 0; k < O; ++k) acc[k][u][r] = _mm512_dpbf16_ps(acc[k][u][r], w[k], xv);
      }
    }
  for (; i < cols; i += 32) {
    const __mmask32 m = cols - i >= 32 ? __mmask32(0xFFFFFFFFu)
                                       : static_cast<__mmask32>((std::uint32_t(1) << (cols - i)) - 1);
    __m512bh w[O];
#pragma GCC unroll 4
    for (int k = 0; k < O; ++k)
      w[k] = reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, rows[k] + 2 * i));
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512bh xv = reinterpret_cast<__m512bh>(_mm512_loadu_si512(x + r * a.padded + i));
#pragma GCC unroll 4
      for (int k = 0; k < O; ++k) acc[k][0][r] = _mm512_dpbf16_ps(acc[k][0][r], w[k], xv);
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

// The AVX-512 float kernels' tiles: four outputs per pass; from 7 rows two tiles of half
// the rows, the second finding the weights in the L1 cache.
template <int R, int O>
void bf16_tiles_at(const Bf16Args& a, std::size_t o) {
  constexpr int U = R == 1 ? 4 : R <= 3 ? 2 : 1;
  constexpr int kAhead = O == 1 ? 0 : 2048;
  if constexpr (R <= 6) {
    bf16_outputs_at<R, O, U, kAhead>(a, o, 0);
  } else {
    constexpr int kFirst = (R + 1) / 2;
    bf16_outputs_at<kFirst, O, U, kAhead>(a, o, 0);
    bf16_outputs_at<R - kFirst, O, U, 0>(a, o, kFirst);
  }
}

template <int R>
void bf16_outputs(const Bf16Args& a, std::size_t begin, std::size_t end) {
  constexpr int O = 4;
  std::size_t o = begin;
  for (; o + O <= end; o += O) bf16_tiles_at<R, O>(a, o);
  for (; o < end; ++o) bf16_tiles_at<R, 1>(a, o);
}

void bf16_dot_rows_converted(const Bf16Args& a, std::size_t rows, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const Bf16Args&, std::size_t, std::size_t);
  static constexpr Fn kByRows[kMaxKernelRows + 1] = {
      nullptr,          bf16_outputs<1>,  bf16_outputs<2>,  bf16_outputs<3>,  bf16_outputs<4>,
      bf16_outputs<5>,  bf16_outputs<6>,  bf16_outputs<7>,  bf16_outputs<8>,  bf16_outputs<9>,
      bf16_outputs<10>, bf16_outputs<11>, bf16_outputs<12>, bf16_outputs<13>, bf16_outputs<14>,
      bf16_outputs<15>, bf16_outputs<16>};
  kByRows[rows](a, begin, end);
}

}  // namespace
}  // namespace specmap::runtime::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace specmap::runtime::kernels {
namespace {

// The activations are rounded per call (per chunk of outputs the caller hands a thread):
// rows x cols conversions against 32 x rows x cols products per chunk.
void bf16_dot_rows(const FloatRowsArgs& a, std::size_t begin, std::size_t end) {
  thread_local std::vector<std::uint16_t> rounded;
  const std::size_t padded = (a.cols + 31) / 32 * 32;
  rounded.resize(a.rows * padded);
  round_rows_to_bf16(a.x, a.rows, a.cols, padded, rounded.data());
  const Bf16Args args{a.weight, a.row_bytes, a.cols, rounded.data(), padded, a.y, a.y_stride};
  bf16_dot_rows_converted(args, a.rows, begin, end);
}

}  // namespace

const RowsKernelSet* avx512_bf16_kernels() {
  static const RowsKernelSet set = [] {
    RowsKernelSet s = *avx512_kernels();
    s.name = "avx512-bf16";
    s.bf16 = bf16_dot_rows;
    return s;
  }();
  return &set;
}

}  // namespace specmap::runtime::kernels
#else
#include "runtime/kernels/cpu/kernel_sets.h"
namespace specmap::runtime::kernels {
const RowsKernelSet* avx512_bf16_kernels() { return nullptr; }
}  // namespace specmap::runtime::kernels
#endif
