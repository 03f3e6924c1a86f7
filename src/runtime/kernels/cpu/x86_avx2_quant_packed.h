#pragma once
// The AVX2 set's packed q8_0 / q4_0 kernels (x86_avx2_quant_packed.cc) on CPUs with
// AVX-VNNI (vpdpbusd on ymm); without it `pack` keeps the stored layout for these types and
// the set's stored-layout kernels run.
#include <cstddef>

#include "runtime/kernels/cpu/packed_weights.h"

namespace specmap::runtime::kernels::avx2_quant_packed {

inline constexpr std::size_t kPanel = 8;

// q8_0 / q4_0 into panels of kPanel outputs when the CPU has AVX-VNNI; false otherwise and
// for the other types.
bool pack(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows, std::size_t cols,
          PackedWeights& out);
// The activations block-major (QuantizedRows' block arrays), quantized as the set's prepare.
void prepare(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out);
void q8_0_rows(const PackedQuantArgs& a, std::size_t begin, std::size_t end);
void q4_0_rows(const PackedQuantArgs& a, std::size_t begin, std::size_t end);

}  // namespace specmap::runtime::kernels::avx2_quant_packed
