// The AVX-512 kernel set (AVX512F/BW/VL/DQ + VNNI, F16C, FMA), compiled for those
// instructions whatever the build's target: dispatch.cc only hands it out when the CPU has
// them. Only intrinsics and functions with internal linkage are compiled under the target
// pragma (an inline library function instantiated here could be linked into code that runs
// on any CPU).
#if defined(__x86_64__)
#include <immintrin.h>

#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/kernels/cpu/x86_avx512_packed.h"
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

// How one pass covers O consecutive output features for R rows: U independent
// accumulators per row and output over consecutive 16-column steps (few rows would leave
// the FMA latency exposed with one), O * U * R + O <= 32 registers where it fits, and how far ahead the
// weights are requested from memory.
struct FloatTile {
  int outputs;  // O
  int unroll;   // U
  // kPassAhead: the same columns of the next pass's O rows (several rows: a pass is long
  // enough to hide the memory latency); > 0: that many bytes ahead in each row's stream,
  // running on into the next pass's rows; 0: the hardware prefetchers alone.
  int ahead;
  int split = 0;  // > 0: two tiles of `split` and R - split rows (float_tiles_at)
};
inline constexpr int kPassAhead = -1;

// Chosen on host-target-110m's matrices streamed from memory (one core of the AMD EPYC
// host, each variant beside the others in one run): four outputs per pass stream 1.3-2x
// faster than two or three at every row count (each activation load then feeds four FMAs
// from a register, where with two or three GCC folds one load into every FMA), and
// requesting each row's weights 2 KB ahead beats the hardware prefetchers alone by 1.3x
// for one row. From 7 rows four outputs' accumulators overflow the registers: f32 keeps
// one tile up to 9 rows (the spilled accumulators cost less than a second pass over the
// L1 cache: 34 against 38 ms for 9 rows), 16-bit weights, whose loads also convert, run
// two tiles (24 against 35 ms).
template <TensorType T, int R>
constexpr FloatTile float_tile() {
  if constexpr (R == 1) return {4, 4, 2048};
  if constexpr (R <= 3) return {4, 2, 2048};
  if constexpr (R <= 6) return {4, 1, 2048};
  if constexpr (T == TensorType::f32 && R <= 9) return {4, 1, kPassAhead};
  return {4, 1, 2048, (R + 1) / 2};
}

template <TensorType T, int R, int O, int U, int Ahead>
void float_outputs_at(const FloatRowsArgs& a, std::size_t o, std::size_t r0) {
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
  // A prefetch past the tensor's end is harmless. Rows are contiguous, so `Ahead` bytes
  // past row k's end is the next pass's row k at (pos + Ahead - row_bytes).
  constexpr std::size_t kBytesPerStep = T == TensorType::f32 ? 64 : 32;
  const std::size_t wrap = (O - 1) * a.row_bytes;
  std::size_t i = 0;
  for (; i + 16 * U <= cols; i += 16 * U)
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
      const std::size_t pos = (i / 16 + u) * kBytesPerStep;
      if constexpr (Ahead == kPassAhead) {
#pragma GCC unroll 4
        for (int k = 0; k < O; ++k)
          _mm_prefetch(reinterpret_cast<const char*>(rows[k] + O * a.row_bytes + pos), _MM_HINT_T0);
      } else if constexpr (Ahead > 0) {
        // One request per 64-byte line: every step of f32, every other one of 16-bit types.
        if (kBytesPerStep == 64 || (U % 2 == 0 ? u % 2 == 0 : (i / 16) % 2 == 0)) {
          const std::size_t p = pos + Ahead;
          const std::size_t at = p + (p >= a.row_bytes ? wrap : 0);
#pragma GCC unroll 4
          for (int k = 0; k < O; ++k) _mm_prefetch(reinterpret_cast<const char*>(rows[k] + at), _MM_HINT_T0);
        }
      }
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

// Rows beyond what one pass's registers hold run as two tiles of `Split` and R - Split
// rows over the same O outputs: the second tile finds the weight rows in the L1 cache
// (requests nothing ahead), so memory still sees each weight once.
template <TensorType T, int R, int O, int U, int Ahead, int Split>
void float_tiles_at(const FloatRowsArgs& a, std::size_t o) {
  if constexpr (Split == 0) {
    float_outputs_at<T, R, O, U, Ahead>(a, o, 0);
  } else {
    float_outputs_at<T, Split, O, U, Ahead>(a, o, 0);
    float_outputs_at<T, R - Split, O, U, 0>(a, o, Split);
  }
}

template <TensorType T, int R, FloatTile Tile = float_tile<T, R>()>
void float_outputs(const FloatRowsArgs& a, std::size_t begin, std::size_t end) {
  constexpr int O = Tile.outputs;
  std::size_t o = begin;
  for (; o + O <= end; o += O) float_tiles_at<T, R, O, Tile.unroll, Tile.ahead, Tile.split>(a, o);
  for (; o < end; ++o) float_tiles_at<T, R, 1, Tile.unroll, 0, Tile.split>(a, o);
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

namespace {

// The set's layouts per type: f32 and f16 in float panels (x86_avx512_packed.cc), q8_0 and
// q4_0 in VNNI panels of 16 outputs (x86_avx512_quant_packed.cc); bf16 keeps the stored
// layout.
bool pack_avx512(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows,
                 std::size_t cols, PackedWeights& out) {
  switch (type) {
    case TensorType::f32:
    case TensorType::f16:
      return avx512_packed::pack(type, weight, row_bytes, rows, cols, out);
    case TensorType::q8_0:
    case TensorType::q4_0:
      return avx512_quant::pack(type, weight, row_bytes, rows, cols, out);
    default:
      return false;
  }
}

}  // namespace

const RowsKernelSet* avx512_kernels() {
  static const RowsKernelSet set = [] {
    RowsKernelSet s{"avx512",
                    float_rows<TensorType::f32>,
                    float_rows<TensorType::f16>,
                    float_rows<TensorType::bf16>,
                    avx512_quant::prepare,
                    avx512_quant::q8_0_rows,
                    avx512_quant::q4_0_rows};
    s.pack = pack_avx512;
    s.packed_f32 = avx512_packed::f32_rows;
    s.packed_f16 = avx512_packed::f16_rows;
    s.packed_q8_0 = avx512_quant::packed_q8_0;
    s.packed_q4_0 = avx512_quant::packed_q4_0;
    s.prepare_packed = avx512_quant::prepare_packed;
    return s;
  }();
  return &set;
}

}  // namespace specmap::runtime::kernels
#else
#include "runtime/kernels/cpu/kernel_sets.h"
namespace specmap::runtime::kernels {
const RowsKernelSet* avx512_kernels() { return nullptr; }
}  // namespace specmap::runtime::kernels
#endif
