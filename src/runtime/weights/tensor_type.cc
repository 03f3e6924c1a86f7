#include "runtime/weights/tensor_type.h"

#include <cassert>
#include <cmath>

namespace specmap::runtime {

std::string_view tensor_type_name(TensorType type) {
  switch (type) {
    case TensorType::f32:
      return "f32";
    case TensorType::f16:
      return "f16";
    case TensorType::bf16:
      return "bf16";
    case TensorType::q8_0:
      return "q8_0";
    case TensorType::q4_0:
      return "q4_0";
  }
  return "?";
}

std::optional<TensorType> parse_tensor_type(std::string_view name) {
  for (TensorType t : kAllTensorTypes)
    if (tensor_type_name(t) == name) return t;
  return std::nullopt;
}

std::size_t block_elements(TensorType type) {
  return type == TensorType::q8_0 || type == TensorType::q4_0 ? kQuantBlock : 1;
}

std::size_t block_bytes(TensorType type) {
  switch (type) {
    case TensorType::f32:
      return 4;
    case TensorType::f16:
    case TensorType::bf16:
      return 2;
    case TensorType::q8_0:
      return sizeof(BlockQ8_0);
    case TensorType::q4_0:
      return sizeof(BlockQ4_0);
  }
  return 0;
}

bool row_fits(TensorType type, std::size_t cols) { return cols % block_elements(type) == 0; }

std::size_t row_bytes(TensorType type, std::size_t cols) {
  assert(row_fits(type, cols));
  return cols / block_elements(type) * block_bytes(type);
}

TensorType tensor_type_of(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return TensorType::f32;
    case DType::f16:
      return TensorType::f16;
    case DType::bf16:
      return TensorType::bf16;
    case DType::int8:
    case DType::q8_0:
      return TensorType::q8_0;
    case DType::int4:
    case DType::q4_0:
      return TensorType::q4_0;
  }
  return TensorType::f32;
}

float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // 127 - 15 = 112
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal: value = mantissa * 2^-24; normalise it.
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    bits = sign | std::uint32_t(112 - e) << 23 | ((mantissa & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::uint16_t f32_to_f16(float value) {
  std::uint32_t u;
  std::memcpy(&u, &value, 4);
  const auto sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);   // NaN
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (abs < 0x38800000u) {
    // Below the smallest normal half (2^-14): a subnormal half, step 2^-24, rounded to even.
    float magnitude;
    std::memcpy(&magnitude, &abs, 4);
    const float scaled = magnitude * 16777216.0f;  // exact: a power of two
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(scaled)));
  }
  // Normal: rebias the exponent, round the 13 dropped mantissa bits to nearest even.
  const std::uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

std::uint16_t f32_to_bf16(float value) {
  std::uint32_t u;
  std::memcpy(&u, &value, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 64);  // quiet NaN
  return static_cast<std::uint16_t>((u + (0x7fffu + ((u >> 16) & 1u))) >> 16);
}

}  // namespace specmap::runtime
