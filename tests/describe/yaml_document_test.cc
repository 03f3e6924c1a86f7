// The compact YAML document the loaders read: values, marks, aliases, the checks made while
// it is built (with their key paths), and its size against the text's.
#include "describe/yaml_document.h"

#include <gtest/gtest.h>

#include "describe/yaml_reader.h"

namespace specmap {
namespace {

std::shared_ptr<const YamlDocument> parsed(const std::string& text) {
  auto doc = parse_yaml_text(text, "t.yaml");
  EXPECT_TRUE(doc.ok()) << doc.error().format();
  return doc ? *doc : nullptr;
}

Error refused(const std::string& text) {
  auto doc = parse_yaml_text(text, "t.yaml");
  EXPECT_FALSE(doc.ok()) << text;
  return doc ? Error{} : doc.error();
}

TEST(YamlDocument, ValuesMarksAndLookups) {
  auto doc = parsed("version: 1\nlist: [a, 'b c', {k: v}]\nempty:\nnested:\n  x: 2\n");
  const YamlNode root = doc->root();
  ASSERT_TRUE(root.IsMap());
  EXPECT_EQ(root.size(), 4u);
  EXPECT_EQ(root["version"].Scalar(), "1");
  const YamlNode list = root["list"];
  ASSERT_TRUE(list.IsSequence());
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1].Scalar(), "b c");
  EXPECT_EQ(list[2]["k"].Scalar(), "v");
  EXPECT_FALSE(list[3].IsDefined());
  EXPECT_TRUE(root["empty"].IsNull());
  EXPECT_FALSE(root["missing"].IsDefined());
  EXPECT_EQ(root["nested"]["x"].Mark().line, 4);
  EXPECT_EQ(root["nested"]["x"].Mark().column, 5);
  EXPECT_EQ(root.key_at(1).Scalar(), "list");
  EXPECT_EQ(root.key_at(1).Mark().line, 1);
}

TEST(YamlDocument, EmptyTextAndOneDocumentOnly) {
  EXPECT_TRUE(parsed("")->root().IsNull());
  EXPECT_EQ(parsed("---\na: 1\n...\n")->root()["a"].Scalar(), "1");
  // A second document would be ignored, so it is an error where it starts.
  const Error e = refused("a: 1\n---\nb: 2\n");
  EXPECT_NE(e.message.find("second YAML document"), std::string::npos) << e.format();
  EXPECT_EQ(e.line, 2) << e.format();
  EXPECT_GT(refused("a: 1\n--- [x]\n").line, 0);
}

TEST(YamlDocument, AliasesResolveToWhatTheyName) {
  auto doc = parsed("base: &b {x: 1, y: [2, 3]}\ncopy: *b\nscalar: &s hello\nagain: *s\n");
  const YamlNode root = doc->root();
  EXPECT_EQ(root["copy"]["y"][1].Scalar(), "3");
  EXPECT_EQ(root["again"].Scalar(), "hello");
  EXPECT_EQ(root["copy"].Mark().line, 0);  // the anchored node's mark, as yaml-cpp gives it
  const Error e = refused("a: &a [1, *a]\n");
  EXPECT_NE(e.message.find("expands (through aliases)"), std::string::npos) << e.format();
}

TEST(YamlDocument, ChecksNameTheKeyPath) {
  Error e = refused("items:\n  - {a: 1}\n  - {a: 1, a: 2}\n");
  EXPECT_EQ(e.key_path, "items[1].a");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 12);
  EXPECT_NE(e.message.find("key 'a' is given twice"), std::string::npos) << e.format();

  e = refused("outer:\n  inner:\n    - x\n    - {[1]: 2}\n");
  EXPECT_EQ(e.key_path, "outer.inner[1]");
  EXPECT_NE(e.message.find("a key must be a plain name, not a list"), std::string::npos) << e.format();

  std::string deep = "a: ";
  for (int i = 0; i < 70; ++i) deep += "[";
  e = refused(deep + std::string(70, ']') + "\n");
  EXPECT_NE(e.message.find("nested deeper than 64"), std::string::npos) << e.format();
  EXPECT_EQ(e.key_path.substr(0, 7), "a[0][0]");

  e = refused("a: [1, 2\n");
  EXPECT_NE(e.message.find("malformed YAML"), std::string::npos) << e.format();
  EXPECT_EQ(e.file, "t.yaml");
  EXPECT_GT(e.line, 0);
}

TEST(YamlDocument, BooleansAsYamlCppReadsThem) {
  const std::string text = "version: 1\na: yes\nb: False\nc: ON\nd: n\ne: tRue\nf: 1\n";
  auto doc = parsed(text);
  auto source = std::make_shared<const YamlSource>(YamlSource{doc, "t.yaml"});
  const YamlValue root(doc->root(), "", source);
  EXPECT_TRUE(root.at("a").as_bool());
  EXPECT_FALSE(root.at("b").as_bool());
  EXPECT_TRUE(root.at("c").as_bool());
  EXPECT_FALSE(root.at("d").as_bool());
  EXPECT_THROW((void)root.at("e").as_bool(), InputError);
  EXPECT_THROW((void)root.at("f").as_bool(), InputError);
}

// The document takes a few times its text, not yaml-cpp's node tree's ~60 times: a subgraph
// list of op maps, the shape of the largest inputs.
TEST(YamlDocument, TakesAFewTimesTheText) {
  std::string text = "version: 1\nsubgraphs:\n";
  for (int i = 0; i < 2000; ++i)
    text += "  - name: block." + std::to_string(i) +
            "\n    kind: decoder_block\n    ops:\n"
            "      - {name: q, kind: matmul, dtype: f32, in_features: 512, out_features: 512}\n"
            "      - {name: attn, kind: attention, heads: 8, kv_heads: 4, head_dim: 64, kv_dtype: f32}\n";
  auto doc = parsed(text);
  EXPECT_LT(doc->memory_bytes(), 4 * text.size()) << doc->memory_bytes() << " bytes for " << text.size();
  EXPECT_EQ(doc->root()["subgraphs"].size(), 2000u);
  EXPECT_EQ(doc->root()["subgraphs"][1999]["ops"][1]["head_dim"].Scalar(), "64");
}

}  // namespace
}  // namespace specmap
