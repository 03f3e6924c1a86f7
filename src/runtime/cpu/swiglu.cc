#include "runtime/cpu/swiglu.h"

#include <cassert>
#include <cmath>

#include "runtime/cpu/linear.h"

namespace specmap::runtime {

namespace {
constexpr std::size_t kValuesPerChunk = 16384;
}  // namespace

void silu_mul(std::span<const float> gate, std::span<const float> up, std::span<float> out,
              ThreadPool& pool) {
  assert(up.size() == gate.size() && out.size() >= gate.size());
  pool.parallel_for(gate.size(), kValuesPerChunk, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const float g = gate[i];
      out[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
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
