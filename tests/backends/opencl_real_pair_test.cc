// The committed real pair (models/) with the target on the OpenCL device: greedy speculative
// decoding is the target's own greedy output token for token, KV cache on and off, gamma
// 1..8. Skips with the reason when there is no OpenCL device.
#include <gtest/gtest.h>

#include <filesystem>

#include "backend_support.h"
#include "describe/loaders.h"
#include "runtime/formats/gguf_file.h"
#include "runtime/formats/gguf_model.h"
#include "runtime/formats/tokenizer.h"
#include "runtime/executor/plan_runner.h"

namespace specmap::runtime {
namespace {

std::string source_path(const std::string& relative) {
  return (std::filesystem::path(SPECMAP_SOURCE_DIR) / relative).string();
}

TEST(OpenClRealPair, GreedySpeculativeWithTheTargetOnTheDeviceIsTheTargetsGreedyOutput) {
  std::string why;
  if (!testing::opencl_test_device(why)) GTEST_SKIP() << "no OpenCL device: " << why;
  auto soc = load_soc(source_path("configs/soc/host-opencl.yaml"));
  ASSERT_TRUE(soc.ok()) << soc.error().format();
  auto draft = load_model(source_path("configs/models/brown-draft-f16.yaml"));
  ASSERT_TRUE(draft.ok()) << draft.error().format();
  // The Q8_0 target: the device runs its weights dequantized, the CPU drafter its F16 ones.
  for (const char* target_yaml : {"configs/models/brown-target-q8_0.yaml"}) {
    auto target = load_model(source_path(target_yaml));
    ASSERT_TRUE(target.ok()) << target.error().format();
    auto file = formats::open_gguf(target->weights->path);
    ASSERT_TRUE(file.ok());
    auto model = formats::read_gguf_model(*file);
    ASSERT_TRUE(model.ok());
    auto tokenizer = formats::Tokenizer::from_gguf(*file, model->arch.vocab);
    ASSERT_TRUE(tokenizer.ok());
    for (bool kv : {true, false}) {
      PlanRunOptions options;
      options.prompt = tokenizer->encode("The jury said it did find");
      options.new_tokens = 6;
      options.kv_cache = kv;
      // The drafter on the CPU PU, the target on the OpenCL PU.
      const PlanChoice choice{"1core+ocl", 8, std::vector<std::string>(draft->subgraphs.size(), "cpu"),
                              std::vector<std::string>(target->subgraphs.size(), "ocl")};
      auto runner = PlanRunner::create(*soc, *draft, *target, choice, options);
      ASSERT_TRUE(runner.ok()) << runner.error().format();
      auto plain = (*runner)->run_case(0, std::nullopt, 0, 0);
      ASSERT_TRUE(plain.ok()) << plain.error().format();
      ASSERT_EQ(plain->tokens.size(), 6u);
      ASSERT_FALSE(plain->target_subgraphs.empty());
      EXPECT_FALSE(plain->target_subgraphs.front().opencl_device.empty()) << "the target ran on the device";
      for (int gamma = 1; gamma <= 8; ++gamma) {
        auto spec = (*runner)->run_case(gamma, std::nullopt, 0, 0);
        ASSERT_TRUE(spec.ok()) << spec.error().format();
        EXPECT_EQ(spec->tokens, plain->tokens)
            << target_yaml << (kv ? " KV" : " no KV") << " gamma " << gamma;
      }
    }
  }
}

}  // namespace
}  // namespace specmap::runtime
