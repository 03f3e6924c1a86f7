// Processing-unit capabilities and transfer costs of a hand-built SoC.
#include "describe/soc.h"

#include <gtest/gtest.h>

namespace specmap {
namespace {

ProcessingUnit cpu_with_fallbacks() {
  ProcessingUnit pu;
  pu.id = "cpu";
  pu.units = 4;
  pu.peak_gflops_per_unit = {{DType::f32, 10.0}, {DType::int8, 40.0}};
  pu.mem_bw_gbps = 12;
  pu.mem_bw_gbps_per_unit = 5;
  pu.fallbacks = {{DType::f16, false, DType::f32, 1.5}, {DType::int4, true, DType::f32, 1.0}};
  pu.active_power_w = 2.1;
  pu.idle_power_w = 0.1;
  return pu;
}

TEST(ProcessingUnit, ExecutionIsNativePromotedOrImpossible) {
  ProcessingUnit pu = cpu_with_fallbacks();
  auto native = pu.execution(DType::int8);
  ASSERT_TRUE(native);
  EXPECT_EQ(native->compute, DType::int8);
  EXPECT_FALSE(native->promoted);
  EXPECT_DOUBLE_EQ(native->cost_factor, 1.0);

  auto promoted = pu.execution(DType::f16);
  ASSERT_TRUE(promoted);
  EXPECT_EQ(promoted->compute, DType::f32);
  EXPECT_TRUE(promoted->promoted);
  EXPECT_DOUBLE_EQ(promoted->cost_factor, 1.5);

  EXPECT_FALSE(pu.execution(DType::int4));  // marked infeasible
  EXPECT_FALSE(pu.execution(DType::bf16));  // not mentioned at all
}

TEST(ProcessingUnit, BandwidthPeakAndPowerScaleWithUnits) {
  ProcessingUnit pu = cpu_with_fallbacks();
  EXPECT_DOUBLE_EQ(pu.bandwidth_gbps(1), 5.0);
  EXPECT_DOUBLE_EQ(pu.bandwidth_gbps(2), 10.0);
  EXPECT_DOUBLE_EQ(pu.bandwidth_gbps(4), 12.0);  // capped by the whole PU
  pu.mem_bw_gbps_per_unit = 0;
  EXPECT_DOUBLE_EQ(pu.bandwidth_gbps(1), 12.0);

  EXPECT_DOUBLE_EQ(pu.peak_gflops(DType::f32, 3), 30.0);
  EXPECT_DOUBLE_EQ(pu.peak_gflops(DType::f16, 3), 0.0);
  EXPECT_DOUBLE_EQ(pu.active_power(4), 2.1);
  EXPECT_DOUBLE_EQ(pu.active_power(2), 1.1);
  EXPECT_DOUBLE_EQ(pu.active_power(0), 0.1);
}

TEST(Soc, TransferTimeIsLatencyPlusBytesOverBandwidth) {
  Soc soc;
  soc.pus.resize(2);
  soc.pus[0].id = "cpu";
  soc.pus[0].memory = "dram";
  soc.pus[1].id = "gpu";
  soc.pus[1].memory = "sram";
  soc.memories = {{"sram", 1, 100}, {"dram", 8, 25}};
  soc.transfers = {{"cpu", "gpu", 50, 2, false}, {"gpu", "cpu", 10, 2, true}};
  EXPECT_EQ(soc.pu_index("gpu"), std::optional<int>(1));
  EXPECT_FALSE(soc.pu_index("npu"));
  EXPECT_EQ(soc.memory_index(0), 1);
  EXPECT_EQ(soc.memory_index(1), 0);
  EXPECT_DOUBLE_EQ(soc.transfer_time(0, 0, 1e9), 0.0);
  EXPECT_NEAR(soc.transfer_time(0, 1, 4e6), 50e-6 + 4e6 / 2e9, 1e-15);
  EXPECT_NEAR(soc.transfer_time(1, 0, 4e6), 10e-6, 1e-15);  // zero copy: latency only
}

}  // namespace
}  // namespace specmap
