// GGUF checkpoints in the runtime: tensors viewed in place, llama files' permuted Q/K rows give
// the same logits as the Hugging Face order, a changed file is refused.
#include "runtime/formats/gguf_weights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "runtime/formats/tiny_gguf.h"
#include "runtime/executor/transformer_executor.h"

namespace specmap::runtime {
namespace {

namespace fs = std::filesystem;
using namespace specmap::formats;

// llama.cpp's converter (convert_hf_to_gguf.py LlamaModel.permute) on HF rows [out x in]:
// reshape(heads, 2, hd/2, in).swapaxes(1, 2): new row h*hd + 2i + j = old row h*hd + j*hd/2 + i.
std::vector<float> permute_like_llama_cpp(const std::vector<float>& w, std::size_t heads, std::size_t in) {
  const std::size_t hd = w.size() / in / heads;
  std::vector<float> out(w.size());
  for (std::size_t h = 0; h < heads; ++h)
    for (std::size_t i = 0; i < hd / 2; ++i)
      for (std::size_t j = 0; j < 2; ++j)
        std::copy_n(&w[(h * hd + j * hd / 2 + i) * in], in, &out[(h * hd + 2 * i + j) * in]);
  return out;
}

std::string write_file(const std::string& name, const std::string& bytes) {
  const fs::path p =
      fs::temp_directory_path() / ("specmap-gguf-weights-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

std::vector<float> last_logits(const std::string& path, const ModelArch& arch) {
  auto weights = load_gguf_weights(path, "", arch);
  EXPECT_TRUE(weights.ok()) << (weights ? "" : weights.error().format());
  if (!weights) return {};
  const ModelGraph graph = derive_model("m", weights->arch);
  auto exec = TransformerExecutor::create(
      graph, std::make_shared<const TransformerWeights>(std::move(weights).value()),
      place_all_on(graph, make_core_set({0})));
  EXPECT_TRUE(exec.ok()) << (exec ? "" : exec.error().format());
  if (!exec) return {};
  const std::vector<int> prompt = {1, 200, 17, 42, 261, 5, 99, 120};
  auto logits = (*exec)->try_append(prompt, 1);
  EXPECT_TRUE(logits.ok());
  return logits ? *logits : std::vector<float>{};
}

TEST(GgufWeights, LlamaPermutedRowsGiveTheLogitsOfHuggingFaceOrder) {
  TinyGgufSpec spec;            // 4 heads, 2 KV heads, head_dim 16
  spec.architecture = "qwen2";  // NEOX rope, Hugging Face row order
  spec.biases = true;
  GgufWriter neox = tiny_gguf(spec);
  for (auto& t : neox.tensors())
    if (t.name.find(".bias") != std::string::npos) {
      const std::vector<float> zeros(t.dims[0], 0.0f);
      t.data = [z = encode_tensor(zeros, kGgmlF32)] { return z; };
    }
  spec.architecture = "llama";  // the same weights, Q/K rows as llama.cpp converts them
  spec.biases = false;
  GgufWriter normal = tiny_gguf(spec);
  for (auto& t : normal.tensors()) {
    const bool q = t.name.find("attn_q.weight") != std::string::npos;
    const bool k = t.name.find("attn_k.weight") != std::string::npos;
    if (!q && !k) continue;
    const std::vector<float> hf = tiny_tensor_values(spec.seed, t.name, t.dims[0] * t.dims[1], 1.0f / 8.0f);
    t.data = [bytes = encode_tensor(permute_like_llama_cpp(hf, q ? spec.heads : spec.kv_heads, t.dims[0]),
                                    kGgmlF32)] { return bytes; };
  }
  const std::string a = write_file("neox.gguf", neox.bytes());
  const std::string b = write_file("normal.gguf", normal.bytes());
  ModelArch arch;
  arch.layers = 2, arch.d_model = 64, arch.d_ff = 128, arch.heads = 4, arch.kv_heads = 2, arch.vocab = 265;
  const std::vector<float> la = last_logits(a, arch);
  const std::vector<float> lb = last_logits(b, arch);
  ASSERT_EQ(la.size(), 265u);
  ASSERT_EQ(lb.size(), 265u);
  double max_diff = 0, max_abs = 0;
  for (std::size_t i = 0; i < la.size(); ++i) {
    max_diff = std::max(max_diff, double(std::fabs(la[i] - lb[i])));
    max_abs = std::max(max_abs, double(std::fabs(la[i])));
  }
  EXPECT_GT(max_abs, 1e-3);
  EXPECT_LT(max_diff, 1e-4 * std::max(1.0, max_abs));
  fs::remove(a);
  fs::remove(b);
}

TEST(GgufWeights, QuantizedMatricesAreViewedInTheMappedFileAndAChangedFileIsRefused) {
  TinyGgufSpec spec;
  spec.block_type = kGgmlQ8_0;
  spec.embedding_type = kGgmlQ8_0;
  spec.tied = true;
  const std::string path = write_file("q8.gguf", tiny_gguf(spec).bytes());
  ModelArch arch;
  arch.layers = 2, arch.d_model = 64, arch.d_ff = 128, arch.heads = 4, arch.kv_heads = 2, arch.vocab = 265;
  arch.tied_embeddings = true;
  auto w = load_gguf_weights(path, fingerprint_file(path).value(), arch);
  ASSERT_TRUE(w.ok()) << w.error().format();
  EXPECT_EQ(w->layers[0].up_proj.type, TensorType::q8_0);
  EXPECT_EQ(w->layers[0].up_proj.rows, 128u);
  EXPECT_EQ(w->layers[0].up_proj.cols, 64u);
  auto stale = load_gguf_weights(path, "0000000000000000", arch);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().format().find(path + ": the checkpoint changed"), std::string::npos);
  arch.layers = 3;
  auto other = load_gguf_weights(path, "", arch);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().format().find("is not the model YAML's"), std::string::npos);
  fs::remove(path);
}

}  // namespace
}  // namespace specmap::runtime
