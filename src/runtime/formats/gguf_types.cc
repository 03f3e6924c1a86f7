#include "runtime/formats/gguf_types.h"

namespace specmap::formats {

std::string_view gguf_value_type_name(GgufValueType type) {
  switch (type) {
    case GgufValueType::u8:
      return "u8";
    case GgufValueType::i8:
      return "i8";
    case GgufValueType::u16:
      return "u16";
    case GgufValueType::i16:
      return "i16";
    case GgufValueType::u32:
      return "u32";
    case GgufValueType::i32:
      return "i32";
    case GgufValueType::f32:
      return "f32";
    case GgufValueType::boolean:
      return "bool";
    case GgufValueType::string:
      return "string";
    case GgufValueType::array:
      return "array";
    case GgufValueType::u64:
      return "u64";
    case GgufValueType::i64:
      return "i64";
    case GgufValueType::f64:
      return "f64";
  }
  return "?";
}

std::size_t gguf_value_type_size(GgufValueType type) {
  switch (type) {
    case GgufValueType::u8:
    case GgufValueType::i8:
    case GgufValueType::boolean:
      return 1;
    case GgufValueType::u16:
    case GgufValueType::i16:
      return 2;
    case GgufValueType::u32:
    case GgufValueType::i32:
    case GgufValueType::f32:
      return 4;
    case GgufValueType::u64:
    case GgufValueType::i64:
    case GgufValueType::f64:
      return 8;
    case GgufValueType::string:
    case GgufValueType::array:
      return 0;
  }
  return 0;
}

std::optional<GgufTensorType> gguf_tensor_type(std::uint32_t id) {
  switch (id) {
    case kGgmlF32:
      return GgufTensorType::f32;
    case kGgmlF16:
      return GgufTensorType::f16;
    case kGgmlBF16:
      return GgufTensorType::bf16;
    case kGgmlQ8_0:
      return GgufTensorType::q8_0;
    case kGgmlQ4_0:
      return GgufTensorType::q4_0;
    default:
      return std::nullopt;
  }
}

std::uint32_t ggml_type_id(GgufTensorType type) {
  switch (type) {
    case GgufTensorType::f32:
      return kGgmlF32;
    case GgufTensorType::f16:
      return kGgmlF16;
    case GgufTensorType::bf16:
      return kGgmlBF16;
    case GgufTensorType::q8_0:
      return kGgmlQ8_0;
    case GgufTensorType::q4_0:
      return kGgmlQ4_0;
  }
  return kGgmlF32;
}

std::optional<std::string_view> ggml_type_name(std::uint32_t id) {
  // ggml.h's enum ggml_type; ids 4, 5 and 31..33, 36..38 were removed from the format.
  static constexpr std::string_view kNames[] = {
      "f32",   "f16",    "q4_0",  "q4_1", "",     "",        "q5_0",   "q5_1",    "q8_0",  "q8_1",   "q2_K",
      "q3_K",  "q4_K",   "q5_K",  "q6_K", "q8_K", "iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s", "iq4_nl", "iq3_s",
      "iq2_s", "iq4_xs", "i8",    "i16",  "i32",  "i64",     "f64",    "iq1_m",   "bf16",  "",       "",
      "",      "tq1_0",  "tq2_0", "",     "",     "",        "mxfp4",  "nvfp4",   "q1_0",  "q2_0"};
  if (id >= std::size(kNames) || kNames[id].empty()) return std::nullopt;
  return kNames[id];
}

std::string describe_ggml_type(std::uint32_t id) {
  if (auto name = ggml_type_name(id)) return std::string(*name) + " (ggml type " + std::to_string(id) + ")";
  return "ggml type " + std::to_string(id) + " (unknown)";
}

std::size_t gguf_block_elements(GgufTensorType type) {
  return type == GgufTensorType::q8_0 || type == GgufTensorType::q4_0 ? 32 : 1;
}

std::size_t gguf_block_bytes(GgufTensorType type) {
  switch (type) {
    case GgufTensorType::f32:
      return 4;
    case GgufTensorType::f16:
    case GgufTensorType::bf16:
      return 2;
    case GgufTensorType::q8_0:
      return 34;
    case GgufTensorType::q4_0:
      return 18;
  }
  return 4;
}

DType gguf_tensor_dtype(GgufTensorType type) {
  switch (type) {
    case GgufTensorType::f32:
      return DType::f32;
    case GgufTensorType::f16:
      return DType::f16;
    case GgufTensorType::bf16:
      return DType::bf16;
    case GgufTensorType::q8_0:
      return DType::q8_0;
    case GgufTensorType::q4_0:
      return DType::q4_0;
  }
  return DType::f32;
}

std::string_view gguf_tensor_type_name(GgufTensorType type) {
  switch (type) {
    case GgufTensorType::f32:
      return "f32";
    case GgufTensorType::f16:
      return "f16";
    case GgufTensorType::bf16:
      return "bf16";
    case GgufTensorType::q8_0:
      return "q8_0";
    case GgufTensorType::q4_0:
      return "q4_0";
  }
  return "f32";
}

}  // namespace specmap::formats
