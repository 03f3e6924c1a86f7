// The AVX2 kernel set (AVX2, FMA, F16C): x86-64 CPUs without AVX-512. Compiled for those
// instructions whatever the build's target, handed out by dispatch.cc only when the CPU
// has them; only intrinsics and internal functions are compiled under the target pragma.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/kernels/cpu/x86_avx2_packed.h"
#include "runtime/kernels/cpu/x86_avx2_quant_packed.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

namespace specmap::runtime::kernels {
namespace {

// At most this many rows per pass over a weight row: 8 accumulators leave registers for the
// weights and activations (16 ymm); further rows re-read the row from L1.
constexpr std::size_t kRowsPerPass = 8;

template <TensorType T>
inline __m256 load8(const std::byte* row, std::size_t i) {
  if constexpr (T == TensorType::f32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i));
    if constexpr (T == TensorType::f16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

inline float scalar_at(TensorType t, const std::byte* row, std::size_t i) {
  if (t == TensorType::f32) {
    float v;
    std::memcpy(&v, row + 4 * i, 4);
    return v;
  }
  unsigned short h;
  std::memcpy(&h, row + 2 * i, 2);
  if (t == TensorType::f16) return _cvtsh_ss(h);
  const unsigned int u = static_cast<unsigned int>(h) << 16;
  float v;
  std::memcpy(&v, &u, 4);
  return v;
}

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

template <TensorType T, int R>
void float_pass(const FloatRowsArgs& a, std::size_t o, std::size_t r0) {
  constexpr int U = R == 1 ? 4 : R <= 3 ? 2 : 1;
  const std::byte* row = a.weight + o * a.row_bytes;
  const std::size_t cols = a.cols;
  const float* x = a.x + r0 * cols;
  __m256 acc[U][R];
#pragma GCC unroll 16
  for (int u = 0; u < U; ++u)
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[u][r] = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 * U <= cols; i += 8 * U)
#pragma GCC unroll 16
    for (int u = 0; u < U; ++u) {
      const __m256 w = load8<T>(row, i + 8 * u);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r)
        acc[u][r] = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + r * cols + i + 8 * u), acc[u][r]);
    }
  for (; i + 8 <= cols; i += 8) {
    const __m256 w = load8<T>(row, i);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[0][r] = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + r * cols + i), acc[0][r]);
  }
  float tail[R] = {};
  for (; i < cols; ++i) {
    const float w = scalar_at(T, row, i);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) tail[r] += w * x[r * cols + i];
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    __m256 sum = acc[0][r];
#pragma GCC unroll 16
    for (int u = 1; u < U; ++u) sum = _mm256_add_ps(sum, acc[u][r]);
    a.y[(r0 + r) * a.y_stride + o] = hsum(sum) + tail[r];
  }
}

template <TensorType T>
void float_rows(const FloatRowsArgs& a, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const FloatRowsArgs&, std::size_t, std::size_t);
  static constexpr Fn kByRows[kRowsPerPass + 1] = {nullptr,          float_pass<T, 1>, float_pass<T, 2>,
                                                   float_pass<T, 3>, float_pass<T, 4>, float_pass<T, 5>,
                                                   float_pass<T, 6>, float_pass<T, 7>, float_pass<T, 8>};
  for (std::size_t o = begin; o < end; ++o)
    for (std::size_t r0 = 0; r0 < a.rows; r0 += kRowsPerPass) {
      const std::size_t n = a.rows - r0 < kRowsPerPass ? a.rows - r0 : kRowsPerPass;
      kByRows[n](a, o, r0);
    }
}

