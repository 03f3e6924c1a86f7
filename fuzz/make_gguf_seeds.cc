// Writes the seed corpora of the GGUF harnesses (fuzz/corpus/gguf_header, gguf_tensors,
// gguf_tokenizer): small GGUF v3 files, a few KB each, so that the fuzzer mutates every part
// of the format quickly. The committed checkpoints under models/ are too large for a corpus
// (their tokenizer alone is 44 KB); these files have their layout (Llama and Qwen2 tensor
// names, SentencePiece-style vocabulary with byte, control, unused and user-defined tokens)
// in the smallest shapes the model reader accepts, plus the first bytes of a committed
// checkpoint as a truncated real header.
//   make_gguf_seeds CORPUS_DIR [CHECKPOINT.gguf]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/formats/gguf_writer.h"
#include "runtime/formats/tiny_gguf.h"

namespace {

using namespace specmap::formats;

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<std::int32_t> types;
  void add(const std::string& piece, float score, std::int32_t type) {
    tokens.push_back(piece);
    scores.push_back(score);
    types.push_back(type);
  }
};

// 23 tokens: <unk>, <s>, </s>, six byte tokens (space, 'a', 'b' and U+2581's three bytes),
// normal pieces with scores, an unused piece and a user-defined one.
Vocab small_vocab() {
  Vocab v;
  v.add("<unk>", 0, 2);
  v.add("<s>", 0, 3);
  v.add("</s>", 0, 3);
  for (const char* b : {"<0x20>", "<0x61>", "<0x62>", "<0xE2>", "<0x96>", "<0x81>"}) v.add(b, 0, 6);
  const std::string space = "\xe2\x96\x81";
  const std::vector<std::string> pieces = {space,       "a",  "b",          "t",  "h",   "e",
                                           space + "a", "ab", space + "ab", "th", "the", space + "the"};
  for (std::size_t i = 0; i < pieces.size(); ++i) v.add(pieces[i], -1.0f - static_cast<float>(i), 1);
  v.add("xy", -0.5f, 5);
  v.add("<tool>", 0, 4);
  return v;
}

void put_tokenizer(GgufWriter& w, const Vocab& v, bool add_bos = true, bool space_prefix = true) {
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_strings("tokenizer.ggml.tokens", v.tokens);
  w.set_f32s("tokenizer.ggml.scores", v.scores);
  w.set_i32s("tokenizer.ggml.token_type", v.types);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_bool("tokenizer.ggml.add_bos_token", add_bos);
  w.set_bool("tokenizer.ggml.add_space_prefix", space_prefix);
}

struct Shape {
  std::string arch = "llama";
  std::uint32_t layers = 1, d_model = 32, d_ff = 32, heads = 2, kv_heads = 1;
  std::uint32_t block_type = kGgmlQ4_0, q_type = kGgmlQ4_0, embedding_type = kGgmlQ4_0, head_type = kGgmlQ4_0;
  bool tied = true, biases = false;
  std::uint64_t alignment = kGgufDefaultAlignment;
};

void put_hyperparameters(GgufWriter& w, const Shape& s, std::size_t vocab) {
  const std::string& a = s.arch;
  w.set_string("general.architecture", a);
  w.set_string("general.name", "seed-" + a);
  if (s.alignment != kGgufDefaultAlignment)
    w.set_u32("general.alignment", static_cast<std::uint32_t>(s.alignment));
  w.set_u32(a + ".vocab_size", static_cast<std::uint32_t>(vocab));
  w.set_u32(a + ".block_count", s.layers);
  w.set_u32(a + ".context_length", 64);
  w.set_u32(a + ".embedding_length", s.d_model);
  w.set_u32(a + ".feed_forward_length", s.d_ff);
  w.set_u32(a + ".attention.head_count", s.heads);
  w.set_u32(a + ".attention.head_count_kv", s.kv_heads);
  w.set_u32(a + ".rope.dimension_count", s.d_model / s.heads);
  w.set_f32(a + ".rope.freq_base", 10000.0f);
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
}

GgufWriter model_file(const Shape& s) {
  const Vocab v = small_vocab();
  GgufWriter w(s.alignment);
  put_hyperparameters(w, s, v.tokens.size());
  put_tokenizer(w, v);
  auto add = [&](const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type) {
    std::size_t count = 1;
    for (auto d : dims) count *= d;
    std::vector<float> values = tiny_tensor_values(7, name, count, 0.5f);
    w.add_tensor(name, std::move(dims), type, encode_tensor(values, type));
  };
  const std::uint64_t d = s.d_model, ff = s.d_ff, hd = s.d_model / s.heads;
  const std::uint64_t q = s.heads * hd, kv = s.kv_heads * hd, vocab = v.tokens.size();
  add("token_embd.weight", {d, vocab}, s.embedding_type);
  for (std::uint32_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", {d}, kGgmlF32);
    add(p + "attn_q.weight", {d, q}, s.q_type);
    add(p + "attn_k.weight", {d, kv}, s.block_type);
    add(p + "attn_v.weight", {d, kv}, s.block_type);
    if (s.biases) {
      add(p + "attn_q.bias", {q}, kGgmlF32);
      add(p + "attn_k.bias", {kv}, kGgmlF32);
      add(p + "attn_v.bias", {kv}, kGgmlF32);
    }
    add(p + "attn_output.weight", {q, d}, s.block_type);
    add(p + "ffn_norm.weight", {d}, kGgmlF32);
    add(p + "ffn_gate.weight", {d, ff}, s.block_type);
    add(p + "ffn_up.weight", {d, ff}, s.block_type);
    add(p + "ffn_down.weight", {ff, d}, s.block_type);
  }
  add("output_norm.weight", {d}, kGgmlF32);
  if (!s.tied) add("output.weight", {d, vocab}, s.head_type);
  add("rope_freqs.weight", {hd / 2}, kGgmlF32);  // present in some checkpoints, unused
  return w;
}

