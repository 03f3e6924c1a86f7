// Resident memory of a Q8_0 checkpoint in Llama 3.2 1B's real shapes (16 layers, d_model 2048,
// d_ff 8192, 32 heads, 8 KV heads, vocab 128256, tied): the file (about 1.3 GB) is streamed
// to /tmp, loaded, every matrix touched as a CPU forward pass reads it, and VmRSS compared
// with the file's size.
// Runs only with SPECMAP_GGUF_RSS=1 (it writes and reads 1.3 GB); skipped otherwise.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/formats/gguf_model.h"
#include "runtime/formats/gguf_weights.h"
#include "runtime/formats/tiny_gguf.h"
#include "runtime/kernels/cpu/packed_weights.h"

namespace specmap::formats {
namespace {

double resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
  return 0;
}

// Q8_0 blocks with a fixed scale and pseudo-random int8 values.
std::string q8_blocks(std::uint64_t elements, std::uint64_t seed) {
  std::string out(elements / 32 * 34, '\0');
  std::uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
  const std::uint16_t d = f32_to_f16_bits(0.01f);
  for (std::size_t b = 0; b < out.size(); b += 34) {
    std::memcpy(&out[b], &d, 2);
    for (std::size_t j = 0; j < 32; j += 8) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      std::memcpy(&out[b + 2 + j], &s, 8);
    }
  }
  return out;
}

TEST(GgufMemory, Llama32OneBillionQ8_0ResidentMemoryAgainstFileSize) {
  if (std::getenv("SPECMAP_GGUF_RSS") == nullptr)
    GTEST_SKIP() << "set SPECMAP_GGUF_RSS=1 to write and load 1.3 GB";
  const std::uint64_t layers = 16, d = 2048, ff = 8192, heads = 32, kv = 8, vocab = 128256, hd = d / heads;
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", layers);
  w.set_u32("llama.context_length", 131072);
  w.set_u32("llama.embedding_length", d);
  w.set_u32("llama.feed_forward_length", ff);
  w.set_u32("llama.attention.head_count", heads);
  w.set_u32("llama.attention.head_count_kv", kv);
  w.set_u32("llama.rope.dimension_count", hd);
  w.set_f32("llama.rope.freq_base", 500000.0f);
  w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  std::uint64_t seed = 0;
  auto q8 = [&](const std::string& name, std::uint64_t in, std::uint64_t out) {
    GgufWriterTensor t;
    t.name = name;
    t.dims = {in, out};
    t.type_id = kGgmlQ8_0;
    t.bytes = in * out / 32 * 34;
    t.data = [n = in * out, s = ++seed] { return q8_blocks(n, s); };
    w.add_tensor(std::move(t));
  };
  auto norm = [&](const std::string& name) {
    w.add_tensor(name, {d}, kGgmlF32, encode_tensor(std::vector<float>(d, 1.0f), kGgmlF32));
  };
  q8("token_embd.weight", d, vocab);
  for (std::uint64_t l = 0; l < layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    norm(p + "attn_norm.weight");
    q8(p + "attn_q.weight", d, heads * hd);
    q8(p + "attn_k.weight", d, kv * hd);
    q8(p + "attn_v.weight", d, kv * hd);
    q8(p + "attn_output.weight", heads * hd, d);
    norm(p + "ffn_norm.weight");
    q8(p + "ffn_gate.weight", d, ff);
    q8(p + "ffn_up.weight", d, ff);
    q8(p + "ffn_down.weight", ff, d);
  }
  norm("output_norm.weight");
  const std::string path =
      (std::filesystem::temp_directory_path() / "specmap-llama-3.2-1b-q8_0.gguf").string();
  ASSERT_TRUE(w.write(path).ok());
  const double file_size = static_cast<double>(std::filesystem::file_size(path));

  const double before = resident_bytes();
  {
    ModelArch arch;
    arch.layers = 16, arch.d_model = 2048, arch.d_ff = 8192, arch.heads = 32, arch.kv_heads = 8;
    arch.vocab = 128256, arch.tied_embeddings = true;
    // The runtime's path: fingerprint checked (reads the whole file), matrices viewed in the
    // mapping, llama Q/K rows reordered into owned copies.
    auto weights = runtime::load_gguf_weights(path, fingerprint_file(path).value(), arch);
    ASSERT_TRUE(weights.ok()) << weights.error().format();
    // Touch every matrix byte as a forward pass on the CPU does: the packed copy where the
    // kernels made one (the stored pages it was made from went back to the file), else the
    // stored bytes.
    std::uint64_t sum = 0;
    auto touch = [&](const runtime::WeightTensor& t) {
      if (t.packed) {
        for (std::size_t i = 0; i < t.packed->bytes.size(); i += 4096)
          sum += std::to_integer<unsigned>(t.packed->bytes[i]);
        return;
      }
      for (std::size_t i = 0; i < t.bytes.size(); i += 4096) sum += std::to_integer<unsigned>(t.bytes[i]);
    };
    touch(weights->embedding);
    for (const auto& l : weights->layers)
      for (const auto* t :
           {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj})
        touch(*t);
    const double after = resident_bytes();
    const double ratio = (after - before) / file_size;
    std::printf(
        "file %.3f GB, resident after loading and touching every matrix %.3f GB: RSS / file = %.3f (sum "
        "%llu)\n",
        file_size / 1e9, (after - before) / 1e9, ratio, static_cast<unsigned long long>(sum));
    EXPECT_LE(ratio, 1.1);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace specmap::formats
