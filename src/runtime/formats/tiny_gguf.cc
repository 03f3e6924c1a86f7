#include "runtime/formats/tiny_gguf.h"

#include <cmath>

#include "core/splitmix64.h"

namespace specmap::formats {

namespace {

std::uint64_t hash_name(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::vector<float> tiny_tensor_values(std::uint64_t seed, const std::string& name, std::size_t count,
                                      float scale) {
  std::vector<float> v(count);
  std::uint64_t state = splitmix64(seed ^ hash_name(name));
  for (float& x : v) {
    state = splitmix64(state);
    x = (static_cast<float>(state >> 40) / 16777216.0f * 2.0f - 1.0f) * scale;
  }
  return v;
}

GgufWriter tiny_gguf(const TinyGgufSpec& s) {
  GgufWriter w;
  const std::string a = s.architecture;
  const std::uint32_t head_dim = s.d_model / s.heads;
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<std::int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    tokens.push_back(buf);
    scores.push_back(0);
    types.push_back(6);
  }
  for (std::size_t i = 0; i < s.pieces.size(); ++i) {
    tokens.push_back(s.pieces[i]);
    scores.push_back(i < s.piece_scores.size() ? s.piece_scores[i] : -100.0f - float(i));
    types.push_back(1);
  }
  const auto vocab = static_cast<std::uint64_t>(tokens.size());

  w.set_string("general.architecture", a);
  w.set_string("general.name", "tiny-" + a);
  w.set_u32(a + ".block_count", s.layers);
  w.set_u32(a + ".context_length", s.context_length);
  w.set_u32(a + ".embedding_length", s.d_model);
  w.set_u32(a + ".feed_forward_length", s.d_ff);
  w.set_u32(a + ".attention.head_count", s.heads);
  w.set_u32(a + ".attention.head_count_kv", s.kv_heads);
  w.set_u32(a + ".rope.dimension_count", head_dim);
  w.set_f32(a + ".rope.freq_base", s.rope_theta);
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", s.norm_eps);
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_strings("tokenizer.ggml.tokens", tokens);
  w.set_f32s("tokenizer.ggml.scores", scores);
  w.set_i32s("tokenizer.ggml.token_type", types);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.set_bool("tokenizer.ggml.add_space_prefix", true);

  auto add = [&](const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type, float scale) {
    std::size_t count = 1;
    for (auto d : dims) count *= d;
    std::vector<float> values = tiny_tensor_values(s.seed, name, count, scale);
    if (dims.size() == 1 && scale == 0) values.assign(count, 1.0f);  // norm weights
    w.add_tensor(name, std::move(dims), type, encode_tensor(values, type));
  };
  const std::uint64_t d = s.d_model, ff = s.d_ff, q = s.heads * head_dim, kv = s.kv_heads * head_dim;
  const float wscale = 1.0f / std::sqrt(float(d));
  add("token_embd.weight", {d, vocab}, s.embedding_type, 1.0f);
  for (std::uint32_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", {d}, kGgmlF32, 0);
    add(p + "attn_q.weight", {d, q}, s.block_type, wscale);
    add(p + "attn_k.weight", {d, kv}, s.block_type, wscale);
    add(p + "attn_v.weight", {d, kv}, s.block_type, wscale);
    if (s.biases) {
      add(p + "attn_q.bias", {q}, kGgmlF32, 0.1f);
      add(p + "attn_k.bias", {kv}, kGgmlF32, 0.1f);
      add(p + "attn_v.bias", {kv}, kGgmlF32, 0.1f);
    }
    add(p + "attn_output.weight", {q, d}, s.block_type, wscale);
    add(p + "ffn_norm.weight", {d}, kGgmlF32, 0);
    add(p + "ffn_gate.weight", {d, ff}, s.block_type, wscale);
    add(p + "ffn_up.weight", {d, ff}, s.block_type, wscale);
    add(p + "ffn_down.weight", {ff, d}, s.block_type, 1.0f / std::sqrt(float(ff)));
  }
  add("output_norm.weight", {d}, kGgmlF32, 0);
  if (!s.tied) add("output.weight", {d, vocab}, s.head_type, wscale);
  return w;
}

GgufWriter huge_heads_gguf() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  for (const char* key :
       {"llama.block_count", "llama.context_length", "llama.embedding_length", "llama.feed_forward_length"})
    w.set_u32(key, 32);
  for (const char* key :
       {"llama.attention.head_count", "llama.attention.head_count_kv", "llama.attention.key_length"})
    w.set_u64(key, 1ull << 40);
  w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  return w;
}

}  // namespace specmap::formats
