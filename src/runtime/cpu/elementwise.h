#pragma once
// Embedding lookup and the residual add.
#include <cstddef>
#include <span>

#include "core/result.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/weights/weight_tensor.h"

namespace specmap::runtime {

// out[n x width] = rows `tokens` of table[vocab x width] as f32 (dequantized). Fails on a
// token outside [0, vocab).
Status embedding_lookup(const WeightTensor& table, std::span<const int> tokens, std::span<float> out);

// residual[i] += x[i].
void add_in_place(std::span<float> residual, std::span<const float> x, ThreadPool& pool);

}  // namespace specmap::runtime
