// The q8_0 / q4_0 kernels of the AVX-512 set (AVX512F/BW/VL/DQ + VNNI, F16C), compiled
// for those instructions whatever the build's target: they are reached only through
// avx512_kernels(), which dispatch.cc hands out only when the CPU has them. Under the
// target pragma only intrinsics, functions with internal linkage and the entry points of
// x86_avx512_quant.h are compiled (an inline library function instantiated here could be
// linked into code that runs on any CPU); prepare's vector resizing stays outside it.
//
// These are the stored-layout kernels: they run on tensors the set's `pack` did not re-lay
// (x86_avx512_quant_packed.cc has the packed panels of 16 outputs, which models get when
// loaded and which need no transposes at all: 2.5-3x faster from 4 rows); prepare fills
// only these kernels' activation layouts, prepare_packed only the packed kernels' one.
//
// Layout: the blocks of a row go in groups of 16, one int32 lane per block. The activations
// are transposed once per linear (prepare): vector m of a group holds elements 4m..4m+3 of
// its 16 blocks, so 8 VNNI dot products (vpdpbusd) accumulate each block's whole dot in its
// own lane, and one convert + scale multiply + FMA per row serves 16 blocks. The weights
// are transposed the same way once per output feature, shared by all rows. vpdpbusd and
// the FMA share one execution pipe on the AMD Zen CPUs measured, so per row and 512 weights this is
// 9 of them where one dot product per pair of blocks took 16 (and 8 more for the weights'
// sums). The weights enter unsigned (q8_0 + 128, q4_0's nibbles as stored), the
// activations signed, and each lane starts at -128 resp. -8 times its block's activation
// sum, prepared with the activations: no per-weight correction. q8_0 for up to 4 rows
// keeps the pairs of blocks (pair_output): there the weights' transpose costs more than the
// dot products it saves.
#if defined(__x86_64__)
#include "runtime/kernels/cpu/x86_avx512_quant.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")
// GCC 12's AVX-512 headers start some reductions and inserts from a deliberately undefined
// register, which its own flow analysis then reports as uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace specmap::runtime::kernels {
namespace {

constexpr std::size_t kGroup = QuantizedRows::kGroupBlocks;  // 16 blocks, one per lane
constexpr std::size_t kGroupBytes = QuantizedRows::kGroupBytes;

// The prepared activations as plain pointers (QuantizedRows' vectors are read outside the
// target pragma).
struct Groups {
  std::size_t rows, blocks, groups, pairs;
  const std::uint8_t* pair_qs_u8;
  const float* pair_scales;
  const std::int8_t* qs;
  const float* scales;
  const std::int32_t* offsets8;
  const std::int32_t* offsets128;
};

struct Call {
  const std::byte* weight;
  std::size_t row_bytes;
  Groups x;
  float* y;
  std::size_t y_stride;
};

template <TensorType T>
constexpr std::size_t kBlockBytes = T == TensorType::q8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);

// Word indices of the scales in 128-byte windows of a group: q4_0 has blocks 0-7 in one
// window and 8-15 in the next (lanes 8-15), q8_0 four blocks per window (lanes 4c..4c+3 from
// window c).
struct ScaleWords {
  alignas(64) std::int16_t v[32];
};

template <TensorType T>
constexpr ScaleWords scale_words() {
  constexpr int kWords = int(kBlockBytes<T>) / 2;  // a block's size in 16-bit words
  ScaleWords s{};
  for (int l = 0; l < 16; ++l) s.v[l] = std::int16_t(kWords * (T == TensorType::q4_0 ? l % 8 : l % 4));
  return s;
}

template <TensorType T>
constexpr ScaleWords kScaleWords = scale_words<T>();

// q8_0's word indices into a 128-byte window of four blocks (p = 0..3, 17 words each, the
// scale first): 32-bit element c (word pair h) of block p to word 8c + 2p + h, from the
// window at byte 0 for elements 0-15 and at byte 8 for elements 16-31.
struct Q8Words {
  alignas(64) std::int16_t x[32];
  alignas(64) std::int16_t y[32];
};

