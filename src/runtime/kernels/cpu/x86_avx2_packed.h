#pragma once
// The AVX2 set's packed float kernels (x86_avx2_packed.cc): f32 and f16 weights in panels
// of kPanel outputs (packed_weights.h's pack_float_panels), two ymm per k.
#include <cstddef>

#include "runtime/kernels/cpu/packed_weights.h"

namespace specmap::runtime::kernels::avx2_packed {

inline constexpr std::size_t kPanel = 16;

// The set's `pack`: f32 and f16 into float panels; false for the other types.
bool pack(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows, std::size_t cols,
          PackedWeights& out);
void f32_rows(const PackedFloatArgs& args, std::size_t begin, std::size_t end);
void f16_rows(const PackedFloatArgs& args, std::size_t begin, std::size_t end);

}  // namespace specmap::runtime::kernels::avx2_packed
