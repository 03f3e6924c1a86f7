// The q8_0 / q4_0 kernels of the AVX-512 set (AVX512F/BW/VL/DQ + VNNI, F16C), compiled
// for those instructions whatever the build's target: they are reached only through
// avx512_kernels(), which dispatch.cc hands out only when the CPU has them. Under the
// target pragma only intrinsics, functions with internal linkage and the entry points of
// x86_avx512_quant.h are compiled (an inline library function instantiated here could be
// linked into code that runs on any CPU); prepare's vector resizing stays outside it.
#if defined(__x86_64__)
#include "runtime/kernels/cpu/x86_avx512_quant.h"

#include <immintrin.h>

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

inline float half_at(const std::byte* p) {
  unsigned short h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// A pair of quantized weight blocks (2p, 2p+1; the second absent past the row's end) as 64
// bytes, and their scales in lanes 0-7 / 8-15.
// q4_0's nibbles come as stored (0..15) or, with `Signed`, as the weights' int8 values
// (nibble - 8).
template <TensorType T, bool Signed = false>
inline void load_pair(const std::byte* row, std::size_t p, std::size_t blocks, __m512i& w, __m512& d) {
  constexpr std::size_t kBlock = T == TensorType::q8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
  const std::byte* b0 = row + 2 * p * kBlock;
  const bool second = 2 * p + 1 < blocks;
  const float d0 = half_at(b0);
  const float d1 = second ? half_at(b0 + kBlock) : 0.0f;
  d = _mm512_insertf32x8(_mm512_set1_ps(d0), _mm256_set1_ps(d1), 1);
  if constexpr (T == TensorType::q8_0) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2));
    const __m256i hi = second ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + kBlock + 2))
                              : _mm256_setzero_si256();
    w = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
  } else {
    // Element j of a block in the low nibble of qs[j], element j + 16 in the high one.
    const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b0 + 2));
    const __m128i q1 =
        second ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(b0 + kBlock + 2)) : _mm_setzero_si128();
    __m512i z = _mm512_castsi128_si512(q0);
    z = _mm512_inserti32x4(z, q0, 1);
    z = _mm512_inserti32x4(z, q1, 2);
    z = _mm512_inserti32x4(z, q1, 3);
    const __m512i nibbles = _mm512_mask_blend_epi64(0xCC, z, _mm512_srli_epi16(z, 4));
    w = _mm512_and_si512(nibbles, _mm512_set1_epi8(0x0F));
    if constexpr (Signed) w = _mm512_sub_epi8(w, _mm512_set1_epi8(8));
  }
}

// One output feature for R rows: per pair of blocks and row, one VNNI dot product of 64
// int8 products into 16 int32 lanes (each block in 8 of them), converted and scaled by
// both blocks' scales. The activations enter as unsigned x + 128 and the lanes start at
// -128 * sum(w), computed once per pair for all rows; from kSignedQ4Rows rows on, q4_0's
// weights are decoded to their signed values once per pair and take the same path, so per
// row both types do the same work. Fewer q4_0 rows do not repay that per-pair sum: their
// weights enter as unsigned nibbles and the lanes start at -8 * sum(x) of the row's block.
constexpr int kSignedQ4Rows = 3;

template <TensorType T, int R>
void quant_output(const QuantRowsArgs& a, std::size_t o) {
  constexpr bool kOffsetByWeights = T == TensorType::q8_0 || R >= kSignedQ4Rows;
  const QuantizedRows& x = *a.x;
  const std::byte* row = a.weight + o * a.row_bytes;
  const std::size_t stride = x.row_values();
  __m512 acc[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (std::size_t p = 0; p < x.pairs; ++p) {
    __m512i w;
    __m512 dw;
    load_pair<T, kOffsetByWeights>(row, p, x.blocks, w, dw);
    if constexpr (kOffsetByWeights) {
      const __m512i base =
          _mm512_sub_epi32(_mm512_setzero_si512(),
                           _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(char(0x80)), w));
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const __m512i xq = _mm512_loadu_si512(x.qs_u8.data() + r * stride + p * 64);
        const __m512i dot = _mm512_dpbusd_epi32(base, xq, w);
        const __m512 scale =
            _mm512_mul_ps(dw, _mm512_loadu_ps(x.scale_lanes.data() + (r * x.pairs + p) * 16));
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r]);
      }
    } else {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const __m512i xq = _mm512_loadu_si512(x.qs.data() + r * stride + p * 64);
        const __m512i base = _mm512_loadu_si512(x.offset_lanes.data() + (r * x.pairs + p) * 16);
        const __m512i dot = _mm512_dpbusd_epi32(base, w, xq);
        const __m512 scale =
            _mm512_mul_ps(dw, _mm512_loadu_ps(x.scale_lanes.data() + (r * x.pairs + p) * 16));
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r]);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) a.y[r * a.y_stride + o] = _mm512_reduce_add_ps(acc[r]);
}