constexpr Q8Words q8_words() {
  Q8Words w{};
  for (int c = 0; c < 4; ++c)
    for (int p = 0; p < 4; ++p)
      for (int h = 0; h < 2; ++h) {
        w.x[8 * c + 2 * p + h] = std::int16_t(17 * p + 1 + 2 * c + h);
        w.y[8 * c + 2 * p + h] = std::int16_t(17 * p + 5 + 2 * c + h);
      }
  return w;
}

constexpr Q8Words kQ8Words = q8_words();

// The 16 weight scales of a group starting at `base` (n blocks present, the rest 0): the
// f16 d at the start of each block. A whole group picks them out of 128-byte windows with
// two-table word permutes (a gather costs more); a last partial one other than 8 blocks
// gathers them (the windows could reach past the tensor's end).
template <TensorType T, unsigned N>
inline __m512 group_scales(const std::byte* base, unsigned n) {
  constexpr bool Full = N == kGroup;
  const auto window = [&](std::size_t offset, __m512i index) {
    return _mm512_permutex2var_epi16(_mm512_loadu_si512(base + offset), index,
                                     _mm512_loadu_si512(base + offset + 64));
  };
  const __m512i idx = _mm512_load_si512(kScaleWords<T>.v);
  if (Full || N == 8 || n == 8) {
    // q4_0: blocks 0-7 lie in bytes 0-127 (d at 18 l), blocks 8-15 in bytes 144-271. q8_0:
    // four blocks per window (d at 34 l), window c at byte 136 c. A last group of 8 (768
    // columns) takes the first half.
    __m512i bits;
    if constexpr (T == TensorType::q4_0) {
      bits = window(0, idx);
      if constexpr (Full) bits = _mm512_mask_blend_epi16(0xFF00, bits, window(8 * kBlockBytes<T>, idx));
    } else {
      bits = _mm512_mask_blend_epi16(0x00F0, window(0, idx), window(4 * kBlockBytes<T>, idx));
      if constexpr (Full) {
        bits = _mm512_mask_blend_epi16(0x0F00, bits, window(8 * kBlockBytes<T>, idx));
        bits = _mm512_mask_blend_epi16(0xF000, bits, window(12 * kBlockBytes<T>, idx));
      }
    }
    if constexpr (!Full) bits = _mm512_maskz_mov_epi16(0x00FF, bits);
    return _mm512_cvtph_ps(_mm512_castsi512_si256(bits));
  } else {
    const __m512i index =
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(int(kBlockBytes<T>)));
    const __m512i bits = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(),
                                                     static_cast<__mmask16>((1u << n) - 1), index, base, 1);
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(bits));
  }
}

