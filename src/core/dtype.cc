#include "core/dtype.h"

namespace specmap {

double dtype_bytes(DType t) {
  switch (t) {
    case DType::f32: return 4.0;
    case DType::f16: return 2.0;
    case DType::bf16: return 2.0;
    case DType::int8: return 1.0;
    case DType::int4: return 0.5;
  }
  return 4.0;
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::int8: return "int8";
    case DType::int4: return "int4";
  }
  return "f32";
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (DType t : kAllDTypes)
    if (dtype_name(t) == name) return t;
  return std::nullopt;
}

}  // namespace specmap
