// Running a plan's choice: core sets per variant, placements, and speculative decoding of a
// tiny model pair whose greedy output must equal the target's own greedy output.
#include "runtime/executor/plan_runner.h"

#include <gtest/gtest.h>

#include "describe/loaders.h"
#include "runtime/measure/host_detect.h"
#include "runtime/executor/plan_file.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

// One CPU PU of two cores and a GPU; variants with one and two cores.
Soc two_pu_soc() {
  Soc soc;
  soc.name = "test-soc";
  ProcessingUnit cpu;
  cpu.id = "cpu";
  cpu.kind = PuKind::cpu;
  cpu.units = 2;
  ProcessingUnit gpu;
  gpu.id = "gpu";
  gpu.kind = PuKind::gpu;
  soc.pus = {cpu, gpu};
  soc.variants = {{"1core", {1, 1}}, {"2core", {2, 1}}};
  return soc;
}

std::vector<std::string> all_on(const ModelGraph& g, const std::string& pu) {
  return std::vector<std::string>(g.subgraphs.size(), pu);
}

struct TinyPair {
  ModelGraph draft = derive_model("tiny-draft", testing::tiny_arch(1));
  ModelGraph target = derive_model("tiny-target", testing::tiny_arch(2));
};

PlanChoice cpu_choice(const TinyPair& pair, int gamma) {
  return {"1core", gamma, all_on(pair.draft, "cpu"), all_on(pair.target, "cpu")};
}

TEST(PuCoreSets, CpuUnitsTakeTheFirstOnlineCores) {
  auto sets = pu_core_sets(two_pu_soc(), "2core", {3, 5, 7});
  ASSERT_TRUE(sets.ok()) << sets.error().format();
  EXPECT_EQ((*sets)[0].cores, (std::vector<int>{3, 5}));
  EXPECT_TRUE((*sets)[1].empty());  // the GPU has no cores
  auto one = pu_core_sets(two_pu_soc(), "1core", {3, 5, 7});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)[0].cores, (std::vector<int>{3}));
}

TEST(PuCoreSets, TooFewOnlineCoresOrUnknownVariantIsAnError) {
  EXPECT_FALSE(pu_core_sets(two_pu_soc(), "2core", {0}).ok());
  EXPECT_FALSE(pu_core_sets(two_pu_soc(), "9core", {0, 1}).ok());
}

// big.LITTLE: "little" gives a count, "big" names cores 4..7; a two-unit variant of "big"
// runs on its first two named cores and "little" takes the first free online ones.
Soc big_little_soc() {
  Soc soc;
  soc.name = "big-little";
  ProcessingUnit little;
  little.id = "little";
  little.kind = PuKind::cpu;
  little.clusters = {CpuCluster{"a55", "cortex-a55", 2, {}}};
  little.units = 2;
  ProcessingUnit big;
  big.id = "big";
  big.kind = PuKind::cpu;
  big.clusters = {CpuCluster{"a76", "cortex-a76", 4, {4, 5, 6, 7}}};
  big.units = 4;
  soc.pus = {little, big};
  soc.variants = {{"2big", {0, 2}}, {"1little+4big", {1, 4}}};
  return soc;
}

