#pragma once
// The enumerations of GGUF v3 (ggml's docs/gguf.md): metadata value types and the ggml
// tensor types, with the storage layout of the five tensor types the runtime keeps weights
// in (ggml's src/ggml-common.h): F32, F16, BF16 element by element; Q8_0 blocks of 32
// weights = f16 scale + 32 int8 (34 bytes); Q4_0 blocks of 32 weights = f16 scale + 16 bytes
// of nibbles (18 bytes).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dtype.h"

namespace specmap::formats {

// Metadata value types, numbered as in the file.
enum class GgufValueType : std::uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};
inline constexpr std::uint32_t kGgufValueTypeCount = 13;
std::string_view gguf_value_type_name(GgufValueType type);  // "u32", "string", "array", ...
// Bytes of one value of a fixed-size type (0 for string and array).
std::size_t gguf_value_type_size(GgufValueType type);

// ggml tensor type ids as stored in tensor infos (ggml.h's enum ggml_type).
inline constexpr std::uint32_t kGgmlF32 = 0;
inline constexpr std::uint32_t kGgmlF16 = 1;
inline constexpr std::uint32_t kGgmlQ4_0 = 2;
inline constexpr std::uint32_t kGgmlQ8_0 = 8;
inline constexpr std::uint32_t kGgmlBF16 = 30;

// The tensor types this reader accepts.
enum class GgufTensorType { f32, f16, bf16, q8_0, q4_0 };
std::optional<GgufTensorType> gguf_tensor_type(std::uint32_t ggml_type_id);
std::uint32_t ggml_type_id(GgufTensorType type);
// ggml's name of any type id it defines ("q4_K", "iq2_xxs", ...), nullopt for unknown ids.
std::optional<std::string_view> ggml_type_name(std::uint32_t ggml_type_id);
// "q4_K (ggml type 12)" or "ggml type 77 (unknown)".
std::string describe_ggml_type(std::uint32_t ggml_type_id);
// Elements per block (1 or 32) and bytes per block (4, 2, 2, 34, 18).
std::size_t gguf_block_elements(GgufTensorType type);
std::size_t gguf_block_bytes(GgufTensorType type);
// The model-schema data type of a tensor type (f32, f16, bf16, q8_0, q4_0).
DType gguf_tensor_dtype(GgufTensorType type);
std::string_view gguf_tensor_type_name(GgufTensorType type);  // "f32" ... "q4_0"

}  // namespace specmap::formats