// The weights of a group as 8 vectors of unsigned bytes, vector m holding elements
// 4m..4m+3 of block l in lane l (absent blocks zero), and their scales.
//
// N is the number of blocks present when known at compile time (16: a whole group, 8: the
// last group of 768 columns), else 0 and n says it.
template <TensorType T, unsigned N>
inline void load_group(const std::byte* base, unsigned n, __m512i (&w)[8], __m512& dw) {
  constexpr bool Full = N == kGroup;
  if constexpr (T == TensorType::q8_0) {
    // Four blocks j (136 bytes) at a time: two word permutes of 128-byte windows pick
    // elements 0-15 (x) and 16-31 (y) out of them, 32-bit element c of block 4j + p in
    // position p of 128-bit lane c; a third picks the scales. Then a 4x4 transpose of 128-bit
    // lanes over the four j. A last partial group reads its windows masked to the row.
    __m512i x[4], y[4], d = _mm512_setzero_si512();
    const __m512i x_words = _mm512_load_si512(kQ8Words.x), y_words = _mm512_load_si512(kQ8Words.y);
    const __m512i d_words = _mm512_load_si512(kScaleWords<T>.v);
#pragma GCC unroll 4
    for (unsigned j = 0; j < 4; ++j) {
      const std::byte* p = base + j * 4 * sizeof(BlockQ8_0);
      __m512i w0, w1, w2, w3;  // bytes [0, 64), [64, 128), [8, 72), [72, 136) of the window
      if constexpr (N != 0 && !Full) {
        if (4 * j >= N) {
          x[j] = y[j] = _mm512_setzero_si512();
          continue;
        }
      }
      if constexpr (N != 0) {
        w0 = _mm512_loadu_si512(p);
        w1 = _mm512_loadu_si512(p + 64);
        w2 = _mm512_loadu_si512(p + 8);
        w3 = _mm512_loadu_si512(p + 72);
      } else {
        const int avail = 4 * j >= n ? 0 : int(sizeof(BlockQ8_0)) * int(std::min(n - 4 * j, 4u));
        const auto words = [&](int from) {
          const int k = std::clamp(avail - from, 0, 64) / 2;
          return static_cast<__mmask32>(k == 32 ? ~0u : (1u << k) - 1);
        };
        w0 = _mm512_maskz_loadu_epi16(words(0), p);
        w1 = _mm512_maskz_loadu_epi16(words(64), p + 64);
        w2 = _mm512_maskz_loadu_epi16(words(8), p + 8);
        w3 = _mm512_maskz_loadu_epi16(words(72), p + 72);
      }
      x[j] = _mm512_permutex2var_epi16(w0, x_words, w1);
      y[j] = _mm512_permutex2var_epi16(w2, y_words, w3);
      d = _mm512_mask_blend_epi16(static_cast<__mmask32>(0xFu << (4 * j)), d,
                                  _mm512_permutex2var_epi16(w0, d_words, w1));
    }
    dw = _mm512_cvtph_ps(_mm512_castsi512_si256(d));
    const __m512i bias = _mm512_set1_epi8(char(0x80));
    const auto transpose = [&](const __m512i(&v)[4], __m512i* out) {
      const __m512i t0 = _mm512_shuffle_i32x4(v[0], v[1], _MM_SHUFFLE(1, 0, 1, 0));
      const __m512i t1 = _mm512_shuffle_i32x4(v[0], v[1], _MM_SHUFFLE(3, 2, 3, 2));
      const __m512i t2 = _mm512_shuffle_i32x4(v[2], v[3], _MM_SHUFFLE(1, 0, 1, 0));
      const __m512i t3 = _mm512_shuffle_i32x4(v[2], v[3], _MM_SHUFFLE(3, 2, 3, 2));
      out[0] = _mm512_xor_si512(_mm512_shuffle_i32x4(t0, t2, _MM_SHUFFLE(2, 0, 2, 0)), bias);
      out[1] = _mm512_xor_si512(_mm512_shuffle_i32x4(t0, t2, _MM_SHUFFLE(3, 1, 3, 1)), bias);
      out[2] = _mm512_xor_si512(_mm512_shuffle_i32x4(t1, t3, _MM_SHUFFLE(2, 0, 2, 0)), bias);
      out[3] = _mm512_xor_si512(_mm512_shuffle_i32x4(t1, t3, _MM_SHUFFLE(3, 1, 3, 1)), bias);
    };
    transpose(x, w);
    transpose(y, w + 4);
  } else {
    dw = group_scales<T, N>(base, n);
    const auto block = [&](unsigned b) {
      return Full || (N != 0 ? b < N : b < n)
                 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + b * sizeof(BlockQ4_0) + 2))
                 : _mm_setzero_si128();
    };
    // z[i]: blocks i, i + 4, i + 8, i + 12 in its 128-bit lanes; then a 4x4 transpose of
    // 32-bit elements in each lane. Low nibbles are elements 0-15, high ones 16-31.
    __m512i z[4];