TEST(PuCoreSets, NamedCoresAreUsedInTheirOrderAndCountedPusTakeTheRest) {
  const std::vector<int> online = {0, 1, 2, 3, 4, 5, 6, 7};
  auto two_big = pu_core_sets(big_little_soc(), "2big", online);
  ASSERT_TRUE(two_big.ok()) << two_big.error().format();
  EXPECT_TRUE((*two_big)[0].empty());
  EXPECT_EQ((*two_big)[1].cores, (std::vector<int>{4, 5}));
  auto mixed = pu_core_sets(big_little_soc(), "1little+4big", {4, 5, 6, 7, 8});
  ASSERT_TRUE(mixed.ok()) << mixed.error().format();
  EXPECT_EQ((*mixed)[1].cores, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ((*mixed)[0].cores, (std::vector<int>{8}));  // 4..7 are big's
}

TEST(PuCoreSets, OfflineNamedCoreIsRefusedWithTheReason) {
  auto sets = pu_core_sets(big_little_soc(), "2big", {0, 1, 2, 3, 4});
  ASSERT_FALSE(sets.ok());
  const std::string& message = sets.error().message;
  EXPECT_NE(message.find("core 5"), std::string::npos) << message;
  EXPECT_NE(message.find("'big'"), std::string::npos) << message;
  EXPECT_NE(message.find("not online"), std::string::npos) << message;
  EXPECT_NE(message.find("{0,1,2,3,4}"), std::string::npos) << message;
  EXPECT_TRUE(check_host_cores(big_little_soc(), "2big", {4, 5}).ok());
  // Counted cores must fit beside the named ones.
  EXPECT_FALSE(check_host_cores(big_little_soc(), "1little+4big", {4, 5, 6, 7}).ok());
}

TEST(Placement, SubgraphOnANonCpuPuIsAnError) {
  const TinyPair pair;
  auto sets = pu_core_sets(two_pu_soc(), "1core", {0, 1});
  ASSERT_TRUE(sets.ok());
  std::vector<std::string> pus = all_on(pair.target, "cpu");
  pus.back() = "gpu";
  auto placement = placement_for(pair.target, pus, two_pu_soc(), "1core", *sets);
  ASSERT_FALSE(placement.ok());
  EXPECT_NE(placement.error().message.find("not a CPU"), std::string::npos) << placement.error().message;
  EXPECT_FALSE(placement_for(pair.target, {"cpu"}, two_pu_soc(), "1core", *sets).ok());  // wrong count
  EXPECT_FALSE(placement_for(pair.target, all_on(pair.target, "cpu"), two_pu_soc(), "9core", *sets).ok());
}

TEST(PlanRunner, RejectsNonCpuPlansModelsWithoutArchitectureAndNonF32) {
  const TinyPair pair;
  PlanChoice on_gpu = cpu_choice(pair, 2);
  on_gpu.target_pus = all_on(pair.target, "gpu");
  EXPECT_FALSE(PlanRunner::create(two_pu_soc(), pair.draft, pair.target, on_gpu, {}).ok());

  ModelGraph no_arch = pair.target;
  no_arch.arch.reset();
  EXPECT_FALSE(check_runnable(no_arch).ok());
  EXPECT_FALSE(PlanRunner::create(two_pu_soc(), pair.draft, no_arch, cpu_choice(pair, 2), {}).ok());

  // Synthetic weights are made in the architecture's one type: a quantized model runs, one
  // whose embedding has a type of its own, or whose KV cache is not f32, does not.
  ModelArch q8 = testing::tiny_arch(1);
  q8.dtype = DType::q8_0;
  EXPECT_TRUE(check_runnable(derive_model("tiny-q8_0", q8)).ok());

  ModelArch mixed = q8;
  mixed.embedding_dtype = DType::f16;
  auto st = check_runnable(derive_model("tiny-mixed", mixed));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("one type"), std::string::npos) << st.error().message;

  ModelArch f16_cache = testing::tiny_arch(1);
  f16_cache.kv_dtype = DType::f16;
  st = check_runnable(derive_model("tiny-f16-cache", f16_cache));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("f32"), std::string::npos) << st.error().message;
}

TEST(PlanRunner, RunsAQuantizedSyntheticModel) {
  // A q8_0 target without a checkpoint: synthetic weights quantized, run through the kernels.
  const TinyPair pair;
  ModelArch q8 = *pair.target.arch;
  q8.dtype = DType::q8_0;
  const ModelGraph target = derive_model("tiny-q8_0", q8);
  PlanRunOptions options;
  options.prompt_tokens = 4;
  options.new_tokens = 5;
  auto runner = PlanRunner::create(two_pu_soc(), pair.draft, target, cpu_choice(pair, 2), options);
  ASSERT_TRUE(runner.ok()) << runner.error().format();
  auto report = (*runner)->run();
  ASSERT_TRUE(report.ok()) << report.error().format();
  EXPECT_EQ(report->tokens.size(), 5u);
}

