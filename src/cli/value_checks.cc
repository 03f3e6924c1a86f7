#include "cli/value_checks.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace specmap::cli {

namespace {

// Shortest text that reads back as `x` (no "179769313486231570814527...").
std::string shown(double x) {
  std::ostringstream s;
  s.precision(15);
  s << x;
  return s.str();
}

// The number `text` spells, or an explanation of why it is none.
std::string parse_finite(const std::string& text, double& value) {
  if (text.empty()) return "expected a number, got nothing";
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return "expected a number, got '" + text + "'";
  if (std::isnan(value)) return "expected a number, got '" + text + "' (not a number)";
  if (!std::isfinite(value)) return "expected a finite number, got '" + text + "'";
  return "";
}

}  // namespace

CLI::Validator finite_in(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double value = 0;
        if (std::string why = parse_finite(text, value); !why.empty()) return why;
        if (value < lo || value > hi)
          return "value " + text + " is not in [" + shown(lo) + ", " + shown(hi) + "]";
        return "";
      },
      "FLOAT in [" + shown(lo) + " - " + shown(hi) + "]");
}

CLI::Validator positive_up_to(double hi) {
  return CLI::Validator(
      [hi](std::string& text) -> std::string {
        double value = 0;
        if (std::string why = parse_finite(text, value); !why.empty()) return why;
        if (!(value > 0)) return "value " + text + " must be above 0";
        if (value > hi) return "value " + text + " is too large: at most " + shown(hi);
        return "";
      },
      hi == std::numeric_limits<double>::max() ? std::string("FLOAT > 0") : "FLOAT in (0 - " + shown(hi) + "]");
}

CLI::Validator unsigned_up_to(std::uint64_t hi) {
  return CLI::Validator(
      [hi](std::string& text) -> std::string {
        const std::string range = "an integer from 0 to " + std::to_string(hi);
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
          return "expected " + range + " in decimal digits, got '" + text + "'";
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value > hi)
          return "value " + text + " is too large: expected " + range;
        return "";
      },
      "UINT in [0 - " + std::to_string(hi) + "]");
}

CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "an empty value; give a path or a name" : ""; },
      "");
}

}  // namespace specmap::cli
