#pragma once
// Reference converters from f32 into the stored types, as ggml's reference quantizers
// compute them (ggml-quants.c: quantize_row_q8_0_ref, quantize_row_q4_0_ref), so synthetic
// weights quantized here have the error a converted checkpoint has:
//  - q8_0: d = max|x| / 127, q = round(x / d);
//  - q4_0: m = the element of largest magnitude (with its sign), d = m / -8,
//    q = min(15, trunc(x / d + 8.5)), stored as q (element j) | q << 4 (element j + 16).
// Rounding error per element: f16/bf16 a relative 2^-11 / 2^-8; q8_0 at most d/2 (plus the
// f16 rounding of d); q4_0 at most d/2 except the block's extreme, which is exact up to d's
// rounding, and the elements clamped at +7d, which lose at most d.
#include <cstddef>
#include <span>

namespace specmap::runtime {

// x.size() a multiple of 32; out holds x.size() / 32 blocks of 34 / 18 bytes.
void quantize_row_q8_0(std::span<const float> x, std::span<std::byte> out);
void quantize_row_q4_0(std::span<const float> x, std::span<std::byte> out);

}  // namespace specmap::runtime