TEST(PlanRunner, GreedyRunReturnsExactlyTheRequestedTokens) {
  const TinyPair pair;
  PlanRunOptions options;
  options.prompt_tokens = 5;
  options.new_tokens = 7;
  auto runner = PlanRunner::create(two_pu_soc(), pair.draft, pair.target, cpu_choice(pair, 2), options);
  ASSERT_TRUE(runner.ok()) << runner.error().format();
  auto report = (*runner)->run();
  ASSERT_TRUE(report.ok()) << report.error().format();
  EXPECT_EQ(report->tokens.size(), 7u);
  EXPECT_EQ(report->prompt.size(), 5u);
  EXPECT_EQ(report->stats.tokens_generated, 7);
  for (int t : report->tokens) EXPECT_TRUE(t >= 0 && t < 256);
  EXPECT_GT(report->tokens_per_second, 0);
  ASSERT_EQ(report->target_subgraphs.size(), pair.target.subgraphs.size());
  EXPECT_EQ(report->target_subgraphs.front().pu, "cpu");
  EXPECT_GT(report->target_subgraphs.front().calls, 0u);
  EXPECT_TRUE(report->alpha_estimate.has_value());
}

TEST(PlanRunner, SpeculativeGreedyEqualsTargetGreedy) {
  const TinyPair pair;
  PlanRunOptions options;
  options.prompt_tokens = 6;
  options.new_tokens = 12;
  options.seed = 7;
  auto runner = PlanRunner::create(two_pu_soc(), pair.draft, pair.target, cpu_choice(pair, 2), options);
  ASSERT_TRUE(runner.ok()) << runner.error().format();
  auto speculative = (*runner)->run_with_gamma(2);
  auto plain = (*runner)->run_with_gamma(0);
  ASSERT_TRUE(speculative.ok() && plain.ok());
  EXPECT_EQ(speculative->prompt, plain->prompt);
  EXPECT_EQ(speculative->tokens, plain->tokens);
  EXPECT_TRUE(plain->draft_subgraphs.empty());
  EXPECT_GT(speculative->stats.drafted, 0);
}

TEST(PlanRunner, ControlledAcceptanceIsReportedAsSuch) {
  const TinyPair pair;
  PlanRunOptions options;
  options.prompt_tokens = 4;
  options.new_tokens = 10;
  options.controlled_alpha = 1.0;
  auto runner = PlanRunner::create(two_pu_soc(), pair.draft, pair.target, cpu_choice(pair, 3), options);
  ASSERT_TRUE(runner.ok()) << runner.error().format();
  auto report = (*runner)->run();
  ASSERT_TRUE(report.ok()) << report.error().format();
  EXPECT_TRUE(report->stats.controlled_acceptance);
  ASSERT_TRUE(report->accept_ratio.has_value());
  EXPECT_DOUBLE_EQ(*report->accept_ratio, 1.0);  // alpha 1 keeps every draft
}