inline float half_at(const std::byte* p) {
  unsigned short h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// Per block and row: 32 int8 products summed by maddubs (u8 x s8 -> i16 pairs) and madd
// (-> i32). q8_0 takes |w| and x with w's sign (llama.cpp's way: |products| <= 127 * 127 * 2
// never saturate i16); q4_0 its unsigned nibbles times x, less 8 * sum(x) per block.
template <TensorType T, int R>
void quant_pass(const QuantRowsArgs& a, std::size_t o, std::size_t r0) {
  const QuantizedRows& x = *a.x;
  const std::byte* row = a.weight + o * a.row_bytes;
  const std::size_t stride = x.row_values(), scale_stride = x.pairs * 2;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R];
  float offset[R] = {};
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (std::size_t b = 0; b < x.blocks; ++b) {
    __m256i w;
    float d;
    if constexpr (T == TensorType::q8_0) {
      const std::byte* block = row + b * sizeof(BlockQ8_0);
      d = half_at(block);
      w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 2));
    } else {
      const std::byte* block = row + b * sizeof(BlockQ4_0);
      d = half_at(block);
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
      const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
      w = _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
    }
    const __m256i w_abs = T == TensorType::q8_0 ? _mm256_sign_epi8(w, w) : w;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const std::size_t rr = r0 + r;
      __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs.data() + rr * stride + b * 32));
      if constexpr (T == TensorType::q8_0) xq = _mm256_sign_epi8(xq, w);
      const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(w_abs, xq), ones);
      const float scale = d * x.scales[rr * scale_stride + b];
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(scale), acc[r]);
      if constexpr (T == TensorType::q4_0) offset[r] -= scale * float(8 * x.sums[rr * scale_stride + b]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) a.y[(r0 + r) * a.y_stride + o] = hsum(acc[r]) + offset[r];
}

template <TensorType T>
void quant_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const QuantRowsArgs&, std::size_t, std::size_t);
  static constexpr Fn kByRows[kRowsPerPass + 1] = {nullptr,          quant_pass<T, 1>, quant_pass<T, 2>,
                                                   quant_pass<T, 3>, quant_pass<T, 4>, quant_pass<T, 5>,
                                                   quant_pass<T, 6>, quant_pass<T, 7>, quant_pass<T, 8>};
  const std::size_t rows = a.x->rows;
  for (std::size_t o = begin; o < end; ++o)
    for (std::size_t r0 = 0; r0 < rows; r0 += kRowsPerPass) {
      const std::size_t n = rows - r0 < kRowsPerPass ? rows - r0 : kRowsPerPass;
      kByRows[n](a, o, r0);
    }
}

}  // namespace
}  // namespace specmap::runtime::kernels

#pragma GCC pop_options

namespace specmap::runtime::kernels {

namespace {
// f32 / f16 in float panels; q8_0 / q4_0 in int8 panels where the CPU has AVX-VNNI (else
// they keep the stored layout).
bool pack_avx2(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows,
               std::size_t cols, PackedWeights& out) {
  if (type == TensorType::q8_0 || type == TensorType::q4_0)
    return avx2_quant_packed::pack(type, weight, row_bytes, rows, cols, out);
  return avx2_packed::pack(type, weight, row_bytes, rows, cols, out);
}
}  // namespace

const RowsKernelSet* avx2_kernels() {
  static const RowsKernelSet set = [] {
    RowsKernelSet s{"avx2",
                    float_rows<TensorType::f32>,
                    float_rows<TensorType::f16>,
                    float_rows<TensorType::bf16>,
                    prepare_quantized_rows_portable,
                    quant_rows<TensorType::q8_0>,
                    quant_rows<TensorType::q4_0>};
    s.pack = pack_avx2;  // f32 / f16 in panels of 16 (x86_avx2_packed.cc), q8_0 / q4_0 of 8
    s.packed_f32 = avx2_packed::f32_rows;
    s.packed_f16 = avx2_packed::f16_rows;
    s.packed_q8_0 = avx2_quant_packed::q8_0_rows;  // x86_avx2_quant_packed.cc (AVX-VNNI)
    s.packed_q4_0 = avx2_quant_packed::q4_0_rows;
    s.prepare_packed = avx2_quant_packed::prepare;
    return s;
  }();
  return &set;
}

}  // namespace specmap::runtime::kernels
#else
#include "runtime/kernels/cpu/kernel_sets.h"
namespace specmap::runtime::kernels {
const RowsKernelSet* avx2_kernels() { return nullptr; }
}  // namespace specmap::runtime::kernels
#endif
