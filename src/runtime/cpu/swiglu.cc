#include "runtime/cpu/swiglu.h"

#include <cassert>
#include <cmath>
#include <cstring>

#include "runtime/cpu/linear.h"
#include "runtime/cpu/vector_lanes.h"

namespace specmap::runtime {

namespace {
constexpr std::size_t kValuesPerChunk = 16384;

using lanes::exp_lanes;
using lanes::kLanes;
using lanes::Lanes;

SPECMAP_LANES_CLONES
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
