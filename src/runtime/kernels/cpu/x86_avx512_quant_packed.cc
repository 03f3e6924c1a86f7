// The AVX-512 set's packed q8_0 / q4_0 kernels (AVX512F/BW/VL + VNNI, F16C), compiled for
// those instructions whatever the build's target and reached only through
// avx512_kernels(), which dispatch.cc hands out only when the CPU has them. Under the target
// pragma only intrinsics and functions with internal linkage are compiled.
//
// Layout (pack, once when the model is loaded): panels of 16 consecutive output features.
// Per block of 32 columns a panel holds 8 vectors for q8_0, vector m's 32-bit lane o being
// elements 4m..4m+3 of output o's block, stored + 128 (vpdpbusd multiplies unsigned by
// signed bytes: the weights are the unsigned side, the activations the signed one); for
// q4_0 4 vectors, vector p's lane o being bytes 4p..4p+3 of output o's block as stored, so
// that `and 0x0F` gives elements 4p..4p+3 and `srli 4` elements 16+4p..16+4p+3 in the same
// lanes (the nibbles unsigned as stored). Two blocks go in one unit with their 2 x 16 f16
// scales after them: 1088 bytes for q8_0, 576 for q4_0, both multiples of 64, so every
// weight vector is an aligned load; an odd last block and the outputs past the tensor's
// last row are padded with zero weights and zero scales.
//
// Kernel: per panel one f32 accumulator per row holding its 16 outputs. For each block the
// weight vectors are loaded once for all rows; per row an int32 accumulator starts at the
// block's correction (-128 resp. -8 times the row's block sum of qs, from prepare: the
// weights' +128 / the nibbles' missing -8), takes 8 vpdpbusd with the row's 4-byte groups
// broadcast from memory, and is converted and added with the product of the 16 weight
// scales and the row's block scale. No transposes, no horizontal reductions: the weights
// stream once, and each row costs 8 dot products + 3 vector operations per 512 weights.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "runtime/kernels/cpu/x86_avx512_quant.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace specmap::runtime::kernels {
namespace {

constexpr std::size_t kPanel = 16;

template <TensorType T>
constexpr std::size_t kWeightBytes = T == TensorType::q8_0 ? 512 : 256;  // one block of a panel
template <TensorType T>
constexpr std::size_t kUnitBytes = 2 * kWeightBytes<T> + 64;  // two blocks and their scales

// The prepared activations and the output as plain pointers.
struct PackedCall {
  const std::byte* w;
  std::size_t outputs, pairs;
  const std::int8_t* qs;        // [pairs*2 x R x 32]
  const float* scales;          // [pairs*2 x R]
  const std::int32_t* offsets;  // [pairs*2 x R]
  float* y;
  std::size_t y_stride;
};

template <TensorType T>
inline void load_block(const std::byte* p, __m512i (&w)[8]) {
  if constexpr (T == TensorType::q8_0) {
#pragma GCC unroll 8
    for (int m = 0; m < 8; ++m) w[m] = _mm512_load_si512(p + 64 * m);
  } else {
    const __m512i nibble = _mm512_set1_epi8(0x0F);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const __m512i v = _mm512_load_si512(p + 64 * k);
      w[k] = _mm512_and_si512(v, nibble);
      w[k + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);
    }
  }
}

// s + w . (the 4 bytes at p in every lane), the bytes broadcast by the instruction's own
// memory operand ({1to16}): GCC does not fold a separate broadcast into vpdpbusd, and the
// extra instruction per dot product (20 instead of 12 per row and block) crowds the front
// end (measured, shared host, fastest of 5 runs: 9 rows of 2048 x 768 q8_0 56.7 -> 55.6 us,
// q4_0 51.8 -> 49.8 us). Interleaving the rows' dependent chains in program order did not
// measure faster: the out-of-order window already overlaps them.
using AliasedInt32 = std::int32_t __attribute__((may_alias));
inline __m512i dot_broadcast4(__m512i s, __m512i w, const std::int8_t* p) {
  __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(s) : "v"(w), "m"(*reinterpret_cast<const AliasedInt32*>(p)));
  return s;
}

