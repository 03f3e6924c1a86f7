// llama-bench's JSON (the README's real output) as profile entries, and the model checks.
#include "profile/llama_bench_import.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "describe/loaders.h"
#include "profile/profile_db.h"

namespace specmap {
namespace {

const std::string kDir = "tests/profile/data/llama-bench/";

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ModelGraph qwen() {
  auto m = load_model(kDir + "qwen2.5-7b-q4km.yaml");
  EXPECT_TRUE(m) << m.error().format();
  return m ? std::move(m).value() : ModelGraph{};
}

TEST(LlamaBenchImport, PromptAndGenerationTestsBecomeForwardEntries) {
  LlamaBenchImportOptions options{"gpu", 1, /*cpu=*/false};
  auto imported =
      import_llama_bench(slurp(kDir + "qwen2.5-7b-q4km-cuda.json"), "bench.json", qwen(), options);
  ASSERT_TRUE(imported) << imported.error().format();
  EXPECT_EQ(imported->entries, 2u);
  auto db = parse_profile_yaml(imported->profile_yaml, "out.yaml");
  ASSERT_TRUE(db) << db.error().format() << "\n" << imported->profile_yaml;
  ASSERT_EQ(db->entries.size(), 2u);
  const ProfileEntry* pp = nullptr;
  const ProfileEntry* tg = nullptr;
  for (const auto& e : db->entries) (e.new_tokens == 512 ? pp : tg) = &e;
  ASSERT_TRUE(pp && tg);
  EXPECT_EQ(pp->level, ProfileLevel::forward);
  EXPECT_EQ(pp->model, "qwen2.5-7b-q4km");
  EXPECT_EQ(pp->context, 0);
  EXPECT_NEAR(pp->stats.median, 71.7452e-3, 1e-9);  // median of the five samples
  EXPECT_EQ(pp->stats.repetitions, 5);
  // tg128: 128 single-token steps from context 0, one step at the mean context 63.
  EXPECT_EQ(tg->new_tokens, 1);
  EXPECT_EQ(tg->context, 63);
  EXPECT_NEAR(tg->stats.median, 1075361300e-9 / 128, 1e-12);
  EXPECT_NEAR(tg->stats.mean, 1076767880e-9 / 128, 1e-12);
  EXPECT_NE(db->machine.find("RTX 4080"), std::string::npos) << db->machine;
}

TEST(LlamaBenchImport, RefusesAnotherModel) {
  auto other = load_model("configs/models/host-target-110m.yaml");
  ASSERT_TRUE(other);
  auto r = import_llama_bench(slurp(kDir + "qwen2.5-7b-q4km-cuda.json"), "bench.json", *other,
                              LlamaBenchImportOptions{"gpu", 1, false});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().key_path, "[0].model_n_params");
  // Same shape, another quantization: an f32 model is 32 bits per parameter, the file 4.9.
  ModelGraph f32 = qwen();
  f32.arch->dtype = DType::f32;
  f32.dtype = DType::f32;
  auto bits = import_llama_bench(slurp(kDir + "qwen2.5-7b-q4km-cuda.json"), "bench.json", f32,
                                 LlamaBenchImportOptions{"gpu", 1, false});
  ASSERT_FALSE(bits);
  EXPECT_EQ(bits.error().key_path, "[0].model_size");
}

TEST(LlamaBenchImport, CpuPuRefusesOffloadAndSelectsThreads) {
  const std::string json = slurp(kDir + "qwen2.5-7b-q4km-cuda.json");
  auto offload = import_llama_bench(json, "bench.json", qwen(), LlamaBenchImportOptions{"cpu", 8, true});
  ASSERT_FALSE(offload);
  EXPECT_EQ(offload.error().key_path, "[0].n_gpu_layers");
  std::string cpu_only = json;
  for (std::size_t at; (at = cpu_only.find("\"n_gpu_layers\": -1")) != std::string::npos;)
    cpu_only.replace(at, 18, "\"n_gpu_layers\": 0");
  auto wrong_threads =
      import_llama_bench(cpu_only, "bench.json", qwen(), LlamaBenchImportOptions{"cpu", 4, true});
  ASSERT_FALSE(wrong_threads);  // every test ran 8 threads
  auto ok = import_llama_bench(cpu_only, "bench.json", qwen(), LlamaBenchImportOptions{"cpu", 8, true});
  ASSERT_TRUE(ok) << ok.error().format();
}

TEST(LlamaBenchImport, BadInputNamesTheField) {
  auto not_json = import_llama_bench("[{", "bench.json", qwen(), LlamaBenchImportOptions{"gpu", 1, false});
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.error().message.find("byte"), std::string::npos);
  std::string json = slurp(kDir + "qwen2.5-7b-q4km-cuda.json");
  json.replace(json.find("\"avg_ns\": 72135640"), 18, "\"avg_ns\": \"fast\"");
  auto bad = import_llama_bench(json, "bench.json", qwen(), LlamaBenchImportOptions{"gpu", 1, false});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().key_path, "[0].avg_ns");
}

// A number beyond a double's range threw nlohmann's out_of_range past the parse_error handler
// and aborted; now it is an error with its line and column, like every JSON input's.
TEST(LlamaBenchImport, NumberBeyondADoubleIsAnErrorWithItsLocation) {
  LlamaBenchImportOptions options{"gpu", 1, /*cpu=*/false};
  auto imported = import_llama_bench("[\n  {\"avg_ns\": 1e400}\n]\n", "bench.json", qwen(), options);
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().file, "bench.json");
  EXPECT_EQ(imported.error().line, 2) << imported.error().format();
  EXPECT_NE(imported.error().message.find("beyond the range of a double"), std::string::npos)
      << imported.error().format();
}

}  // namespace
}  // namespace specmap