#pragma GCC unroll 4
    for (unsigned i = 0; i < 4; ++i) {
      __m512i v = _mm512_castsi128_si512(block(i));
      v = _mm512_inserti32x4(v, block(i + 4), 1);
      v = _mm512_inserti32x4(v, block(i + 8), 2);
      z[i] = _mm512_inserti32x4(v, block(i + 12), 3);
    }
    const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
    const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
    const __m512i q[4] = {_mm512_unpacklo_epi64(t0, t2), _mm512_unpackhi_epi64(t0, t2),
                          _mm512_unpacklo_epi64(t1, t3), _mm512_unpackhi_epi64(t1, t3)};
    const __m512i nibble = _mm512_set1_epi8(0x0F);
#pragma GCC unroll 4
    for (unsigned k = 0; k < 4; ++k) {
      w[k] = _mm512_and_si512(q[k], nibble);
      w[k + 4] = _mm512_and_si512(_mm512_srli_epi16(q[k], 4), nibble);
    }
  }
}

template <TensorType T>
inline const std::int32_t* group_offsets(const Groups& x) {
  return T == TensorType::q8_0 ? x.offsets128 : x.offsets8;
}

// One group for R rows into acc. The 8 dot products of a row go in two chains: one chain
// of 8 leaves their latency exposed even with 9 rows in flight.
template <TensorType T, int R>
inline void rows_group(const Groups& x, std::size_t g, const __m512i (&w)[8], __m512 dw, __m512 (&acc)[R]) {
  const std::int32_t* offsets = group_offsets<T>(x);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const std::size_t rg = r * x.groups + g;
    const std::int8_t* xv = x.qs + rg * kGroupBytes;
    __m512i s = _mm512_loadu_si512(offsets + rg * kGroup);
    __m512i s1 = _mm512_setzero_si512();
#pragma GCC unroll 8
    for (int m = 0; m < 8; m += 2) {
      s = _mm512_dpbusd_epi32(s, w[m], _mm512_loadu_si512(xv + 64 * m));
      s1 = _mm512_dpbusd_epi32(s1, w[m + 1], _mm512_loadu_si512(xv + 64 * (m + 1)));
    }
    s = _mm512_add_epi32(s, s1);
    const __m512 scale = _mm512_mul_ps(dw, _mm512_loadu_ps(x.scales + rg * kGroup));
    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), scale, acc[r]);
  }
}

// A last group of at most 8 blocks in 256-bit halves (half the dot-product work): it
// starts the accumulators.
template <TensorType T, int R>
inline void rows_half_group(const Groups& x, std::size_t g, const __m512i (&w)[8], __m512 dw,
                            __m512 (&acc)[R]) {
  const std::int32_t* offsets = group_offsets<T>(x);
  __m256i wh[8];
#pragma GCC unroll 8
  for (int m = 0; m < 8; ++m) wh[m] = _mm512_castsi512_si256(w[m]);
  const __m256 dwh = _mm512_castps512_ps256(dw);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const std::size_t rg = r * x.groups + g;
    const std::int8_t* xv = x.qs + rg * kGroupBytes;
    __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offsets + rg * kGroup));
    __m256i s1 = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int m = 0; m < 8; m += 2) {
      s = _mm256_dpbusd_epi32(s, wh[m], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xv + 64 * m)));
      s1 = _mm256_dpbusd_epi32(s1, wh[m + 1],
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xv + 64 * (m + 1))));
    }
    s = _mm256_add_epi32(s, s1);
    const __m256 scale = _mm256_mul_ps(dwh, _mm256_loadu_ps(x.scales + rg * kGroup));
    acc[r] = _mm512_zextps256_ps512(_mm256_mul_ps(_mm256_cvtepi32_ps(s), scale));
  }
}

