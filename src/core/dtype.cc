#include "core/dtype.h"

namespace specmap {

double dtype_bytes(DType t) {
  switch (t) {
    case DType::f32:
      return 4.0;
    case DType::f16:
      return 2.0;
    case DType::bf16:
      return 2.0;
    case DType::int8:
      return 1.0;
    case DType::int4:
      return 0.5;
    case DType::q8_0:
      return 34.0 / 32.0;
    case DType::q4_0:
      return 18.0 / 32.0;
  }
  return 4.0;
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32:
      return "f32";
    case DType::f16:
      return "f16";
    case DType::bf16:
      return "bf16";
    case DType::int8:
      return "int8";
    case DType::int4:
      return "int4";
    case DType::q8_0:
      return "q8_0";
    case DType::q4_0:
      return "q4_0";
  }
  return "f32";
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (DType t : kAllDTypes)
    if (dtype_name(t) == name) return t;
  return std::nullopt;
}

std::optional<DType> dtype_integer_compute(DType t) {
  if (t == DType::q8_0 || t == DType::q4_0) return DType::int8;
  return std::nullopt;
}

}  // namespace specmap
