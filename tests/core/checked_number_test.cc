// The one number reader: values are exact and in range, or an error that says what was found.
#include "core/checked_number.h"

#include <gtest/gtest.h>

#include <limits>

namespace specmap {
namespace {

TEST(CheckedInt, ReadsDecimalIntegersInRange) {
  std::string problem;
  EXPECT_EQ(parse_checked_int("42", {1, 100}, problem), 42);
  EXPECT_EQ(parse_checked_int("+7", {}, problem), 7);
  EXPECT_EQ(parse_checked_int("-7", {}, problem), -7);
  EXPECT_EQ(parse_checked_int("9223372036854775807", {}, problem), std::numeric_limits<std::int64_t>::max());
}

TEST(CheckedInt, ValuesPast32BitsAreRefusedNotWrapped) {
  std::string problem;
  EXPECT_FALSE(parse_checked_int("4294967302", {1, 4096}, problem));
  EXPECT_EQ(problem, "must be between 1 and 4096, found 4294967302");
  EXPECT_FALSE(parse_checked_int("2147483648", {1, std::numeric_limits<int>::max()}, problem));
  EXPECT_NE(problem.find("2147483648"), std::string::npos);
}

TEST(CheckedInt, PastInt64IsOutOfRangeNotGarbage) {
  std::string problem;
  EXPECT_FALSE(parse_checked_int("9223372036854775808", {}, problem));
  EXPECT_NE(problem.find("beyond the 64-bit integer range"), std::string::npos) << problem;
  EXPECT_FALSE(parse_checked_int("-99999999999999999999", {}, problem));
}

TEST(CheckedInt, NonIntegersAreNamed) {
  std::string problem;
  for (const char* text : {"", "1.5", "1e3", "0x10", " 5", "5 ", "++5", "+-5", "five", "-"}) {
    EXPECT_FALSE(parse_checked_int(text, {}, problem)) << text;
    EXPECT_EQ(problem.rfind("expected an integer", 0), 0u) << text << ": " << problem;
  }
}

TEST(CheckedReal, FiniteNumbersOnly) {
  std::string problem;
  EXPECT_DOUBLE_EQ(*parse_checked_real("0.5", {}, problem), 0.5);
  EXPECT_DOUBLE_EQ(*parse_checked_real("+1e-3", {}, problem), 1e-3);
  EXPECT_DOUBLE_EQ(*parse_checked_real("1e-400", {}, problem), 0.0);  // underflow is zero, not an error
  for (const char* text : {"1e400", "-1e400", "inf", "nan", "infinity"}) {
    EXPECT_FALSE(parse_checked_real(text, {}, problem)) << text;
    EXPECT_NE(problem.find("finite"), std::string::npos) << text << ": " << problem;
  }
  for (const char* text : {"", "1.5.5", "abc", ".inf", "1,5", "+-1"}) {
    EXPECT_FALSE(parse_checked_real(text, {}, problem)) << text;
  }
}

TEST(CheckedReal, RangeIsStatedInTheMessage) {
  std::string problem;
  EXPECT_FALSE(parse_checked_real("0", {0.0, 1.0, true}, problem));
  EXPECT_EQ(problem, "must be greater than zero and at most 1, found 0");
  EXPECT_FALSE(check_real_range(std::numeric_limits<double>::quiet_NaN(), {}, problem));
}

TEST(CheckedSum, SumsOfUnitsAreChecked) {
  std::string problem;
  EXPECT_EQ(checked_sum(2, 4, {1, 4096}, problem), 6);
  EXPECT_FALSE(checked_sum(2147483647, 2147483647, {1, 4096}, problem));
  EXPECT_NE(problem.find("4096"), std::string::npos);
  EXPECT_FALSE(checked_sum(std::numeric_limits<std::int64_t>::max(), 1, {}, problem));  // no signed overflow
}

}  // namespace
}  // namespace specmap
