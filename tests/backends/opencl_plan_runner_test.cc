// OpenCL devices as PUs: listing and opening, the host SoC's OpenCL PU in pu_core_sets and
// placement_for, and a plan with the draft on the device decoding as the all-CPU plan does.
#include <gtest/gtest.h>

#include <filesystem>

#include "backend_support.h"
#include "describe/loaders.h"
#include "runtime/executor/plan_runner.h"

namespace specmap::runtime {
namespace {

using testing::kBackendTolerance;

// This host with pocl's device as PU "ocl" (variant "1core+ocl"), plus the CPU-only
// variants "1core" and "2core" of configs/soc/host.yaml.
Soc host_soc() {
  auto soc = load_soc((std::filesystem::path(SPECMAP_SOURCE_DIR) / "configs/soc/host-opencl.yaml").string());
  EXPECT_TRUE(soc.ok()) << soc.error().format();
  if (!soc.ok()) return Soc{};
  soc->variants.push_back({"1core", {1, 0}});
  soc->variants.push_back({"2core", {2, 0}});
  return std::move(soc).value();
}

std::vector<std::string> all_on(const ModelGraph& g, const std::string& pu) {
  return std::vector<std::string>(g.subgraphs.size(), pu);
}

TEST(OpenClDevices, ListingNeverFailsAndOpeningNamesWhatExists) {
  const std::vector<OpenClDeviceInfo> devices = list_opencl_devices();
  if (!opencl_built()) {
    EXPECT_TRUE(devices.empty());
    auto opened = OpenClDevice::open({});
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().message.find("built without OpenCL"), std::string::npos) << opened.error().message;
    return;
  }
  for (const OpenClDeviceInfo& d : devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GT(d.compute_units, 0u);
    EXPECT_GT(d.global_memory_bytes, 0u);
  }
  auto missing = OpenClDevice::open({"no-such-device-anywhere", 0, {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no OpenCL device matches 'no-such-device-anywhere'"), std::string::npos);
  if (devices.empty()) GTEST_SKIP() << "no OpenCL device: none found";
  // The error lists what was found.
  EXPECT_NE(missing.error().message.find(devices.front().name), std::string::npos) << missing.error().message;
}

TEST(OpenClDevices, OneSharedDevicePerMatchCaseInsensitively) {
  std::string why;
  auto device = testing::opencl_test_device(why);
  if (!device) GTEST_SKIP() << "no OpenCL device: " << why;
  std::string upper = device->info().name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto again = shared_opencl_device({device->info().name, 0, {}});
  auto shouted = shared_opencl_device({upper, 0, {}});
  ASSERT_TRUE(again.ok() && shouted.ok());
  EXPECT_EQ(again->get(), shouted->get());
}

TEST(OpenClPlacement, HostSocGivesTheOpenClPuTheCoreLeftOver) {
  const Soc soc = host_soc();
  ASSERT_TRUE(soc.pu_index("ocl").has_value());
  const int ocl = *soc.pu_index("ocl");
  auto sets = pu_core_sets(soc, "1core+ocl", {0, 1});
  ASSERT_TRUE(sets.ok()) << sets.error().format();
  EXPECT_EQ((*sets)[*soc.pu_index("cpu")].cores, (std::vector<int>{0}));
  EXPECT_EQ((*sets)[ocl].cores, (std::vector<int>{1}));
  auto one_core = pu_core_sets(soc, "1core+ocl", {0});
  ASSERT_TRUE(one_core.ok());
  EXPECT_TRUE((*one_core)[ocl].empty()) << "no core left: pocl's workers stay unpinned";
  auto cpu_only = pu_core_sets(soc, "2core", {0, 1});
  ASSERT_TRUE(cpu_only.ok());
  EXPECT_TRUE((*cpu_only)[ocl].empty());
  EXPECT_TRUE(is_opencl_pu(soc.pus[ocl]));
}

TEST(OpenClPlacement, AnOpenClPuSwitchedOffOrUnmatchedIsAClearError) {
  Soc soc = host_soc();
  const ModelGraph graph = derive_model("tiny", testing::tiny_arch(1));
  auto sets = pu_core_sets(soc, "1core", online_cores());
  ASSERT_TRUE(sets.ok());
  auto off = placement_for(graph, all_on(graph, "ocl"), soc, "1core", *sets);
  ASSERT_FALSE(off.ok());
  EXPECT_NE(off.error().message.find("switches off"), std::string::npos) << off.error().message;

  soc.pus[*soc.pu_index("ocl")].opencl_device_match = "no-such-device-anywhere";
  auto on_sets = pu_core_sets(soc, "1core+ocl", online_cores());
  ASSERT_TRUE(on_sets.ok());
  auto unmatched = placement_for(graph, all_on(graph, "ocl"), soc, "1core+ocl", *on_sets);
  ASSERT_FALSE(unmatched.ok());
  const std::string& message = unmatched.error().message;
  EXPECT_NE(message.find("OpenCL PU 'ocl'"), std::string::npos) << message;
  EXPECT_TRUE(message.find("no OpenCL device matches") != std::string::npos ||
              message.find("built without OpenCL") != std::string::npos)
      << message;
}

struct TinyPair {
  ModelGraph draft = derive_model("tiny-draft", testing::tiny_arch(1));
  ModelGraph target = derive_model("tiny-target", testing::tiny_arch(2));
};

// The draft on the OpenCL PU, the target on the CPU PU, variant 1core+ocl: the same tokens
// as with everything on the CPU (greedy; controlled acceptance draws the same numbers).
TEST(OpenClPlanRunner, DraftOnOpenClDecodesAsTheAllCpuPlan) {
  std::string why;
  if (!testing::opencl_test_device(why)) GTEST_SKIP() << "no OpenCL device: " << why;
  const Soc soc = host_soc();
  const TinyPair pair;
  PlanRunOptions options;
  options.prompt_tokens = 6;
  options.new_tokens = 8;
  options.seed = 3;
  options.controlled_alpha = 0.6;
  PlanChoice on_ocl{"1core+ocl", 2, all_on(pair.draft, "ocl"), all_on(pair.target, "cpu")};
  PlanChoice on_cpu{"1core+ocl", 2, all_on(pair.draft, "cpu"), all_on(pair.target, "cpu")};
  auto mixed = PlanRunner::create(soc, pair.draft, pair.target, on_ocl, options);
  ASSERT_TRUE(mixed.ok()) << mixed.error().format();
  auto cpu = PlanRunner::create(soc, pair.draft, pair.target, on_cpu, options);
  ASSERT_TRUE(cpu.ok()) << cpu.error().format();
  auto a = (*mixed)->run();
  auto b = (*cpu)->run();
  ASSERT_TRUE(a.ok()) << a.error().format();
  ASSERT_TRUE(b.ok()) << b.error().format();
  EXPECT_EQ(a->prompt, b->prompt);
  EXPECT_EQ(a->tokens, b->tokens);
  EXPECT_EQ(a->stats.accepted, b->stats.accepted);
  ASSERT_FALSE(a->draft_subgraphs.empty());
  for (const SubgraphMeasurement& m : a->draft_subgraphs) {
    EXPECT_EQ(m.pu, "ocl");
    EXPECT_FALSE(m.opencl_device.empty());
    EXPECT_GT(m.calls, 0u);
  }
  EXPECT_TRUE(a->target_subgraphs.front().opencl_device.empty());
  EXPECT_TRUE(a->draft_transfers.empty() && a->target_transfers.empty()) << "each model on one PU";
}

TEST(OpenClPlanRunner, ATargetSplitAcrossPusReportsItsTransfers) {
  std::string why;
  if (!testing::opencl_test_device(why)) GTEST_SKIP() << "no OpenCL device: " << why;
  const Soc soc = host_soc();
  const TinyPair pair;
  PlanRunOptions options;
  options.prompt_tokens = 5;
  options.new_tokens = 4;
  std::vector<std::string> target = all_on(pair.target, "cpu");
  target.back() = "ocl";  // the head
  auto runner = PlanRunner::create(soc, pair.draft, pair.target, {"1core+ocl", 0, {}, target}, options);
  ASSERT_TRUE(runner.ok()) << runner.error().format();
  auto report = (*runner)->run();
  ASSERT_TRUE(report.ok()) << report.error().format();
  ASSERT_EQ(report->target_transfers.size(), 1u);
  const TransferMeasurement& t = report->target_transfers.front();
  EXPECT_EQ(t.from, "block.1");
  EXPECT_EQ(t.to, "head");
  EXPECT_EQ(t.from_pu, "cpu");
  EXPECT_EQ(t.to_pu, "ocl");
  EXPECT_EQ(t.calls, 4u);  // the prompt, then one pass per new token but the last
  // 5 prompt rows, then 3 single rows, of 64 floats.
  EXPECT_DOUBLE_EQ(t.bytes, (5 + 3) * 64 * 4.0);
}

}  // namespace
}  // namespace specmap::runtime
