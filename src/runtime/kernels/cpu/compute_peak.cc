#include "runtime/kernels/cpu/compute_peak.h"

#include "runtime/kernels/cpu/dispatch.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

// GCC 12's AVX-512 reductions start from a deliberately undefined register, which its own
// flow analysis then reports as uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace specmap::runtime::kernels {
namespace {

// Independent accumulators per loop: more than latency x throughput of every instruction
// measured (4 cycles x 2 per cycle), few enough to stay in the registers with the operands.
constexpr int kChains = 16;
constexpr int kChainsYmm = 12;  // 16 ymm registers: 12 accumulators and the operands

#if defined(__x86_64__)
// acc = acc * a + b converges to b / (1 - a): no overflow, no denormals, however long.
__attribute__((target("avx512f"))) double fma_zmm(std::size_t iterations) {
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(float(k));
  for (std::size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  __m512 sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm512_add_ps(sum, acc[k]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) double fma_ymm(std::size_t iterations) {
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  __m256 acc[kChainsYmm];
  for (int k = 0; k < kChainsYmm; ++k) acc[k] = _mm256_set1_ps(float(k));
  for (std::size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kChainsYmm; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  __m256 sum = acc[0];
  for (int k = 1; k < kChainsYmm; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  double total = 0;
  for (float v : lanes) total += v;
  return total;
}

// 32 bf16 products summed in pairs into 16 f32 lanes; the sums grow by 0.5 per step.
__attribute__((target("avx512f,avx512bf16"))) double bf16_dot_zmm(std::size_t iterations) {
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.5f), _mm512_set1_ps(0.5f));
  const __m512bh b = a;
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(float(k));
  for (std::size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_dpbf16_ps(acc[k], a, b);
  __m512 sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm512_add_ps(sum, acc[k]);
  return _mm512_reduce_add_ps(sum);
}

// 64 u8 x s8 products summed in fours into 16 int32 lanes (wrapping is harmless here).
__attribute__((target("avx512f,avx512vnni"))) double int8_dot_zmm(std::size_t iterations) {
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  __m512i acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_epi32(k);
  for (std::size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);
  __m512i sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm512_add_epi32(sum, acc[k]);
  return double(_mm512_reduce_add_epi32(sum));
}

// The AVX2 set's int8 product: VPMADDUBSW (u8 x s8 pairs -> i16) and VPMADDWD against ones
// (-> i32), added: 32 MACs per triple.
__attribute__((target("avx2"))) double int8_dot_ymm(std::size_t iterations) {
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  constexpr int kChainsInt = 8;
  __m256i acc[kChainsInt];
  for (int k = 0; k < kChainsInt; ++k) acc[k] = _mm256_set1_epi32(k);
  for (std::size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kChainsInt; ++k)
      acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
  __m256i sum = acc[0];
  for (int k = 1; k < kChainsInt; ++k) sum = _mm256_add_epi32(sum, acc[k]);
  alignas(32) int lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sum);
  double total = 0;
  for (int v : lanes) total += v;
  return total;
}

const PeakLoop kFmaZmm{"vfmadd231ps zmm", 16.0 * kChains, fma_zmm};
const PeakLoop kFmaYmm{"vfmadd231ps ymm", 8.0 * kChainsYmm, fma_ymm};
const PeakLoop kBf16DotZmm{"vdpbf16ps zmm", 32.0 * kChains, bf16_dot_zmm};
const PeakLoop kInt8DotZmm{"vpdpbusd zmm", 64.0 * kChains, int8_dot_zmm};
const PeakLoop kInt8DotYmm{"vpmaddubsw+vpmaddwd ymm", 32.0 * 8, int8_dot_ymm};
#endif

#if defined(__aarch64__)
double fma_neon(std::size_t iterations) {
  const float32x4_t a = vdupq_n_f32(0.999f), b = vdupq_n_f32(0.001f);
  float32x4_t acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = vdupq_n_f32(float(k));
  for (std::size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = vfmaq_f32(b, acc[k], a);
  float32x4_t sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = vaddq_f32(sum, acc[k]);
  return vaddvq_f32(sum);
}

__attribute__((target("arch=armv8.2-a+dotprod"))) double int8_dot_sdot(std::size_t iterations) {
  const int8x16_t a = vdupq_n_s8(3), b = vdupq_n_s8(-2);
  int32x4_t acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = vdupq_n_s32(k);
  for (std::size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = vdotq_s32(acc[k], a, b);
  int32x4_t sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = vaddq_s32(sum, acc[k]);
  return double(vaddvq_s32(sum));
}

const PeakLoop kFmaNeon{"fmla v.4s", 4.0 * kChains, fma_neon};
const PeakLoop kInt8Sdot{"sdot v.4s", 16.0 * kChains, int8_dot_sdot};
#endif

}  // namespace

const PeakLoop* peak_loop(std::string_view set_name, PeakOp op) {
#if defined(__x86_64__)
  if (set_name == "avx512" || set_name == "avx512-bf16") {
    if (op == PeakOp::f32_fma) return &kFmaZmm;
    if (op == PeakOp::int8_dot) return &kInt8DotZmm;
    if (op == PeakOp::bf16_dot && set_name == "avx512-bf16" && cpu_has_avx512_bf16()) return &kBf16DotZmm;
  }
  if (set_name == "avx2") {
    if (op == PeakOp::f32_fma) return &kFmaYmm;
    if (op == PeakOp::int8_dot) return &kInt8DotYmm;
  }
#endif
#if defined(__aarch64__)
  if (set_name == "neon" || set_name == "neon-dotprod") {
    if (op == PeakOp::f32_fma) return &kFmaNeon;
    if (op == PeakOp::int8_dot && set_name == "neon-dotprod") return &kInt8Sdot;
  }
#endif
  (void)set_name;
  (void)op;
  return nullptr;
}

}  // namespace specmap::runtime::kernels

#pragma GCC diagnostic pop