template <TensorType T, int R>
void quant_output(const Call& a, std::size_t o) {
  const Groups& x = a.x;
  const std::byte* row = a.weight + o * a.row_bytes;
  const std::size_t full = x.blocks / kGroup;
  const auto rest = static_cast<unsigned>(x.blocks % kGroup);
  // The transposes load each row in a scattered order the hardware prefetcher follows
  // late: the row a few outputs on is requested now (past the tensor's end is harmless).
  constexpr std::size_t kAhead = R <= 2 ? 4 : 2;
  const std::byte* next = row + kAhead * a.row_bytes;
  for (std::size_t i = 0; i < a.row_bytes; i += 64)
    _mm_prefetch(reinterpret_cast<const char*>(next + i), _MM_HINT_T0);
  __m512 acc[R];
  __m512i w[8];
  __m512 dw;
  if (rest == 0) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  } else {
    const std::byte* last = row + full * kGroup * kBlockBytes<T>;
    if (rest == kGroup / 2) {
      load_group<T, kGroup / 2>(last, rest, w, dw);
    } else {
      load_group<T, 0>(last, rest, w, dw);
    }
    if (rest <= kGroup / 2) {
      rows_half_group<T, R>(x, full, w, dw, acc);
    } else {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
      rows_group<T, R>(x, full, w, dw, acc);
    }
  }
  for (std::size_t g = 0; g < full; ++g) {
    load_group<T, kGroup>(row + g * kGroup * kBlockBytes<T>, kGroup, w, dw);
    rows_group<T, R>(x, g, w, dw, acc);
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) a.y[r * a.y_stride + o] = _mm512_reduce_add_ps(acc[r]);
}

// q8_0 for up to 4 rows: per pair of blocks one dot product per row (the pair's 64
// weights in 16 lanes, each block in 8) scaled by both blocks' scales, the lanes starting
// at -128 * sum(w) (the activations enter as x + 128). The groups' transposes cost more
// than they save at so few rows; q4_0's nibbles transpose for free and keep the groups.
constexpr int kPairRows = 4;

inline float half_at(const std::byte* p) {
  unsigned short h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

template <int R>
void pair_output(const Call& a, std::size_t o) {
  const Groups& x = a.x;
  const std::byte* row = a.weight + o * a.row_bytes;
  constexpr std::size_t kAhead = 4;
  const std::byte* next = row + kAhead * a.row_bytes;
  for (std::size_t i = 0; i < a.row_bytes; i += 64)
    _mm_prefetch(reinterpret_cast<const char*>(next + i), _MM_HINT_T0);
  __m512 acc[R];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (std::size_t p = 0; p < x.pairs; ++p) {
    const std::byte* b0 = row + 2 * p * sizeof(BlockQ8_0);
    const bool second = 2 * p + 1 < x.blocks;
    const __m512 dw = _mm512_insertf32x8(_mm512_set1_ps(half_at(b0)),
                                         _mm256_set1_ps(second ? half_at(b0 + sizeof(BlockQ8_0)) : 0.0f), 1);
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2));
    const __m256i hi = second
                           ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + sizeof(BlockQ8_0) + 2))
                           : _mm256_setzero_si256();
    const __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    const __m512i base = _mm512_sub_epi32(
        _mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(char(0x80)), w));
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m512i xq = _mm512_loadu_si512(x.pair_qs_u8 + (r * x.pairs + p) * 64);
      const __m512 scale = _mm512_mul_ps(dw, _mm512_loadu_ps(x.pair_scales + (r * x.pairs + p) * 16));
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(base, xq, w)), scale, acc[r]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) a.y[r * a.y_stride + o] = _mm512_reduce_add_ps(acc[r]);
}

template <TensorType T, int R>
void quant_outputs(const Call& a, std::size_t begin, std::size_t end) {
  if constexpr (T == TensorType::q8_0 && R <= kPairRows) {
    for (std::size_t o = begin; o < end; ++o) pair_output<R>(a, o);
  } else {
    for (std::size_t o = begin; o < end; ++o) quant_output<T, R>(a, o);
  }
}

