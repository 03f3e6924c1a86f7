// The one JSON reader: positions, duplicate keys, depth, numbers beyond a double, NUL bytes.
#include "core/json_document.h"

#include <gtest/gtest.h>

namespace specmap {
namespace {

TEST(JsonDocument, ValuesKnowTheirLineAndColumn) {
  const std::string text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"c\":   3.5\n}";
  auto doc = parse_json_document(text, "f.json");
  ASSERT_TRUE(doc) << doc.error().format();
  Error e = doc->error("a[1].b", "bad");
  EXPECT_EQ(e.file, "f.json");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 18);
  e = doc->error("a[0]", "bad");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 9);
  e = doc->error("c", "bad");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 10);
  // A path that was not parsed falls back to the nearest enclosing value.
  e = doc->error("a[1].missing", "bad");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 12);
  EXPECT_EQ(e.key_path, "a[1].missing");
}

TEST(JsonDocument, DuplicateKeysAreErrorsAtTheSecondKey) {
  auto doc = parse_json_document("{\"x\": {\"k\": 1,\n \"k\": 2}}", "d.json");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().key_path, "x.k");
  EXPECT_EQ(doc.error().line, 2);
  EXPECT_EQ(doc.error().column, 2);
  EXPECT_NE(doc.error().message.find("given twice"), std::string::npos);
}

TEST(JsonDocument, NumberBeyondADoubleIsAnError) {
  auto doc = parse_json_document("{\"t\":\n  1e400}", "n.json");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().line, 2);
  EXPECT_NE(doc.error().message.find("1e400"), std::string::npos) << doc.error().message;
}

TEST(JsonDocument, DeepNestingIsRefusedWithItsLimit) {
  const std::string text = std::string(100000, '[') + std::string(100000, ']');
  auto doc = parse_json_document(text, "deep.json");
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("nested deeper than 64"), std::string::npos) << doc.error().message;
  EXPECT_EQ(doc.error().column, 65);
}

TEST(JsonDocument, NulByteSaysSo) {
  auto doc = parse_json_document(std::string("{\"a\": \"x\0y\"}", 12), "nul.json");
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("NUL byte"), std::string::npos) << doc.error().message;
  EXPECT_EQ(doc.error().column, 9);
}

TEST(JsonDocument, SyntaxErrorsHaveLineAndColumn) {
  auto doc = parse_json_document("{\"a\": 1,\n  \"b\": }", "s.json");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().line, 2);
  EXPECT_EQ(doc.error().column, 8);
  EXPECT_EQ(doc.error().message.find("[json.exception"), std::string::npos) << doc.error().message;
}

TEST(JsonDocument, TypedReadsCheckTypeAndRange) {
  auto doc =
      parse_json_document("{\"n\": 4294967302, \"s\": 3, \"u\": 18446744073709551615, \"f\": 0.5}", "t.json");
  ASSERT_TRUE(doc);
  try {
    (void)doc->integer(doc->root["n"], "n", {1, 4096});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.error.message, "must be between 1 and 4096, found 4294967302");
    EXPECT_EQ(e.error.column, 7);
  }
  EXPECT_THROW((void)doc->string(doc->root["s"], "s"), InputError);
  EXPECT_THROW((void)doc->integer(doc->root["u"], "u", {}), InputError);
  EXPECT_THROW((void)doc->integer(doc->root["f"], "f", {}), InputError);
  EXPECT_DOUBLE_EQ(doc->real(doc->root["f"], "f"), 0.5);
  EXPECT_THROW((void)doc->member(doc->root, "", "missing"), InputError);
}

}  // namespace
}  // namespace specmap
