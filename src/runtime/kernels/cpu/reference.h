#pragma once
// Reference kernels on weights in their stored type: plain scalar C++, the ground truth
// every faster kernel is tested against. A row is one row of a WeightTensor (its bytes,
// `cols` elements).
//
// Two ways to take the dot of a weight row with f32 activations x:
//  - dot_row_f32: dequantize each element, multiply with x in f32, sum in f32 (in the
//    order of the elements; f64 in the tests' naive model);
//  - for q8_0 / q4_0 also dot_row_q8: as llama.cpp computes it, with x first quantized to
//    Q8_0 blocks (quantize_activations_q8_0), an int32 dot product per block of 32, times
//    both blocks' scales, summed in f32. Against dot_row_f32 its error is bounded by the
//    activations' rounding: |dot_row_q8 - dot_row_f32| <= sum over blocks of
//    (d_x / 2) * sum_j |w_j| plus f32 rounding, where d_x = max|x_block| / 127 rounded to
//    f16 (kQ8ActivationTolerance states it relative to sum_j |w_j x_j|-scale terms).
#include <cstddef>
#include <span>
#include <vector>

#include "runtime/weights/tensor_type.h"

namespace specmap::runtime::reference {

// out[cols] = the row's elements as f32.
void dequantize_row(TensorType type, std::span<const std::byte> row, std::span<float> out);

// sum_j w_j * x_j with every w_j dequantized; x.size() = cols.
float dot_row_f32(TensorType type, std::span<const std::byte> row, std::span<const float> x);

// x (a multiple of 32 values) as Q8_0 blocks, quantized with weights/quantize.h's q8_0
// (ggml's reference).
std::vector<BlockQ8_0> quantize_activations_q8_0(std::span<const float> x);

// sum over blocks of d_w * d_x * sum_j (q_w_j * q_x_j), int32 per block; type q8_0 or q4_0.
float dot_row_q8(TensorType type, std::span<const std::byte> row, std::span<const BlockQ8_0> x);

// A bound on |dot_row_q8 - dot_row_f32| for this row and activations: per block,
// (d_x / 2 + |x|max * 2^-11) * sum_j |w_j| (the activations' rounding and their scale's
// f16 rounding), plus the f32 rounding of the sums (cols * 2^-23 * sum |w_j x_j|).
double q8_dot_error_bound(TensorType type, std::span<const std::byte> row, std::span<const float> x);

}  // namespace specmap::runtime::reference