// One block for R rows: xq, xs, xo point at the block's first row.
template <int R>
inline void block_rows(const __m512i (&w)[8], __m512 ws, const std::int8_t* xq, const float* xs,
                       const std::int32_t* xo, __m512 (&acc)[R]) {
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const std::int8_t* q = xq + 32 * r;
    __m512i s = _mm512_set1_epi32(xo[r]);
#pragma GCC unroll 8
    for (int m = 0; m < 8; ++m) s = dot_broadcast4(s, w[m], q + 4 * m);
    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(ws, _mm512_set1_ps(xs[r])), acc[r]);
  }
}

// From 3 rows the dot products keep the core busy long enough that the hardware
// prefetchers fall behind: each unit's lines are requested 16 KB ahead (the stream runs on
// into the next panel). Measured on a 32000 x 2048 tensor streamed from memory (one core of
// an AMD EPYC host, shared machine): 9 rows q8_0 4.0 -> 2.6 ms, q4_0 3.2 -> 2.2 ms (2 KB
// ahead: 3.6 / 2.3, 8 KB: 2.4-2.7 / 2.0-2.2); 1 and 2 rows stream as fast without it.
// The lines go to the L2 cache, not L1: 16 KB of them in flight beside the activations
// (9 rows of 2048 columns are another 18 KB) overflow a 32 KB L1 before they are used, and
// the demand loads then miss again. Measured on a Zen 4 core (32 KB L1D, shared machine,
// medians of 6 runs alternating): all matrices of a host-target-110m step for 9 rows,
// q8_0 15.9 -> 10.5 ms with the L2 hint, q4_0 unchanged (8.6 / 8.5 ms); the L2 hint does
// not depend on how large the L1 is.
constexpr std::size_t kAhead = 16384;
constexpr int kPrefetchFromRows = 2;

template <TensorType T, int R>
void packed_outputs(const PackedCall& a, std::size_t begin, std::size_t end) {
  constexpr std::size_t kUnit = kUnitBytes<T>, kW = kWeightBytes<T>;
  for (std::size_t o0 = begin; o0 < end; o0 += kPanel) {
    const std::byte* panel = a.w + (o0 / kPanel) * a.pairs * kUnit;
    __m512 acc[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    __m512i w[8];
    for (std::size_t p = 0; p < a.pairs; ++p) {
      const std::byte* u = panel + p * kUnit;
      if constexpr (R > kPrefetchFromRows) {
#pragma GCC unroll 17
        for (std::size_t i = 0; i < kUnit; i += 64)
          _mm_prefetch(reinterpret_cast<const char*>(u + kAhead + i), _MM_HINT_T1);
      }
      const __m512 ws0 = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(u + 2 * kW)));
      const __m512 ws1 =
          _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(u + 2 * kW + 32)));
      const std::size_t b = 2 * p;
      load_block<T>(u, w);
      block_rows<R>(w, ws0, a.qs + b * R * 32, a.scales + b * R, a.offsets + b * R, acc);
      load_block<T>(u + kW, w);
      block_rows<R>(w, ws1, a.qs + (b + 1) * R * 32, a.scales + (b + 1) * R, a.offsets + (b + 1) * R, acc);
    }
    const std::size_t n = std::min(kPanel, std::min(end, a.outputs) - o0);
    const auto mask = static_cast<__mmask16>(n == kPanel ? 0xFFFFu : (1u << n) - 1);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) _mm512_mask_storeu_ps(a.y + r * a.y_stride + o0, mask, acc[r]);
  }
}

template <TensorType T>
void packed_rows(const PackedCall& a, std::size_t rows, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const PackedCall&, std::size_t, std::size_t);
  static constexpr Fn kByRows[kMaxKernelRows + 1] = {nullptr,
                                                     packed_outputs<T, 1>,
                                                     packed_outputs<T, 2>,
                                                     packed_outputs<T, 3>,
                                                     packed_outputs<T, 4>,
                                                     packed_outputs<T, 5>,
                                                     packed_outputs<T, 6>,
                                                     packed_outputs<T, 7>,
                                                     packed_outputs<T, 8>,
                                                     packed_outputs<T, 9>,
                                                     packed_outputs<T, 10>,
                                                     packed_outputs<T, 11>,
                                                     packed_outputs<T, 12>,
                                                     packed_outputs<T, 13>,
                                                     packed_outputs<T, 14>,
                                                     packed_outputs<T, 15>,
                                                     packed_outputs<T, 16>};
  kByRows[rows](a, begin, end);
}

