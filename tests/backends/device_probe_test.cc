// `specmap detect`'s OpenCL measurements on a real device (pocl here): every figure is
// positive and of a plausible size, and the device reports whether it shares host memory.
#include "runtime/opencl/device_probe.h"

#include <gtest/gtest.h>

#include "backend_support.h"

namespace specmap::runtime {
namespace {

TEST(DeviceProbe, SmallProbeGivesPlausibleFigures) {
  std::string why;
  auto device = testing::opencl_test_device(why);
  if (!device) GTEST_SKIP() << "no OpenCL device: " << why;
  OpenClProbeOptions options;
  options.gemv_in = 256;
  options.gemv_out = 512;
  options.gemm_size = 64;
  options.copy_large_bytes = 1 << 20;
  options.repetitions = 1;
  auto probe = probe_opencl_device(device, options);
  ASSERT_TRUE(probe.ok()) << probe.error().format();
  EXPECT_GT(probe->gemv_gbps, 0.001);
  EXPECT_GT(probe->gemm_gflops, 0.001);
  EXPECT_GT(probe->launch_us, 0.0);
  EXPECT_LT(probe->launch_us, 1e6);  // under a second per launch
  EXPECT_GT(probe->to_device.latency_us, 0.0);
  EXPECT_GT(probe->to_device.bandwidth_gbps, 0.0);
  EXPECT_GT(probe->to_host.bandwidth_gbps, 0.0);
  // pocl's CPU device computes in host memory and says so.
  if (device->info().is_pocl()) EXPECT_TRUE(device->info().host_unified_memory);
}

}  // namespace
}  // namespace specmap::runtime