template <TensorType T>
void quant_rows(const Call& a, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const Call&, std::size_t, std::size_t);
  static constexpr Fn kByRows[kMaxKernelRows + 1] = {nullptr,
                                                     quant_outputs<T, 1>,
                                                     quant_outputs<T, 2>,
                                                     quant_outputs<T, 3>,
                                                     quant_outputs<T, 4>,
                                                     quant_outputs<T, 5>,
                                                     quant_outputs<T, 6>,
                                                     quant_outputs<T, 7>,
                                                     quant_outputs<T, 8>,
                                                     quant_outputs<T, 9>,
                                                     quant_outputs<T, 10>,
                                                     quant_outputs<T, 11>,
                                                     quant_outputs<T, 12>,
                                                     quant_outputs<T, 13>,
                                                     quant_outputs<T, 14>,
                                                     quant_outputs<T, 15>,
                                                     quant_outputs<T, 16>};
  kByRows[a.x.rows](a, begin, end);
}

// Quantizes one block of 32 as ggml does (d = max|x| / 127 stored as f16, q = x / d rounded
// to nearest even): q, the f16-rounded d and the sum of q.
inline void quantize_block(const float* v, std::int8_t* q, float& d, std::int32_t& sum) {
  const __m512 sign_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
  const __m512 v0 = _mm512_loadu_ps(v), v1 = _mm512_loadu_ps(v + 16);
  const float amax =
      _mm512_reduce_max_ps(_mm512_max_ps(_mm512_and_ps(v0, sign_mask), _mm512_and_ps(v1, sign_mask)));
  const float d32 = amax / 127.0f;
  const float id = d32 != 0.0f ? 1.0f / d32 : 0.0f;
  const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, _mm512_set1_ps(id)));
  const __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, _mm512_set1_ps(id)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtsepi32_epi8(i0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16), _mm512_cvtsepi32_epi8(i1));
  sum = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
  d = _cvtsh_ss(_cvtss_sh(d32, _MM_FROUND_TO_NEAREST_INT));
}

// The stored-layout kernels' activations: the rows in groups (the arrays arrive zeroed,
// which is what absent blocks hold), and pair_qs_u8 / pair_scales (the layout of
// pair_output) where not null.
void prepare_rows(const float* x, std::size_t rows, std::size_t cols, std::size_t groups, std::int8_t* qs,
                  float* scales, std::int32_t* offsets8, std::int32_t* offsets128, std::uint8_t* pair_qs_u8,
                  float* pair_scales) {
  const std::size_t pairs = (cols / 32 + 1) / 2;
  const std::size_t blocks = cols / 32;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t b = 0; b < blocks; ++b) {
      alignas(32) std::int8_t q[32];
      float d;
      std::int32_t sum;
      quantize_block(x + r * cols + b * 32, q, d, sum);
      const std::size_t rg = r * groups + b / kGroup, lane = b % kGroup;
      std::int8_t* group = qs + rg * kGroupBytes;
      for (std::size_t m = 0; m < 8; ++m) std::memcpy(group + 64 * m + 4 * lane, q + 4 * m, 4);
      scales[rg * kGroup + lane] = d;
      if (pair_qs_u8 != nullptr) {
        const __m256i bias = _mm256_set1_epi8(char(0x80));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(pair_qs_u8 + r * pairs * 64 + b * 32),
                            _mm256_xor_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(q)), bias));
        _mm256_storeu_ps(pair_scales + (r * pairs + b / 2) * 16 + (b % 2) * 8, _mm256_set1_ps(d));
      }
      offsets8[rg * kGroup + lane] = -8 * sum;
      offsets128[rg * kGroup + lane] = -128 * sum;
    }
}

