#pragma once
// Number and text formatting that is identical on every run and locale.
#include <string>

namespace specmap {

// Fixed-point with `decimals` digits ("1.551").
std::string fixed(double v, int decimals);
// Up to `digits` significant digits, no trailing noise ("0.000812", "1.2e+09").
std::string sig(double v, int digits = 6);
// A CSV field, quoted per RFC 4180 when it holds a comma, quote or newline.
std::string csv_field(const std::string& s);
// A YAML double-quoted scalar that reads back as exactly `s`: quotes and backslashes
// escaped, control characters (a newline, a tab) as \xNN escapes, never dropped.
std::string yaml_quoted(const std::string& s);

}  // namespace specmap
