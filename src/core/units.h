#pragma once
// Units live in type aliases and in names (astra-sim style): a double called
// `Seconds` is seconds everywhere. Conversions are explicit helpers.
#include <cstdint>

namespace specmap {

using Seconds = double;
using Joules = double;
using Watts = double;
using Bytes = double;      // double: byte counts are multiplied by rates and fractions
using Flops = double;
using Tokens = std::int64_t;

constexpr double kGiga = 1e9;
constexpr double kMicro = 1e-6;

constexpr Seconds from_us(double us) { return us * kMicro; }
constexpr double to_us(Seconds s) { return s / kMicro; }
constexpr double gb_to_bytes(double gb) { return gb * kGiga; }

}  // namespace specmap
