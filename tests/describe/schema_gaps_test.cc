// Schema rules a new user runs into: generation-length distributions, zero-copy transfers
// without a bandwidth, idle power per unit, PU bandwidth capped at its memory's, and the
// order of acceptance errors.
#include <gtest/gtest.h>

#include "describe/loaders.h"

namespace specmap {
namespace {

const std::string kSoc = R"(version: 1
name: s
memories: [{id: dram, capacity_gb: 4, bandwidth_gbps: 10}]
pus:
  - id: cpu
    kind: cpu
    clusters: [{name: little, core_type: cortex-a55, cores: 4}]
    freq_ghz: 2
    peak_gflops_per_unit: {f32: 10}
    mem_bw_gbps: MEMBW
    dispatch_overhead_us: 10
    active_power_w: 2
    idle_power_w: 0.4
IDLE    memory: dram
  - id: gpu
    kind: gpu
    freq_ghz: 1
    peak_gflops_per_unit: {f32: 100}
    mem_bw_gbps: 8
    dispatch_overhead_us: 100
    active_power_w: 3
    idle_power_w: 0.1
    memory: dram
transfers:
  - {between: [cpu, gpu], latency_us: 10, TRANSFER}
)";

std::string soc_with(const std::string& membw, const std::string& idle, const std::string& transfer) {
  std::string s = kSoc;
  s.replace(s.find("MEMBW"), 5, membw);
  s.replace(s.find("IDLE"), 4, idle);
  s.replace(s.find("TRANSFER"), 8, transfer);
  return s;
}

TEST(SchemaGaps, ZeroCopyWithABandwidthIsAnError) {
  auto soc = parse_soc(soc_with("8", "", "zero_copy: true, bandwidth_gbps: 5"), "s.yaml");
  ASSERT_FALSE(soc);
  EXPECT_EQ(soc.error().key_path, "transfers[0].bandwidth_gbps");
  EXPECT_NE(soc.error().message.find("zero_copy"), std::string::npos) << soc.error().message;
  EXPECT_TRUE(parse_soc(soc_with("8", "", "zero_copy: true"), "s.yaml"));
  EXPECT_TRUE(parse_soc(soc_with("8", "", "zero_copy: false, bandwidth_gbps: 5"), "s.yaml"));
}

TEST(SchemaGaps, BandwidthAboveThePoolIsCappedWithAWarning) {
  auto soc = parse_soc(soc_with("25", "", "bandwidth_gbps: 5"), "s.yaml");
  ASSERT_TRUE(soc) << soc.error().format();
  EXPECT_DOUBLE_EQ(soc->pus[0].mem_bw_gbps, 10.0);
  ASSERT_EQ(soc->warnings.size(), 1u);
  EXPECT_NE(soc->warnings[0].find("'cpu'"), std::string::npos) << soc->warnings[0];
  EXPECT_NE(soc->warnings[0].find("capped"), std::string::npos) << soc->warnings[0];
  auto fine = parse_soc(soc_with("8", "", "bandwidth_gbps: 5"), "s.yaml");
  ASSERT_TRUE(fine);
  EXPECT_TRUE(fine->warnings.empty());
  EXPECT_DOUBLE_EQ(fine->pus[0].mem_bw_gbps, 8.0);
}

TEST(SchemaGaps, IdlePowerScalesPerUnitWhenAsked) {
  auto per_pu = parse_soc(soc_with("8", "", "bandwidth_gbps: 5"), "s.yaml");
  ASSERT_TRUE(per_pu);
  EXPECT_DOUBLE_EQ(per_pu->pus[0].idle_power(1), 0.4);
  EXPECT_DOUBLE_EQ(per_pu->pus[0].active_power(4), 2.0);
  auto per_unit =
      parse_soc(soc_with("8", "    idle_power_scaling: per_unit\n", "bandwidth_gbps: 5"), "s.yaml");
  ASSERT_TRUE(per_unit) << per_unit.error().format();
  const ProcessingUnit& cpu = per_unit->pus[0];
  EXPECT_DOUBLE_EQ(cpu.idle_power(1), 0.1);
  EXPECT_DOUBLE_EQ(cpu.idle_power(4), 0.4);
  // Busy power: idle share + (2 - 0.4) per unit share; all units on gives active_power_w.
  EXPECT_DOUBLE_EQ(cpu.active_power(1), 0.1 + 1.6 / 4);
  EXPECT_DOUBLE_EQ(cpu.active_power(4), 2.0);
  auto bad = parse_soc(soc_with("8", "    idle_power_scaling: sometimes\n", "bandwidth_gbps: 5"), "s.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().key_path, "pus[0].idle_power_scaling");
}

std::string workload(const std::string& generate, const std::string& acceptance) {
  return "version: 1\nname: w\nprompt_tokens: {distribution: [{tokens: 10, weight: 1}, {tokens: 30, weight: "
         "1}]}\n"
         "generate_tokens: " +
         generate + "\nacceptance:\n" + acceptance;
}

TEST(SchemaGaps, GenerateTokensMayBeADistribution) {
  auto w = parse_workload(workload("{distribution: [{tokens: 16, weight: 3}, {tokens: 64, weight: 1}]}",
                                   "  definition: leviathan_alpha\n  alpha: 0.8\n"),
                          "w.yaml");
  ASSERT_TRUE(w) << w.error().format();
  ASSERT_EQ(w->samples.size(), 4u);  // 2 prompt lengths x 2 generation lengths
  double total = 0;
  for (const auto& s : w->samples) total += s.weight;
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_NEAR(w->mean_generate_tokens(), 0.75 * 16 + 0.25 * 64, 1e-9);
  EXPECT_NEAR(w->mean_prompt_tokens(), 20.0, 1e-9);
  auto scalar = parse_workload(workload("32", "  definition: leviathan_alpha\n  alpha: 0.8\n"), "w.yaml");
  ASSERT_TRUE(scalar);
  EXPECT_EQ(scalar->samples.size(), 2u);
  auto bad = parse_workload(
      workload("{distribution: [{tokens: 0, weight: 1}]}", "  definition: leviathan_alpha\n  alpha: 0.8\n"),
      "w.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().key_path, "generate_tokens.distribution[0].tokens");
}

TEST(SchemaGaps, PerPositionRatiosReportTheFormBeforeAMissingGamma) {
  auto w = parse_workload(workload("32", "  definition: accepted_over_drafted\n  per_position: [0.5, 0.4]\n"),
                          "w.yaml");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().key_path, "acceptance.per_position");
  EXPECT_NE(w.error().message.find("leviathan_alpha"), std::string::npos) << w.error().message;
}

}  // namespace
}  // namespace specmap
