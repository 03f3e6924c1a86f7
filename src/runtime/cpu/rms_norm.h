#pragma once
// RMSNorm (Llama): out = x / sqrt(mean(x^2) + eps) * weight, per row.
#include <cstddef>
#include <span>

#include "runtime/cpu/thread_pool.h"

namespace specmap::runtime {

// x and out: [rows x width] (may alias); weight: [width].
void rms_norm(std::span<const float> x, std::span<const float> weight, float eps, std::span<float> out,
              ThreadPool& pool);

}  // namespace specmap::runtime
