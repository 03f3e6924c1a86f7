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

void swiglu_mlp(std::span<const float> x, std::size_t rows, const MlpWeights& weights, std::size_t d_model,
                std::size_t d_ff, MlpScratch& scratch, std::span<float> out, ThreadPool& pool) {
  scratch.gate.resize(rows * d_ff);
  scratch.up.resize(rows * d_ff);
  linear(x, rows, weights.gate, d_model, d_ff, scratch.gate);
  linear(x, rows, weights.up, d_model, d_ff, scratch.up);
  silu_mul(scratch.gate, scratch.up, scratch.gate, pool);
  linear(scratch.gate, rows, weights.down, d_ff, d_model, out);
}

}  // namespace specmap::runtime
