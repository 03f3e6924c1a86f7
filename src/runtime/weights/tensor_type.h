#pragma once
// The element types weights are kept in, with ggml's block layouts (ggml-common.h), so a
// GGUF file's tensor data is usable as it lies in the file:
//  - f32, f16 (IEEE binary16), bf16 (the upper half of an f32): one element after another;
//  - q8_0: blocks of 32 weights, each an f16 scale d and 32 int8 q (34 bytes), w = d * q;
//  - q4_0: blocks of 32 weights, each an f16 scale d and 16 bytes qs (18 bytes); element
//    j < 16 is ((qs[j] & 0xF) - 8) * d, element j + 16 is ((qs[j] >> 4) - 8) * d.
// Quantized rows hold a whole number of blocks: their length must be a multiple of 32.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/dtype.h"

namespace specmap::runtime {

enum class TensorType { f32, f16, bf16, q8_0, q4_0 };
inline constexpr TensorType kAllTensorTypes[] = {TensorType::f32, TensorType::f16, TensorType::bf16,
                                                 TensorType::q8_0, TensorType::q4_0};

inline constexpr std::size_t kQuantBlock = 32;  // weights per q8_0 / q4_0 block

struct BlockQ8_0 {
  std::uint16_t d;  // f16 bits
  std::int8_t qs[kQuantBlock];
};
struct BlockQ4_0 {
  std::uint16_t d;  // f16 bits
  std::uint8_t qs[kQuantBlock / 2];
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18, "ggml's block sizes");

std::string_view tensor_type_name(TensorType type);  // "f32", "f16", "bf16", "q8_0", "q4_0"
std::optional<TensorType> parse_tensor_type(std::string_view name);
// Elements per block: 1 for f32/f16/bf16, 32 for q8_0/q4_0.
std::size_t block_elements(TensorType type);
// Bytes per block: 4, 2, 2, 34, 18.
std::size_t block_bytes(TensorType type);
// Bytes of one row of `cols` elements; cols must be a multiple of block_elements(type).
std::size_t row_bytes(TensorType type, std::size_t cols);
// Whether a row of `cols` elements can be stored in `type`.
bool row_fits(TensorType type, std::size_t cols);
// The runtime type of a model's data type: f32/f16/bf16 as named, int8 as q8_0 and int4 as
// q4_0 (the ggml block formats that store 8- and 4-bit weights).
TensorType tensor_type_of(DType dtype);

// IEEE binary16 <-> f32: round to nearest even, overflow to infinity, subnormals kept.
float f16_to_f32(std::uint16_t bits);
std::uint16_t f32_to_f16(float value);
// bfloat16 <-> f32: round to nearest even (as ggml's converter), NaN stays NaN.
inline float bf16_to_f32(std::uint16_t bits) {
  const std::uint32_t u = std::uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
std::uint16_t f32_to_bf16(float value);

}  // namespace specmap::runtime
