// Architecture from GGUF metadata and the tensors checked against it.
#include "runtime/formats/gguf_model.h"

#include <gtest/gtest.h>

#include "runtime/formats/tiny_gguf.h"

namespace specmap::formats {
namespace {

std::span<const std::uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Result<GgufModel> model_of(const std::string& bytes, std::optional<GgufFile>& keep) {
  auto f = parse_gguf(span_of(bytes), "m.gguf");
  if (!f) return f.error();
  keep = std::move(f).value();
  return read_gguf_model(*keep);
}

std::string model_error(const GgufWriter& w) {
  const std::string bytes = w.bytes();
  std::optional<GgufFile> keep;
  auto m = model_of(bytes, keep);
  EXPECT_FALSE(m.ok());
  return m ? "" : m.error().format();
}

TEST(GgufModel, LlamaArchitectureAndGroupTypes) {
  TinyGgufSpec spec;
  spec.block_type = kGgmlQ4_0;
  spec.embedding_type = kGgmlQ8_0;
  spec.head_type = kGgmlF16;
  spec.rope_theta = 500000;
  const std::string bytes = tiny_gguf(spec).bytes();
  std::optional<GgufFile> keep;
  auto m = model_of(bytes, keep);
  ASSERT_TRUE(m.ok()) << m.error().format();
  const ModelArch& a = m->arch;
  EXPECT_EQ(a.layers, 2);
  EXPECT_EQ(a.d_model, 64);
  EXPECT_EQ(a.d_ff, 128);
  EXPECT_EQ(a.heads, 4);
  EXPECT_EQ(a.kv_heads, 2);
  EXPECT_EQ(a.head_dim, 16);
  EXPECT_EQ(a.vocab, 265);
  EXPECT_EQ(a.context_length, 256);
  EXPECT_DOUBLE_EQ(*a.rope_theta, 500000);
  EXPECT_NEAR(*a.norm_eps, 1e-5, 1e-12);
  EXPECT_EQ(a.dtype, DType::q4_0);
  EXPECT_EQ(a.embedding_type(), DType::q8_0);
  EXPECT_EQ(a.head_type(), DType::f16);
  EXPECT_FALSE(a.tied_embeddings);
  EXPECT_FALSE(a.attention_bias);
  EXPECT_EQ(a.rope_style, RopeStyle::normal);
  EXPECT_EQ(m->layers.size(), 2u);
  EXPECT_NE(m->output, nullptr);
}

TEST(GgufModel, Qwen2HasBiasesNeoxRopeAndTiedHead) {
  TinyGgufSpec spec;
  spec.architecture = "qwen2";
  spec.biases = true;
  spec.tied = true;
  const std::string bytes = tiny_gguf(spec).bytes();
  std::optional<GgufFile> keep;
  auto m = model_of(bytes, keep);
  ASSERT_TRUE(m.ok()) << m.error().format();
  EXPECT_TRUE(m->arch.attention_bias);
  EXPECT_TRUE(m->arch.tied_embeddings);
  EXPECT_EQ(m->arch.rope_style, RopeStyle::neox);
  EXPECT_EQ(m->output, nullptr);
  EXPECT_NE(m->layers[1].v_bias, nullptr);

  TinyGgufSpec no_bias = spec;
  no_bias.biases = false;
  EXPECT_NE(model_error(tiny_gguf(no_bias)).find("tensor 'blk.0.attn_q.bias' is missing"), std::string::npos);
}

TEST(GgufModel, ShapeThatDisagreesWithTheMetadata) {
  TinyGgufSpec spec;
  GgufWriter w = tiny_gguf(spec);
  for (auto& t : w.tensors())
    if (t.name == "blk.1.ffn_down.weight") t.dims = {64, 128};  // transposed
  const std::string e = model_error(w);
  EXPECT_NE(e.find("m.gguf: tensor 'blk.1.ffn_down.weight': shape [64, 128]"), std::string::npos) << e;
  EXPECT_NE(e.find("[128, 64]"), std::string::npos) << e;
  EXPECT_NE(e.find("tensor info at byte"), std::string::npos) << e;
}

TEST(GgufModel, MissingTensorAndKey) {
  TinyGgufSpec spec;
  GgufWriter w = tiny_gguf(spec);
  auto& ts = w.tensors();
  std::erase_if(ts, [](const GgufWriterTensor& t) { return t.name == "blk.0.attn_k.weight"; });
  std::string e = model_error(w);
  EXPECT_NE(e.find("tensor 'blk.0.attn_k.weight' is missing"), std::string::npos) << e;
  EXPECT_NE(e.find("start at byte"), std::string::npos) << e;

  GgufWriter bare;
  bare.set_string("general.architecture", "llama");
  e = model_error(bare);
  EXPECT_NE(e.find("key 'llama.block_count': missing"), std::string::npos) << e;
  EXPECT_NE(e.find("byte"), std::string::npos) << e;

  GgufWriter other;
  other.set_string("general.architecture", "gptneox");
  e = model_error(other);
  EXPECT_NE(e.find("'gptneox' is not supported"), std::string::npos) << e;
}

// Found by fuzzing (fuzz/corpus/gguf_tensors/regression-head-width-overflow): 2^40 heads
// of 2^40 dimensions overflowed heads * head_dim. Sizes have the model YAML's limits.
TEST(GgufModel, SizesAboveTheLimitsAreRefused) {
  std::string e = model_error(huge_heads_gguf());
  EXPECT_NE(e.find("key 'llama.attention.head_count': size 1099511627776 is above the largest specmap "
                   "accepts (65536)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("at byte"), std::string::npos) << e;

  GgufWriter deep;
  deep.set_string("general.architecture", "llama");
  deep.set_u32("llama.block_count", 5000);
  e = model_error(deep);
  EXPECT_NE(e.find("key 'llama.block_count': size 5000 is above the largest specmap accepts (4096)"),
            std::string::npos)
      << e;
}

TEST(GgufModel, VocabularyThatDisagreesWithTheTokenizer) {
  TinyGgufSpec spec;
  GgufWriter w = tiny_gguf(spec);
  for (auto& t : w.tensors())
    if (t.name == "token_embd.weight" || t.name == "output.weight") {
      t.dims[1] = 264;  // one row fewer than the tokenizer's 265 tokens
      t.bytes = 264 * 64 * 4;
    }
  const std::string e = model_error(w);
  EXPECT_NE(e.find("key 'tokenizer.ggml.tokens'"), std::string::npos) << e;
  EXPECT_NE(e.find("265 tokens"), std::string::npos) << e;
  EXPECT_NE(e.find("264 rows"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte"), std::string::npos) << e;
}

}  // namespace
}  // namespace specmap::formats
