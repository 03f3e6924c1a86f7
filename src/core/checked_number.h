#pragma once
// The one place where numbers in text inputs (YAML scalars, JSON values) become C++ numbers.
// Every read states the range it accepts, so a value is either exact and in range or an error
// that says what was found and what is allowed: never truncated, wrapped, infinite or NaN.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace specmap {

struct IntRange {
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

struct RealRange {
  double min = -std::numeric_limits<double>::max();
  double max = std::numeric_limits<double>::max();
  bool min_exclusive = false;  // (min, max] instead of [min, max]
};

// A whole decimal integer ("42", "+42", "-7"); leading/trailing spaces are not allowed.
// On failure `problem` says why ("expected an integer, found '1.5'", "must be between 1 and
// 4096, found 4294967302") and the result is empty.
std::optional<std::int64_t> parse_checked_int(std::string_view text, IntRange range, std::string& problem);

// A finite decimal number ("0.5", "1e-3", "+2"). Infinity, NaN (".inf", ".nan") and values
// beyond double's range ("1e400") are errors, as are values outside `range`.
std::optional<double> parse_checked_real(std::string_view text, RealRange range, std::string& problem);

// Range checks for numbers that are already numbers (JSON values): the same messages.
std::optional<std::int64_t> check_int_range(std::int64_t value, IntRange range, std::string& problem);
std::optional<double> check_real_range(double value, RealRange range, std::string& problem);

// a + b if the sum stays within `range` (e.g. the cores of several clusters), else empty
// with `problem` naming the limit.
std::optional<std::int64_t> checked_sum(std::int64_t a, std::int64_t b, IntRange range, std::string& problem);

// "between 1 and 4096", "at least 1", "at most 64" or "any integer".
std::string describe_range(IntRange range);
std::string describe_range(RealRange range);

}  // namespace specmap
