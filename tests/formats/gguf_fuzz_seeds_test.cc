// The GGUF harnesses' seeds (fuzz/corpus/gguf_*) reach the code they are for: the model seeds
// pass the model reader (and the inputs that once crashed it are refused), the tokenizer seeds give a working
// tokenizer, the header seeds parse (except the truncated real header, which must fail with a byte offset).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "runtime/formats/gguf_file.h"
#include "runtime/formats/gguf_model.h"
#include "runtime/formats/tokenizer.h"

namespace specmap::formats {
namespace {

namespace fs = std::filesystem;

std::vector<std::pair<fs::path, std::string>> seeds(const std::string& harness) {
  std::vector<std::pair<fs::path, std::string>> out;
  for (const auto& entry : fs::directory_iterator(fs::path(SPECMAP_SOURCE_DIR) / "fuzz/corpus" / harness)) {
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back(entry.path(), std::string(std::istreambuf_iterator<char>(in), {}));
  }
  return out;
}

std::span<const std::uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(GgufFuzzSeeds, ModelSeedsPassTheModelReader) {
  const auto files = seeds("gguf_tensors");
  ASSERT_GE(files.size(), 3u);
  for (const auto& [path, bytes] : files) {
    EXPECT_LE(bytes.size(), 16u * 1024) << path << ": seeds stay small";
    auto file = parse_gguf(span_of(bytes), path.string());
    ASSERT_TRUE(file.ok()) << file.error().format();
    auto model = read_gguf_model(*file);
    if (path.filename().string().rfind("regression-", 0) == 0) {  // inputs that once crashed: refused
      ASSERT_FALSE(model.ok()) << path;
      EXPECT_EQ(model.error().file, path.string());
      continue;
    }
    ASSERT_TRUE(model.ok()) << model.error().format();
    EXPECT_EQ(model->arch.vocab, 23) << path;
    EXPECT_FALSE(model->unused_tensors.empty()) << path << ": rope_freqs.weight is listed as unused";
  }
}

TEST(GgufFuzzSeeds, TokenizerSeedsEncodeAndDecode) {
  const auto files = seeds("gguf_tokenizer");
  ASSERT_GE(files.size(), 2u);
  for (const auto& [path, bytes] : files) {
    auto file = parse_gguf(span_of(bytes), path.string());
    ASSERT_TRUE(file.ok()) << file.error().format();
    auto tokenizer = Tokenizer::from_gguf(*file, 23);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().format();
    const std::vector<int> ids = tokenizer->encode("the ab a");
    EXPECT_EQ(tokenizer->decode(ids), "the ab a") << path;
  }
}

TEST(GgufFuzzSeeds, HeaderSeedsParseExceptTheTruncatedOne) {
  const auto files = seeds("gguf_header");
  ASSERT_GE(files.size(), 3u);
  for (const auto& [path, bytes] : files) {
    auto file = parse_gguf(span_of(bytes), path.string());
    if (path.filename().string().find("head2k") != std::string::npos) {
      ASSERT_FALSE(file.ok()) << path;
      EXPECT_NE(file.error().message.find("truncated"), std::string::npos) << file.error().format();
      EXPECT_NE(file.error().message.find("at byte"), std::string::npos) << file.error().format();
    } else {
      EXPECT_TRUE(file.ok()) << file.error().format();
    }
  }
}

}  // namespace
}  // namespace specmap::formats
