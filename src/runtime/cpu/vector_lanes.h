#pragma once
// Sixteen floats as one value for the CPU kernels that vectorise with GCC/Clang vector
// extensions instead of intrinsics: the compiler maps a Lanes to the vector registers the
// function is compiled for (one AVX-512 register, two AVX ones, four SSE or NEON ones), so
// loops over them are vectorised without -ffast-math on every target. Loads and stores go
// through memcpy (no alignment). Include only from .cc files whose functions taking or
// returning a Lanes are internal and inlined: no ABI is involved, which is why the ABI
// warning about passing them without AVX-512 is switched off for the including file.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#pragma GCC diagnostic ignored "-Wpsabi"

namespace specmap::runtime::lanes {

typedef float Lanes __attribute__((vector_size(64)));
typedef std::int32_t IntLanes __attribute__((vector_size(64)));
constexpr std::size_t kLanes = 16;

// What a compiled version of a Lanes kernel may assume about the vector registers. wide: a
// Lanes is one register (AVX-512, x86-64-v4), whole-Lanes shuffles are single instructions
// and 32 registers hold 16 Lanes. narrow: a Lanes spans two (AVX2) or four (SSE2, NEON).
enum class LaneRegisters { wide, narrow };

[[gnu::always_inline]] inline Lanes load(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

[[gnu::always_inline]] inline void store(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

[[gnu::always_inline]] inline Lanes splat(float x) { return Lanes{} + x; }

// x in every lane, for a kernel version with the given registers. Where a Lanes spans several
// registers, GCC 12 builds `Lanes{} + x` (and a float times a Lanes) that is reused with
// sixteen scalar stores through the stack, and broadcasts the lane-by-lane form; where it is
// one register, the lane-by-lane form costs mask moves, and the sum broadcasts.
template <LaneRegisters R>
[[gnu::always_inline]] inline Lanes splat_for(float x) {
  if constexpr (R == LaneRegisters::wide)
    return Lanes{} + x;
  else
    return Lanes{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
}

// Lane i holds i: compared against a bound, it masks the lanes past the end of a range.
[[gnu::always_inline]] inline Lanes lane_index() {
  return Lanes{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
}

[[gnu::always_inline]] inline float sum_lanes(Lanes v) {
  float sum = 0;
  for (std::size_t i = 0; i < kLanes; ++i) sum += v[i];
  return sum;
}

// Lane-wise selects. GCC 12 compiles a comparison or `?:` of two Lanes lane by lane (a
// scalar compare and blend per lane) wherever a Lanes is wider than the target's vector
// registers: in the AVX2 and SSE2 versions on x86-64 and on NEON. The same select written as
// a loop over the lanes is vectorised at every width. Keep these loops free of unroll
// pragmas: a loop unrolled before the vectoriser sees it goes back to lane by lane.

// a > b ? a : b per lane: where either lane is NaN, b's.
[[gnu::always_inline]] inline Lanes larger(Lanes a, Lanes b) {
  Lanes r;
  for (std::size_t i = 0; i < kLanes; ++i) r[i] = a[i] > b[i] ? a[i] : b[i];
  return r;
}

// x < bound ? bound : x per lane (a NaN stays NaN).
[[gnu::always_inline]] inline Lanes at_least(Lanes x, float bound) {
  Lanes r;
  for (std::size_t i = 0; i < kLanes; ++i) r[i] = x[i] < bound ? bound : x[i];
  return r;
}

// x > bound ? bound : x per lane (a NaN stays NaN).
[[gnu::always_inline]] inline Lanes at_most(Lanes x, float bound) {
  Lanes r;
  for (std::size_t i = 0; i < kLanes; ++i) r[i] = x[i] > bound ? bound : x[i];
  return r;
}

// index < bound ? v : otherwise per lane: with index from lane_index() plus an offset, keeps
// the lanes of a range and replaces those past its end.
[[gnu::always_inline]] inline Lanes where_below(Lanes index, float bound, Lanes v, Lanes otherwise) {
  Lanes r;
  for (std::size_t i = 0; i < kLanes; ++i) r[i] = index[i] < bound ? v[i] : otherwise[i];
  return r;
}

[[gnu::always_inline]] inline float max_lanes(Lanes v) {
  float m = v[0];
  for (std::size_t i = 1; i < kLanes; ++i) m = v[i] > m ? v[i] : m;
  return m;
}

// e^x lane by lane, x clamped to [-87, 88] (e^x stays a normal float): x = n ln 2 + r with
// |r| <= ln 2 / 2, e^r from its Taylor series to r^7 (truncation below 6e-9 relative), times
// 2^n built in the exponent bits. Within a few float roundings of std::exp, without a call
// per value. NaN stays NaN.
[[gnu::always_inline]] inline Lanes exp_lanes(Lanes x) {
  x = at_most(at_least(x, -87.0f), 88.0f);
  // Round to nearest integer by adding and subtracting 1.5 * 2^23.
  const Lanes n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
  const Lanes r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  Lanes p = r * (1.0f / 5040) + (1.0f / 720);
  p = p * r + (1.0f / 120);
  p = p * r + (1.0f / 24);
  p = p * r + (1.0f / 6);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const IntLanes exponent = (__builtin_convertvector(n, IntLanes) + 127) << 23;
  Lanes scale;
  std::memcpy(&scale, &exponent, sizeof scale);
  return p * scale;
}

}  // namespace specmap::runtime::lanes

// The x86-64 build runs a hot loop marked with this compiled for AVX-512 or AVX2 where the CPU
// has them (GCC/Clang function multiversioning, picked once at load time); elsewhere, and
// under AddressSanitizer (which does not support the resolver), as compiled.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define SPECMAP_LANES_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SPECMAP_LANES_CLONES
#endif

// Kernels that need a different formulation per register width (a target_clones copy cannot
// tell which target it is compiled for) compile one version per x86-64 level with these and
// pick one from the CPU; under AddressSanitizer too, as nothing runs before main. Elsewhere
// (aarch64) the portable version is the NEON one.
#if defined(__x86_64__) && defined(__GNUC__)
#define SPECMAP_X86_64_VERSIONS 1
#define SPECMAP_TARGET_X86_64_V3 __attribute__((target("arch=x86-64-v3")))
#define SPECMAP_TARGET_X86_64_V4 __attribute__((target("arch=x86-64-v4")))
namespace specmap::runtime::lanes {
inline bool cpu_is_x86_64_v3() { return __builtin_cpu_supports("x86-64-v3"); }
inline bool cpu_is_x86_64_v4() { return __builtin_cpu_supports("x86-64-v4"); }
}  // namespace specmap::runtime::lanes
#else
#define SPECMAP_X86_64_VERSIONS 0
#endif