// Re-lays blocks of `rows` x `cols` (stored ggml-style) into panels at dst (zeroed).
template <TensorType T>
void pack_panels(const std::byte* weight, std::size_t row_bytes, std::size_t rows, std::size_t blocks,
                 std::byte* dst) {
  using Block = std::conditional_t<T == TensorType::q8_0, BlockQ8_0, BlockQ4_0>;
  constexpr std::size_t kUnit = kUnitBytes<T>, kW = kWeightBytes<T>;
  const std::size_t pairs = (blocks + 1) / 2, panels = (rows + kPanel - 1) / kPanel;
  for (std::size_t p = 0; p < panels; ++p)
    for (std::size_t b = 0; b < 2 * pairs; ++b) {
      std::byte* unit = dst + (p * pairs + b / 2) * kUnit;
      std::byte* wv = unit + (b % 2) * kW;
      std::byte* sv = unit + 2 * kW + (b % 2) * 32;
      for (std::size_t o = 0; o < kPanel; ++o) {
        const std::size_t row = p * kPanel + o;
        if (row >= rows || b >= blocks) {
          // Zero weights (q8_0's zero is 128 unsigned) and a zero scale.
          if constexpr (T == TensorType::q8_0)
            for (std::size_t m = 0; m < 8; ++m) std::memset(wv + 64 * m + 4 * o, 0x80, 4);
          continue;
        }
        Block block;
        std::memcpy(&block, weight + row * row_bytes + b * sizeof(Block), sizeof(Block));
        std::memcpy(sv + 2 * o, &block.d, 2);
        if constexpr (T == TensorType::q8_0) {
          for (std::size_t m = 0; m < 8; ++m)
            for (std::size_t i = 0; i < 4; ++i)
              wv[64 * m + 4 * o + i] = std::byte(std::uint8_t(block.qs[4 * m + i]) ^ 0x80u);
        } else {
          for (std::size_t k = 0; k < 4; ++k) std::memcpy(wv + 64 * k + 4 * o, block.qs + 4 * k, 4);
        }
      }
    }
}

}  // namespace
}  // namespace specmap::runtime::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace specmap::runtime::kernels {

namespace {
template <TensorType T>
PackedCall packed_call(const PackedQuantArgs& a) {
  const QuantizedRows& x = *a.x;
  return {a.w->bytes.data(),
          a.w->rows,
          x.pairs,
          x.block_qs.data(),
          x.block_scales.data(),
          T == TensorType::q8_0 ? x.block_offsets128.data() : x.block_offsets8.data(),
          a.y,
          a.y_stride};
}
}  // namespace

bool avx512_quant::pack(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows,
                        std::size_t cols, PackedWeights& out) {
  if (type != TensorType::q8_0 && type != TensorType::q4_0) return false;
  const std::size_t blocks = cols / kQuantBlock, pairs = (blocks + 1) / 2;
  const std::size_t panels = (rows + kPanel - 1) / kPanel;
  out.type = type;
  out.rows = rows;
  out.cols = cols;
  out.panel = kPanel;
  const std::size_t unit =
      type == TensorType::q8_0 ? kUnitBytes<TensorType::q8_0> : kUnitBytes<TensorType::q4_0>;
  out.bytes.assign(panels * pairs * unit, std::byte{0});
  if (type == TensorType::q8_0) {
    pack_panels<TensorType::q8_0>(weight, row_bytes, rows, blocks, out.bytes.data());
  } else {
    pack_panels<TensorType::q4_0>(weight, row_bytes, rows, blocks, out.bytes.data());
  }
  return true;
}

void avx512_quant::packed_q8_0(const PackedQuantArgs& a, std::size_t begin, std::size_t end) {
  packed_rows<TensorType::q8_0>(packed_call<TensorType::q8_0>(a), a.x->rows, begin, end);
}

void avx512_quant::packed_q4_0(const PackedQuantArgs& a, std::size_t begin, std::size_t end) {
  packed_rows<TensorType::q4_0>(packed_call<TensorType::q4_0>(a), a.x->rows, begin, end);
}

}  // namespace specmap::runtime::kernels
#endif