TEST(PlanFile, ParsesChoiceInputsAndPrediction) {
  const std::string json =
      R"({"schema_version": 1, "experiment": "e", "draft_model": "d", "target_model": "t",
    "inputs": [{"role": "soc", "path": "s.yaml", "fnv1a64": "0123456789abcdef"}],
    "time_unit": "s", "workload": {"kv_cache": false, "mean_alpha": 0.5},
    "choice": {"variant": "2core", "gamma": 0, "assignment": {"draft": [{"subgraph": "embedding", "pu": null}],
               "target": [{"subgraph": "embedding", "pu": "cpu"}, {"subgraph": "head", "pu": "cpu"}]}},
    "prediction": {"time_per_token": 0.004, "tokens_per_second": 250}})";
  auto plan = parse_plan(json, "plan.json");
  ASSERT_TRUE(plan.ok()) << plan.error().format();
  EXPECT_EQ(plan->choice.variant, "2core");
  EXPECT_TRUE(plan->choice.draft_pus.empty());  // gamma 0: the draft is unused
  EXPECT_EQ(plan->choice.target_pus, (std::vector<std::string>{"cpu", "cpu"}));
  ASSERT_NE(plan->input("soc"), nullptr);
  EXPECT_EQ(plan->input("soc")->fingerprint, "0123456789abcdef");
  EXPECT_FALSE(plan->kv_cache);
  EXPECT_DOUBLE_EQ(plan->predicted_time_per_token, 0.004);

  auto missing =
      parse_plan(R"({"schema_version": 1, "draft_model": "d", "target_model": "t", "inputs": []})", "p");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().key_path, "choice");
  EXPECT_FALSE(parse_plan("not json", "p").ok());
}

TEST(HostDetect, ParsesProcFilesAndWritesALoadableSoc) {
  HostInfo host;
  read_cpuinfo("processor\t: 0\nmodel name\t: Test CPU \"X\"\ncpu MHz\t\t: 2000.5\nflags\t\t: fpu avx2 fma\n",
               host);
  EXPECT_EQ(host.cpu_model, "Test CPU \"X\"");
  EXPECT_DOUBLE_EQ(host.cpu_mhz, 2000.5);
  EXPECT_EQ(host.cpu_flags, (std::vector<std::string>{"avx2", "fma"}));
  auto gib = meminfo_total_gib("MemTotal:       2097152 kB\nMemFree: 1 kB\n");
  ASSERT_TRUE(gib.has_value());
  EXPECT_DOUBLE_EQ(*gib, 2.0);
  host.online_cores = {0, 1, 2};
  host.memory_gib = 2.0;
  auto soc = parse_soc(draft_soc_yaml(host), "detected.yaml");
  ASSERT_TRUE(soc.ok()) << soc.error().format();
  ASSERT_EQ(soc->pus.size(), 1u);
  EXPECT_EQ(soc->pus[0].units, 3);
  EXPECT_EQ(soc->variants.size(), 3u);

  // With OpenCL devices: a PU each, transfers between every pair, a "1core+<id>" variant
  // each; a CPU-type device beside one core gets the other cores, not more.
  OpenClDeviceInfo pocl{
      "Portable Computing Language", "pthread-test \"cpu\"", "OpenCL 3.0 PoCL", "cpu", 4, 1 << 30};
  OpenClDeviceInfo mali{"ARM Platform", "Mali-G310", "OpenCL 3.0", "gpu", 2, 1 << 30};
  auto with_devices = parse_soc(draft_soc_yaml(host, {pocl, mali}), "detected.yaml");
  ASSERT_TRUE(with_devices.ok()) << with_devices.error().format();
  ASSERT_EQ(with_devices->pus.size(), 3u);
  EXPECT_EQ(with_devices->pus[1].id, "ocl0");
  EXPECT_EQ(with_devices->pus[1].opencl_device_match, "pthread-test \"cpu\"");
  EXPECT_EQ(with_devices->pus[1].units, 4);
  EXPECT_EQ(with_devices->pus[2].kind, PuKind::gpu);
  EXPECT_EQ(with_devices->transfers.size(), 6u);  // 3 pairs, both directions
  ASSERT_EQ(with_devices->variants.size(), 5u);
  EXPECT_EQ(with_devices->variants[3].name, "1core+ocl0");
  EXPECT_EQ(with_devices->variants[3].units, (std::vector<int>{1, 2, 0}));  // 3 cores - 1
  EXPECT_EQ(with_devices->variants[4].units, (std::vector<int>{1, 0, 2}));
}

}  // namespace
}  // namespace specmap::runtime
