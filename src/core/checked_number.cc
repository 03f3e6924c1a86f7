#include "core/checked_number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <system_error>

namespace specmap {

namespace {

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string shown(text.substr(0, kShown));
  if (text.size() > kShown) shown += "...";
  return "'" + shown + "'";
}

std::string real_text(double v) {
  // Shortest text that reads back as the same double.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

std::string_view without_plus(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  return text;
}

}  // namespace

std::string describe_range(IntRange range) {
  const bool low = range.min != kInt64Min, high = range.max != kInt64Max;
  if (low && high) return "between " + std::to_string(range.min) + " and " + std::to_string(range.max);
  if (low) return "at least " + std::to_string(range.min);
  if (high) return "at most " + std::to_string(range.max);
  return "any integer";
}

std::string describe_range(RealRange range) {
  const bool low = range.min > -std::numeric_limits<double>::max();
  const bool high = range.max < std::numeric_limits<double>::max();
  const std::string bound = range.min == 0 ? std::string("zero") : real_text(range.min);
  const std::string lower =
      range.min_exclusive ? "greater than " + bound : "at least " + real_text(range.min);
  if (low && high) return lower + " and at most " + real_text(range.max);
  if (low) return lower;
  if (high) return "at most " + real_text(range.max);
  return "a finite number";
}

std::optional<std::int64_t> check_int_range(std::int64_t value, IntRange range, std::string& problem) {
  if (value < range.min || value > range.max) {
    problem = "must be " + describe_range(range) + ", found " + std::to_string(value);
    return std::nullopt;
  }
  return value;
}

std::optional<double> check_real_range(double value, RealRange range, std::string& problem) {
  if (!std::isfinite(value)) {
    problem = "expected a finite number, found " + real_text(value);
    return std::nullopt;
  }
  const bool below = range.min_exclusive ? !(value > range.min) : value < range.min;
  if (below || value > range.max) {
    problem = "must be " + describe_range(range) + ", found " + real_text(value);
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> parse_checked_int(std::string_view text, IntRange range, std::string& problem) {
  std::string_view digits = without_plus(text);
  std::int64_t value = 0;
  const char* end = digits.data() + digits.size();
  auto [stop, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || (ec != std::errc() && ec != std::errc::result_out_of_range) || stop != end ||
      (digits.size() != text.size() && !digits.empty() && digits[0] == '-')) {
    problem = "expected an integer, found " + quoted(text);
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    problem =
        "must be " + describe_range(range) + ", found " + quoted(text) + " (beyond the 64-bit integer range)";
    return std::nullopt;
  }
  return check_int_range(value, range, problem);
}

std::optional<double> parse_checked_real(std::string_view text, RealRange range, std::string& problem) {
  std::string_view number = without_plus(text);
  double value = 0;
  const char* end = number.data() + number.size();
  auto [stop, ec] = std::from_chars(number.data(), end, value, std::chars_format::general);
  const bool signed_twice =
      number.size() != text.size() && !number.empty() && (number[0] == '-' || number[0] == '+');
  if (number.empty() || stop != end || signed_twice ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    problem = "expected a number, found " + quoted(text);
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports overflow (1e400) and underflow (1e-400) alike and leaves the value
    // unset; strtod tells them apart (HUGE_VAL or a value near zero).
    value = std::strtod(std::string(number).c_str(), nullptr);
    if (std::isinf(value)) {
      problem = "expected a finite number, found " + quoted(text) +
                " (beyond the range of a double, about 1.8e308)";
      return std::nullopt;
    }
  }
  if (!std::isfinite(value)) {  // "inf", "nan" written out
    problem = "expected a finite number, found " + quoted(text);
    return std::nullopt;
  }
  return check_real_range(value, range, problem);
}

std::optional<std::int64_t> checked_sum(std::int64_t a, std::int64_t b, IntRange range,
                                        std::string& problem) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum) || sum < range.min || sum > range.max) {
    problem = "the total must be " + describe_range(range) + ", found " + std::to_string(a) + " + " +
              std::to_string(b);
    return std::nullopt;
  }
  return sum;
}

}  // namespace specmap
