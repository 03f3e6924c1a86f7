#pragma once
// Numeric data types a model can be stored/computed in and a PU may support.
#include <optional>
#include <string>
#include <string_view>

namespace specmap {

enum class DType { f32, f16, bf16, int8, int4 };

// Storage size of one element in bytes (int4 packs two per byte).
double dtype_bytes(DType t);
std::string_view dtype_name(DType t);
std::optional<DType> parse_dtype(std::string_view name);
// All types in a fixed order, for deterministic iteration.
inline constexpr DType kAllDTypes[] = {DType::f32, DType::f16, DType::bf16, DType::int8, DType::int4};

}  // namespace specmap