template <TensorType T, int R>
void quant_outputs(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  for (std::size_t o = begin; o < end; ++o) quant_output<T, R>(a, o);
}

template <TensorType T>
void quant_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const QuantRowsArgs&, std::size_t, std::size_t);
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
  kByRows[a.x->rows](a, begin, end);
}

// Quantizes each block of 32 as ggml does (d = max|x| / 127 stored as f16, q = x / d
// rounded to nearest even) and lays the rows out for quant_output.
void prepare_rows(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out, std::int8_t* qs,
                  std::uint8_t* qs_u8, float* scales, std::int32_t* sums, float* scale_lanes,
                  std::int32_t* offset_lanes) {
  const std::size_t blocks = cols / 32, pairs = (blocks + 1) / 2, stride = pairs * 64;
  const __m512 sign_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t b = 0; b < 2 * pairs; ++b) {
      std::int8_t* q = qs + r * stride + b * 32;
      std::uint8_t* qu = qs_u8 + r * stride + b * 32;
      float d = 0.0f;
      std::int32_t sum = 0;
      if (b < blocks) {
        const float* v = x + r * cols + b * 32;
        const __m512 v0 = _mm512_loadu_ps(v), v1 = _mm512_loadu_ps(v + 16);
        const float amax =
            _mm512_reduce_max_ps(_mm512_max_ps(_mm512_and_ps(v0, sign_mask), _mm512_and_ps(v1, sign_mask)));
        const float d32 = amax / 127.0f;
        const float id = d32 != 0.0f ? 1.0f / d32 : 0.0f;
        const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, _mm512_set1_ps(id)));
        const __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, _mm512_set1_ps(id)));
        const __m128i q0 = _mm512_cvtsepi32_epi8(i0), q1 = _mm512_cvtsepi32_epi8(i1);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q), q0);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16), q1);
        const __m128i bias = _mm_set1_epi8(char(0x80));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(qu), _mm_xor_si128(q0, bias));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(qu + 16), _mm_xor_si128(q1, bias));
        sum = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        d = _cvtsh_ss(_cvtss_sh(d32, _MM_FROUND_TO_NEAREST_INT));
      } else {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), _mm256_setzero_si256());
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(qu), _mm256_set1_epi8(char(0x80)));
      }
      scales[r * pairs * 2 + b] = d;
      sums[r * pairs * 2 + b] = sum;
      float* lanes = scale_lanes + (r * pairs + b / 2) * 16 + (b % 2) * 8;
      std::int32_t* offsets = offset_lanes + (r * pairs + b / 2) * 16 + (b % 2) * 8;
      _mm256_storeu_ps(lanes, _mm256_set1_ps(d));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(offsets),
                          _mm256_setr_epi32(-8 * sum, 0, 0, 0, 0, 0, 0, 0));
    }
  (void)out;
}

}  // namespace

void avx512_quant::q8_0_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  quant_rows<TensorType::q8_0>(a, begin, end);
}

void avx512_quant::q4_0_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  quant_rows<TensorType::q4_0>(a, begin, end);
}

}  // namespace specmap::runtime::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace specmap::runtime::kernels {

void avx512_quant::prepare(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out) {
  out.rows = rows;
  out.blocks = cols / 32;
  out.pairs = (out.blocks + 1) / 2;
  const std::size_t values = rows * out.row_values(), lanes = rows * out.pairs * 16;
  out.qs.resize(values);
  out.qs_u8.resize(values);
  out.scales.resize(rows * out.pairs * 2);
  out.sums.resize(rows * out.pairs * 2);
  out.scale_lanes.resize(lanes);
  out.offset_lanes.resize(lanes);
  prepare_rows(x, rows, cols, out, out.qs.data(), out.qs_u8.data(), out.scales.data(), out.sums.data(),
               out.scale_lanes.data(), out.offset_lanes.data());
}
}  // namespace specmap::runtime::kernels
#endif
