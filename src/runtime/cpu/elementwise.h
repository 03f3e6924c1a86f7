#pragma once
// Embedding lookup and the residual add.
#include <cstddef>
#include <span>

#include "core/result.h"
#include "runtime/cpu/thread_pool.h"

namespace specmap::runtime {

// out[n x width] = rows `tokens` of table[vocab x width]. Fails on a token outside [0, vocab).
Status embedding_lookup(std::span<const float> table, std::size_t width, std::span<const int> tokens,
                        std::span<float> out);

// residual[i] += x[i].
void add_in_place(std::span<float> residual, std::span<const float> x, ThreadPool& pool);

}  // namespace specmap::runtime
