// SentencePiece-style tokenizer: hand-built vocabularies, round trips, and the reference
// tokenizations sentencepiece itself produced for the committed pair (models/).
#include "runtime/formats/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "runtime/formats/gguf_model.h"
#include "runtime/formats/tiny_gguf.h"

namespace specmap::formats {
namespace {

namespace fs = std::filesystem;
const std::string kU = "\xe2\x96\x81";

std::span<const std::uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Tokenizer hand_built() {
  // 0 <unk>, 1 <s>, 2 </s>, 3..258 bytes, then pieces.
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<TokenKind> kinds = {TokenKind::unknown, TokenKind::control, TokenKind::control};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    pieces.push_back(buf);
    scores.push_back(0);
    kinds.push_back(TokenKind::byte);
  }
  const std::vector<std::pair<std::string, float>> normal = {
      {kU, -1},       {"h", -2},    {"e", -2},         {"l", -2},    {"o", -2},
      {"w", -2},      {"r", -2},    {"d", -2},         {"ll", -3},   {"he", -4},
      {kU + "h", -5}, {"hell", -6}, {kU + "hell", -7}, {"lo", -3.5}, {"or", -8}};
  for (const auto& [p, s] : normal) {
    pieces.push_back(p);
    scores.push_back(s);
    kinds.push_back(TokenKind::normal);
  }
  pieces.push_back(kU + "w");  // unused: merged, then split back
  scores.push_back(0.5f);
  kinds.push_back(TokenKind::unused);
  return *Tokenizer::from_pieces(pieces, scores, kinds, 1, 2, true, true);
}

std::vector<std::string> pieces_of(const Tokenizer& t, const std::vector<int>& ids) {
  std::vector<std::string> out;
  for (int id : ids) out.push_back(t.piece(id));
  return out;
}

TEST(Tokenizer, MergesByScoreLeftmostFirst) {
  const Tokenizer t = hand_built();
  const std::vector<int> ids = t.encode("hello world");
  ASSERT_EQ(ids.front(), 1);  // BOS
  // "▁hello": ll (-3) beats lo (-3.5) and he (-4); then he, ▁h; "hell" needs he+ll (-6), ▁hell (-7).
  EXPECT_EQ(pieces_of(t, std::vector<int>(ids.begin() + 1, ids.end())),
            (std::vector<std::string>{kU + "hell", "o", kU, "w", "or", "l", "d"}));
  EXPECT_EQ(t.decode(ids), "hello world");
}

TEST(Tokenizer, ByteFallbackAndRoundTrips) {
  const Tokenizer t = hand_built();
  const std::vector<int> ids = t.encode("h\xc3\xa9!", false);
  EXPECT_EQ(pieces_of(t, ids), (std::vector<std::string>{kU + "h", "<0xC3>", "<0xA9>", "<0x21>"}));
  for (const std::string text : {"", " ", "  two  spaces ", "h\xc3\xa9llo w\xc3\xb6rld", "<s> not bos </s>",
                                 "tab\tand\nnewline", "\xff\xfe invalid utf-8"}) {
    const std::vector<int> e = t.encode(text);
    EXPECT_EQ(t.decode(e), text) << text;
    for (int id : std::vector<int>(e.begin() + 1, e.end())) EXPECT_NE(id, 1) << text;  // text is never BOS
  }
}

TEST(Tokenizer, FromGgufMetadataAndVocabularyMismatch) {
  TinyGgufSpec spec;
  const std::string bytes = tiny_gguf(spec).bytes();
  auto file = parse_gguf(span_of(bytes), "t.gguf");
  ASSERT_TRUE(file.ok());
  auto t = Tokenizer::from_gguf(*file, 265);
  ASSERT_TRUE(t.ok()) << t.error().format();
  EXPECT_EQ(t->bos(), 1);
  EXPECT_EQ(t->eos(), 2);
  EXPECT_EQ(t->encode("ab ab"), (std::vector<int>{1, 264, 264}));  // "▁ab" twice
  auto bad = Tokenizer::from_gguf(*file, 300);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().format().find("t.gguf: key 'tokenizer.ggml.tokens'"), std::string::npos);
  EXPECT_NE(bad.error().format().find("at byte"), std::string::npos);
}

// Reference tokenizations written by scripts/train-pair.py with sentencepiece itself.
TEST(Tokenizer, MatchesSentencePieceOnTheCommittedPair) {
  const char* env = std::getenv("SPECMAP_TOKENIZER_REFERENCE_DIR");
  const fs::path dir = env ? fs::path(env) : fs::path(SPECMAP_SOURCE_DIR) / "models";
  const fs::path reference = dir / "tokenizer-reference.json";
  const fs::path gguf = dir / "brown-target-f32.gguf";
  if (!fs::exists(reference) || !fs::exists(gguf)) GTEST_SKIP() << "no " << reference << " and " << gguf;
  auto file = open_gguf(gguf.string());
  ASSERT_TRUE(file.ok()) << file.error().format();
  auto model = read_gguf_model(*file);
  ASSERT_TRUE(model.ok()) << model.error().format();
  auto t = Tokenizer::from_gguf(*file, model->arch.vocab);
  ASSERT_TRUE(t.ok()) << t.error().format();
  const auto json = nlohmann::json::parse(*read_file(reference.string()));
  EXPECT_EQ(t->bos(), json["bos_id"].get<int>());
  EXPECT_EQ(t->eos(), json["eos_id"].get<int>());
  int cases = 0;
  for (const auto& c : json["cases"]) {
    const std::string text = c["text"];
    EXPECT_EQ(t->encode(text, false), c["ids"].get<std::vector<int>>()) << text;
    EXPECT_EQ(t->encode(text), c["ids_with_bos"].get<std::vector<int>>()) << text;
    EXPECT_EQ(t->decode(c["ids"].get<std::vector<int>>()), c["decoded"].get<std::string>()) << text;
    EXPECT_EQ(t->decode(t->encode(text)), text) << text;
    ++cases;
  }
  EXPECT_GT(cases, 5);
}

}  // namespace
}  // namespace specmap::formats
