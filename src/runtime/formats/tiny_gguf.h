#pragma once
// Small GGUF models for tests: every tensor a Llama or Qwen2 decoder needs, in the shapes and
// types asked for, with deterministic values, and a small SentencePiece-style vocabulary
// (control tokens, the 256 byte tokens, the pieces given). The writer it returns can still be
// changed to build malformed variants.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/formats/gguf_writer.h"

namespace specmap::formats {

struct TinyGgufSpec {
  std::string architecture = "llama";
  std::uint32_t layers = 2;
  std::uint32_t d_model = 64;
  std::uint32_t d_ff = 128;
  std::uint32_t heads = 4;
  std::uint32_t kv_heads = 2;
  std::uint32_t context_length = 256;
  float rope_theta = 10000.0f;
  float norm_eps = 1e-5f;
  std::uint32_t block_type = kGgmlF32;      // every block matmul
  std::uint32_t embedding_type = kGgmlF32;  // token_embd
  std::uint32_t head_type = kGgmlF32;       // output (when not tied)
  bool tied = false;
  bool biases = false;  // attn_q/k/v.bias (qwen2 has them)
  std::uint64_t seed = 1;
  // Pieces after <unk>, <s>, </s> and the byte tokens, with their scores; vocab = 259 + pieces.
  std::vector<std::string> pieces = {"\xe2\x96\x81",
                                     "a",
                                     "b",
                                     "\xe2\x96\x81"
                                     "a",
                                     "ab",
                                     "\xe2\x96\x81"
                                     "ab"};
  std::vector<float> piece_scores = {-1, -2, -3, -4, -5, -6};
};

// Deterministic values of a tensor: uniform in [-scale, scale] from (seed, name).
std::vector<float> tiny_tensor_values(std::uint64_t seed, const std::string& name, std::size_t count,
                                      float scale);
GgufWriter tiny_gguf(const TinyGgufSpec& spec);
// Llama metadata of 32-wide sizes but 2^40 heads of 2^40 dimensions (no tensors, no
// tokenizer): once undefined behaviour, heads * head_dim overflowed; now refused as above
// the model limits. The fuzz seed regression-head-width-overflow and its test.
GgufWriter huge_heads_gguf();

}  // namespace specmap::formats
