#pragma once
// The q8_0 / q4_0 half of the AVX-512 kernel set (x86_avx512_quant.cc), which
// x86_avx512.cc assembles with its float kernels. Compiled for AVX-512 + VNNI whatever the
// build's target: call only through avx512_kernels(), which dispatch.cc hands out only
// when the CPU has those instructions.
#include <cstddef>

#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/kernels/cpu/packed_weights.h"

namespace specmap::runtime::kernels::avx512_quant {

// The stored-layout kernels' activations (the group and pair arrays of QuantizedRows).
void prepare(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out);
// The packed kernels' activations (the block-major arrays).
void prepare_packed(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out);
void q8_0_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end);
void q4_0_rows(const QuantRowsArgs& a, std::size_t begin, std::size_t end);

// Packed q8_0 / q4_0 (x86_avx512_quant_packed.cc): pack re-lays a stored q8_0 / q4_0
// tensor into panels of 16 outputs (false for any other type); the kernels read the
// activations prepare laid out block-major.
bool pack(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows, std::size_t cols,
          PackedWeights& out);
void packed_q8_0(const PackedQuantArgs& a, std::size_t begin, std::size_t end);
void packed_q4_0(const PackedQuantArgs& a, std::size_t begin, std::size_t end);

}  // namespace specmap::runtime::kernels::avx512_quant
