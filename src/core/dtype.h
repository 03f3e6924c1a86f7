#pragma once
// Numeric data types a model can be stored/computed in and a PU may support.
#include <optional>
#include <string>
#include <string_view>

namespace specmap {

// int8/int4: plain 8- and 4-bit integers (a PU's integer datapaths). q8_0/q4_0: ggml's block
// formats (GGUF), 32 weights per block with an f16 scale each.
enum class DType { f32, f16, bf16, int8, int4, q8_0, q4_0 };

// Storage size of one element in bytes, block scales included: int4 packs two per byte,
// q8_0 is 34 bytes per 32 weights, q4_0 18 bytes per 32 weights.
double dtype_bytes(DType t);
std::string_view dtype_name(DType t);
std::optional<DType> parse_dtype(std::string_view name);
// All types in a fixed order, for deterministic iteration.
inline constexpr DType kAllDTypes[] = {DType::f32,  DType::f16,  DType::bf16, DType::int8,
                                       DType::int4, DType::q8_0, DType::q4_0};
// The integer type a block-quantized type's products run in when a PU does not name the
// block type itself (q8_0 and q4_0 weights meet activations quantized to q8_0 blocks, and
// the dot products are int8, as llama.cpp computes them); nullopt for other types.
std::optional<DType> dtype_integer_compute(DType t);

}  // namespace specmap
