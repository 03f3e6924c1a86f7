// yaml_quoted: every text a writer puts in a YAML it emits (names, paths, CPU model strings)
// reads back exactly, control characters included (they were once dropped or written raw).
#include <gtest/gtest.h>

#include "core/format.h"
#include "describe/yaml_document.h"
#include "describe/yaml_reader.h"

namespace specmap {
namespace {

TEST(YamlQuoted, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(yaml_quoted("plain"), "\"plain\"");
  EXPECT_EQ(yaml_quoted("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
  EXPECT_EQ(yaml_quoted("two\nlines\t\x7f"), "\"two\\x0alines\\x09\\x7f\"");
}

TEST(YamlQuoted, ReadsBackAsGiven) {
  for (const std::string text :
       {std::string("name: with colon"), std::string("a\nb: c"), std::string("\"\\\r\x01 x"),
        std::string("# not a comment"), std::string("caf\xc3\xa9"), std::string("")}) {
    auto doc = parse_yaml_text("v: " + yaml_quoted(text) + "\n", "t.yaml");
    ASSERT_TRUE(doc.ok()) << doc.error().format();
    EXPECT_EQ((*doc)->root()["v"].Scalar(), text);
  }
}

}  // namespace
}  // namespace specmap