// The packed kernels' activations, block-major: block b of row r at b * rows + r. The
// padding block of an odd count arrives zeroed.
void prepare_blocks(const float* x, std::size_t rows, std::size_t cols, std::int8_t* block_qs,
                    float* block_scales, std::int32_t* block_offsets8, std::int32_t* block_offsets128) {
  const std::size_t blocks = cols / 32;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t bi = b * rows + r;
      float d;
      std::int32_t sum;
      quantize_block(x + r * cols + b * 32, block_qs + bi * 32, d, sum);
      block_scales[bi] = d;
      block_offsets8[bi] = -8 * sum;
      block_offsets128[bi] = -128 * sum;
    }
}

}  // namespace

}  // namespace specmap::runtime::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace specmap::runtime::kernels {

namespace {
Groups groups_of(const QuantizedRows& x) {
  return {x.rows,
          x.blocks,
          x.groups,
          x.pairs,
          x.pair_qs_u8.data(),
          x.pair_scales.data(),
          x.qs_groups.data(),
          x.scale_groups.data(),
          x.offsets8.data(),
          x.offsets128.data()};
}

Call call_of(const QuantRowsArgs& a) { return {a.weight, a.row_bytes, groups_of(*a.x), a.y, a.y_stride}; }
}  // namespace

void avx512_quant::q8_0_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  quant_rows<TensorType::q8_0>(call_of(a), begin, end);
}

void avx512_quant::q4_0_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  quant_rows<TensorType::q4_0>(call_of(a), begin, end);
}

void avx512_quant::prepare(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out) {
  out.rows = rows;
  out.blocks = cols / 32;
  out.pairs = (out.blocks + 1) / 2;
  out.groups = (out.blocks + QuantizedRows::kGroupBlocks - 1) / QuantizedRows::kGroupBlocks;
  const std::size_t lanes = rows * out.groups * QuantizedRows::kGroupBlocks;
  out.qs_groups.assign(rows * out.groups * QuantizedRows::kGroupBytes, 0);
  out.scale_groups.assign(lanes, 0.0f);
  out.offsets8.assign(lanes, 0);
  out.offsets128.assign(lanes, 0);
  // The pairs' layout only for the rows pair_output takes (cheap: the activations are small).
  const bool pairs = rows <= std::size_t(kPairRows);
  out.pair_qs_u8.assign(pairs ? rows * out.row_values() : 0, 0x80);
  out.pair_scales.assign(pairs ? rows * out.pairs * 16 : 0, 0.0f);
  prepare_rows(x, rows, cols, out.groups, out.qs_groups.data(), out.scale_groups.data(), out.offsets8.data(),
               out.offsets128.data(), pairs ? out.pair_qs_u8.data() : nullptr,
               pairs ? out.pair_scales.data() : nullptr);
}

void avx512_quant::prepare_packed(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out) {
  out.rows = rows;
  out.blocks = cols / 32;
  out.pairs = (out.blocks + 1) / 2;
  out.groups = (out.blocks + QuantizedRows::kGroupBlocks - 1) / QuantizedRows::kGroupBlocks;
  // Every block is written but an odd count's padding one, which must hold zeros.
  const std::size_t padded = out.pairs * 2 * rows, written = out.blocks * rows;
  out.block_qs.resize(padded * 32);
  out.block_scales.resize(padded);
  out.block_offsets8.resize(padded);
  out.block_offsets128.resize(padded);
  std::fill(out.block_qs.begin() + std::ptrdiff_t(written * 32), out.block_qs.end(), std::int8_t{0});
  std::fill(out.block_scales.begin() + std::ptrdiff_t(written), out.block_scales.end(), 0.0f);
  std::fill(out.block_offsets8.begin() + std::ptrdiff_t(written), out.block_offsets8.end(), 0);
  std::fill(out.block_offsets128.begin() + std::ptrdiff_t(written), out.block_offsets128.end(), 0);
  prepare_blocks(x, rows, cols, out.block_qs.data(), out.block_scales.data(), out.block_offsets8.data(),
                 out.block_offsets128.data());
}

}  // namespace specmap::runtime::kernels
#endif
