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

[[gnu::always_inline]] inline Lanes load(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

[[gnu::always_inline]] inline void store(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

[[gnu::always_inline]] inline Lanes splat(float x) { return Lanes{} + x; }

// Lane i holds i: compared against a bound, it masks the lanes past the end of a range.
[[gnu::always_inline]] inline Lanes lane_index() {
  return Lanes{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
}

[[gnu::always_inline]] inline float sum_lanes(Lanes v) {
  float sum = 0;
  for (std::size_t i = 0; i < kLanes; ++i) sum += v[i];
  return sum;
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
  x = x < -87.0f ? Lanes{} - 87.0f : x;
  x = x > 88.0f ? Lanes{} + 88.0f : x;
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
