#pragma once
// Validators for command-line values. CLI11's Range and PositiveNumber compare with
// `<`, so NaN passes them (and then reads as "not given" or reaches a library check that
// aborts), and its unsigned conversion takes "-1" as 2^64 - 1 and a too-long number as the
// largest value. These check the text as written: a finite number in a stated range, or
// digits that fit, so every wrong value is refused at parse time with exit code 2.
// Paths and names given on the command line must not be empty.
#include <cstdint>
#include <limits>
#include <string>

#include <CLI/CLI.hpp>

namespace specmap::cli {

// A finite decimal number in [lo, hi].
CLI::Validator finite_in(double lo, double hi);
// A finite number above 0 and at most `hi`.
CLI::Validator positive_up_to(double hi = std::numeric_limits<double>::max());
// An unsigned integer written in decimal digits (no sign) that is at most `hi`.
CLI::Validator unsigned_up_to(std::uint64_t hi = std::numeric_limits<std::uint64_t>::max());
// Any text but the empty one: `--out ""` would otherwise write OUT + "/plan.json" to the
// file system's root, or be taken as "not given" and write nothing without a word.
CLI::Validator non_empty();

}  // namespace specmap::cli