// One key of every value type, arrays of every element type, nested arrays, alignment 64.
GgufWriter every_value_type() {
  GgufWriter w(64);
  w.set_u32("general.alignment", 64);
  auto scalar = [&](const std::string& key, GgufValueType type, std::uint64_t u, std::int64_t i, double r) {
    GgufValue v;
    v.type = type;
    v.uint = u;
    v.sint = i;
    v.real = r;
    w.set(key, v);
  };
  scalar("t.u8", GgufValueType::u8, 200, 0, 0);
  scalar("t.i8", GgufValueType::i8, 0, -100, 0);
  scalar("t.u16", GgufValueType::u16, 60000, 0, 0);
  scalar("t.i16", GgufValueType::i16, 0, -30000, 0);
  scalar("t.u32", GgufValueType::u32, 4000000000u, 0, 0);
  scalar("t.i32", GgufValueType::i32, 0, -2000000000, 0);
  scalar("t.u64", GgufValueType::u64, 18000000000000000000ull, 0, 0);
  scalar("t.i64", GgufValueType::i64, 0, -9000000000000000000ll, 0);
  scalar("t.f32", GgufValueType::f32, 0, 0, 0.25);
  scalar("t.f64", GgufValueType::f64, 0, 0, -1e300);
  scalar("t.bool", GgufValueType::boolean, 1, 0, 0);
  w.set_string("t.string", "text \xe2\x96\x81 with U+2581");
  w.set_i32s("t.i32s", {1, -2, 3});
  w.set_f32s("t.f32s", {0.5f, -1.5f});
  w.set_strings("t.strings", {"", "a", "bc"});
  GgufValue u8s;
  u8s.type = GgufValueType::array;
  u8s.element_type = GgufValueType::u8;
  u8s.ints = {0, 1, 255};
  w.set("t.u8s", u8s);
  GgufValue nested;
  nested.type = GgufValueType::array;
  nested.element_type = GgufValueType::array;
  nested.arrays = {u8s, u8s};
  GgufValue twice = nested;
  twice.arrays = {nested};
  w.set("t.nested", twice);
  w.add_tensor("t.tensor", {32}, kGgmlF32, std::string(128, '\0'));
  return w;
}

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_gguf_seeds CORPUS_DIR [CHECKPOINT.gguf]\n");
    return 2;
  }
  const std::filesystem::path corpus = argv[1];
  const Vocab vocab = small_vocab();

  Shape llama_q4;  // everything q4_0, tied head
  Shape llama_mixed;
  llama_mixed.block_type = kGgmlQ8_0;
  llama_mixed.q_type = kGgmlF16;
  llama_mixed.embedding_type = kGgmlBF16;
  llama_mixed.head_type = kGgmlF16;
  llama_mixed.tied = false;
  llama_mixed.alignment = 64;
  Shape qwen2;
  qwen2.arch = "qwen2";
  qwen2.biases = true;
  const std::string llama_q4_bytes = model_file(llama_q4).bytes();

  // Header and metadata.
  GgufWriter meta_only;
  put_hyperparameters(meta_only, llama_q4, vocab.tokens.size());
  put_tokenizer(meta_only, vocab);
  write(corpus / "gguf_header/llama-metadata-only", meta_only.bytes());
  write(corpus / "gguf_header/every-value-type", every_value_type().bytes());
  GgufWriter empty;
  write(corpus / "gguf_header/empty", empty.bytes());
  if (argc > 2) {  // a committed checkpoint's first 2 KB: a real header, truncated in its vocabulary
    std::ifstream in(argv[2], std::ios::binary);
    std::string head(2048, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    write(corpus / ("gguf_header/" + std::filesystem::path(argv[2]).stem().string() + "-head2k"), head);
  }

  // Tensor table: whole models the model reader accepts.
  write(corpus / "gguf_tensors/llama-q4_0-tied", llama_q4_bytes);
  write(corpus / "gguf_tensors/llama-mixed-types", model_file(llama_mixed).bytes());
  write(corpus / "gguf_tensors/qwen2-biases", model_file(qwen2).bytes());
  // Once undefined behaviour: 2^40 heads of 2^40 dimensions overflowed heads * head_dim.
  write(corpus / "gguf_tensors/regression-head-width-overflow", huge_heads_gguf().bytes());

  // Tokenizer: vocabularies alone (their size is the vocabulary) and one in a model.
  for (const auto& [name, bos, prefix] : {std::tuple{"tokenizer-default", true, true},
                                          std::tuple{"tokenizer-no-bos-no-prefix", false, false}}) {
    GgufWriter w;
    put_tokenizer(w, vocab, bos, prefix);
    write(corpus / "gguf_tokenizer" / name, w.bytes());
  }
  write(corpus / "gguf_tokenizer/llama-q4_0-tied", llama_q4_bytes);
  return 0;
}
