#include "runtime/cpu/swiglu.h"

#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "runtime/cpu/linear.h"

namespace specmap::runtime {

namespace {
constexpr std::size_t kValuesPerChunk = 16384;

// Sixteen floats as one value, mapped to the vector registers the function is compiled for
// (see attention.cc); every function taking one is internal to this file, so the ABI
// warning about passing them without AVX-512 (GCC reports it at the end of the file) is off.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float Lanes __attribute__((vector_size(64)));
typedef std::int32_t IntLanes __attribute__((vector_size(64)));
constexpr std::size_t kLanes = 16;

// e^x lane by lane, x clamped to [-87, 88] (e^x stays a normal float): x = n ln 2 + r with
// |r| <= ln 2 / 2, e^r from its Taylor series to r^7 (truncation below 6e-9 relative), times
// 2^n built in the exponent bits. Within a few float roundings of std::exp, without a call
// per value. NaN stays NaN.
inline Lanes exp_lanes(Lanes x) {
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

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void silu_mul_range(const float* gate, const float* up, float* out, std::size_t count) {
  std::size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    Lanes g, u;
    std::memcpy(&g, gate + i, sizeof g);
    std::memcpy(&u, up + i, sizeof u);
    const Lanes y = g / (1.0f + exp_lanes(-g)) * u;
    std::memcpy(out + i, &y, sizeof y);
  }
  for (; i < count; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace

void silu_mul(std::span<const float> gate, std::span<const float> up, std::span<float> out,
              ThreadPool& pool) {
  assert(up.size() == gate.size() && out.size() >= gate.size());
  pool.parallel_for(gate.size(), kValuesPerChunk, [&](std::size_t begin, std::size_t end) {
    silu_mul_range(gate.data() + begin, up.data() + begin, out.data() + begin, end - begin);
  });
}

void swiglu_mlp(std::span<const float> x, std::size_t rows, const MlpWeights& weights, MlpScratch& scratch,
                std::span<float> out, ThreadPool& pool) {
  const std::size_t d_ff = weights.gate.rows;
  scratch.gate.resize(rows * d_ff);
  scratch.up.resize(rows * d_ff);
  linear(x, rows, weights.gate, scratch.gate, pool);
  linear(x, rows, weights.up, scratch.up, pool);
  silu_mul(scratch.gate, scratch.up, scratch.gate, pool);
  linear(scratch.gate, rows, weights.down, out, pool);
}

}  // namespace specmap::runtime
