// Every YAML file shipped under configs/ loads, and the paper's setup reads as described.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "describe/loaders.h"

namespace specmap {
namespace {

namespace fs = std::filesystem;
const fs::path kConfigs = fs::path(SPECMAP_SOURCE_DIR) / "configs";

TEST(BundledConfigs, EveryFileLoads) {
  int loaded = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kConfigs)) {
    if (entry.path().extension() != ".yaml") continue;
    std::string folder = entry.path().parent_path().filename().string();
    std::string path = entry.path().string();
    std::string error;
    if (folder == "soc") {
      auto r = load_soc(path);
      if (!r) error = r.error().format();
    } else if (folder == "models") {
      auto r = load_model(path);
      if (!r) error = r.error().format();
    } else if (folder == "workloads") {
      auto r = load_workload(path);
      if (!r) error = r.error().format();
    } else if (folder == "experiments") {
      auto r = load_experiment(path);
      if (!r) error = r.error().format();
    } else {
      continue;
    }
    EXPECT_EQ(error, "") << path;
    ++loaded;
  }
  EXPECT_GE(loaded, 6);
}

TEST(BundledConfigs, Imx95MatchesThePaperSetup) {
  auto soc = load_soc((kConfigs / "soc/imx95.yaml").string());
  ASSERT_TRUE(soc) << soc.error().format();
  ASSERT_EQ(soc->pus.size(), 2u);
  int cpu = *soc->pu_index("cpu");
  int gpu = *soc->pu_index("gpu");
  EXPECT_EQ(soc->pus[cpu].units, 6);
  EXPECT_TRUE(soc->pus[cpu].execution(DType::int8));
  EXPECT_FALSE(soc->pus[gpu].execution(DType::int8));  // the quantized target cannot go to the GPU
  EXPECT_TRUE(soc->pus[gpu].execution(DType::f32));
  ASSERT_EQ(soc->variants.size(), 6u);
  for (int n = 1; n <= 6; ++n) {
    EXPECT_EQ(soc->variants[n - 1].name, std::to_string(n));
    EXPECT_EQ(soc->variants[n - 1].units[cpu], n);
    EXPECT_EQ(soc->variants[n - 1].units[gpu], 1);
  }
  EXPECT_GT(soc->transfer_time(cpu, gpu, 1e6), 0.0);
  EXPECT_GT(soc->transfer_time(gpu, cpu, 1e6), 0.0);
}

TEST(BundledConfigs, ModelsAndWorkload) {
  auto draft = load_model((kConfigs / "models/llama-3.2-1b.yaml").string());
  ASSERT_TRUE(draft) << draft.error().format();
  EXPECT_EQ(draft->name, "llama-3.2-1b");
  // 16-bit: in f32 the paper's pair would not fit the board's 8 GB (4.94 + 3.21 GB).
  EXPECT_EQ(draft->dtype, DType::f16);
  EXPECT_NEAR(draft->parameters(), 1.236e9, 0.002e9);
  EXPECT_NEAR(draft->weight_bytes(), 2.47e9, 0.01e9);
  auto target = load_model((kConfigs / "models/llama-3.2-3b-w8a8.yaml").string());
  ASSERT_TRUE(target) << target.error().format();
  EXPECT_EQ(target->name, "llama-3.2-3b-w8a8");
  EXPECT_EQ(target->dtype, DType::int8);
  EXPECT_EQ(target->arch->kv_dtype, DType::f32);
  auto workload = load_workload((kConfigs / "workloads/translation.yaml").string());
  ASSERT_TRUE(workload) << workload.error().format();
  EXPECT_FALSE(workload->kv_cache);
  ASSERT_EQ(workload->samples.size(), 1u);
  EXPECT_EQ(workload->samples[0].prompt_tokens, 63);
  EXPECT_EQ(workload->samples[0].generate_tokens, 63);
  EXPECT_DOUBLE_EQ(workload->mean_alpha(), 0.90);
}

TEST(BundledConfigs, PaperExperimentResolvesPathsNextToTheFile) {
  // The profile file is optional for this test: copy the experiment next to a stand-in.
  fs::path dir = fs::temp_directory_path() / "specmap_describe_experiment";
  fs::create_directories(dir / "experiments");
  std::ifstream in(kConfigs / "experiments/paper-imx95.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string configs = kConfigs.string();
  for (const char* folder : {"soc", "models", "workloads"}) {
    std::string from = std::string("../") + folder + "/";
    for (std::size_t at; (at = text.find(from)) != std::string::npos;)
      text.replace(at, from.size(), configs + "/" + folder + "/");
  }
  std::ofstream(dir / "profile.yaml") << "version: 1\n";
  std::string profiles = "../../profiles/paper.yaml";
  text.replace(text.find(profiles), profiles.size(), "../profile.yaml");
  std::ofstream(dir / "experiments/paper.yaml") << text;

  auto experiment = load_experiment((dir / "experiments/paper.yaml").string());
  ASSERT_TRUE(experiment) << experiment.error().format();
  EXPECT_EQ(experiment->name, "paper-imx95");
  EXPECT_EQ(experiment->search.mode, CostMode::paper);
  EXPECT_EQ(experiment->search.granularity, Granularity::coarse);
  EXPECT_EQ(experiment->search.objective, Objective::latency);
  EXPECT_EQ(experiment->search.gamma_max, 8);
  EXPECT_EQ(experiment->search.alternatives, 5);
  ASSERT_EQ(experiment->profile_paths.size(), 1u);
  EXPECT_EQ(fs::path(experiment->profile_paths[0]), (dir / "profile.yaml").lexically_normal());
  EXPECT_TRUE(fs::exists(experiment->target_path));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace specmap
