// `specmap detect`'s OpenCL measurements on a real device (pocl here): every figure is
// positive and of a plausible size, and the device reports whether it shares host memory;
// the mapped and the copied boundary paths move the same values.
#include "runtime/opencl/device_probe.h"

#include <gtest/gtest.h>

#include "backend_support.h"
#include "runtime/opencl/buffer.h"
#include "runtime/opencl/queue.h"
#include "runtime/opencl/transfer_probe.h"

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
  // The probe times the path the runtime takes: the one measured faster.
  const BoundaryChoice choice = boundary_choice(device);
  EXPECT_EQ(probe->path, boundary_path(device));
  EXPECT_EQ(probe->path, choice.path);
  EXPECT_GT(probe->other_to_device.bandwidth_gbps, 0.0);
  EXPECT_GT(probe->other_to_host.bandwidth_gbps, 0.0);
}

// The runtime takes the boundary path whose round trip measured the shorter, whichever it is:
// on pocl the driver copy, on a unified-memory GPU such as a Mali (whose map costs less than
// its copy) the map.
TEST(BoundaryPaths, TheFasterMeasuredPathIsTaken) {
  EXPECT_EQ(faster_boundary_path(90e-6, 130e-6), BoundaryPath::copy);  // pocl-like figures
  EXPECT_EQ(faster_boundary_path(400e-6, 20e-6), BoundaryPath::map);   // a Mali-like one
  EXPECT_EQ(faster_boundary_path(50e-6, 50e-6), BoundaryPath::copy);   // a tie keeps the copy
  std::string why;
  auto device = testing::opencl_test_device(why);
  if (!device) GTEST_SKIP() << "no OpenCL device: " << why;
  const BoundaryChoice choice = boundary_choice(device);
  ASSERT_TRUE(choice.measured) << "the round trips could not be timed";
  EXPECT_GT(choice.copy_round_trip, 0.0);
  EXPECT_GT(choice.map_round_trip, 0.0);
  EXPECT_EQ(choice.path, faster_boundary_path(choice.copy_round_trip, choice.map_round_trip));
  EXPECT_EQ(boundary_path(device), choice.path);
  // Measured once: a second call gives the same figures.
  EXPECT_EQ(boundary_choice(device).copy_round_trip, choice.copy_round_trip);
  set_boundary_path_override(BoundaryPath::map);
  EXPECT_EQ(boundary_path(device), BoundaryPath::map);
  set_boundary_path_override(std::nullopt);
  EXPECT_EQ(boundary_path(device), choice.path);
}

// Both boundary paths move the same values (a map of a host-memory buffer and a plain copy),
// at an offset and a size that are not a power of two.
TEST(BoundaryPaths, MappedAndCopiedTransfersAgree) {
  std::string why;
  auto device = testing::opencl_test_device(why);
  if (!device) GTEST_SKIP() << "no OpenCL device: " << why;
  auto queue = ocl::OpenClQueue::create(device);
  ASSERT_TRUE(queue.ok()) << queue.error().format();
  const std::vector<float> values = testing::random_values(1000, 3);
  for (bool host_memory : {false, true}) {
    auto buffer = ocl::DeviceBuffer::create_zeroed((*queue)->context(), (*queue)->get(), 1100, host_memory);
    ASSERT_TRUE(buffer.ok());
    EXPECT_EQ(buffer->host_memory(), host_memory);
    const ocl::DeviceSpan span = buffer->span(37, values.size());
    ASSERT_TRUE(ocl::write_floats_mapped((*queue)->get(), span, values).ok());
    std::vector<float> copied(values.size());
    ASSERT_TRUE(ocl::read_floats((*queue)->get(), span, copied).ok());
    EXPECT_EQ(copied, values);
    std::vector<float> twice(values.size());
    ASSERT_TRUE(
        ocl::write_floats((*queue)->get(), span, std::vector<float>(values.rbegin(), values.rend())).ok());
    ASSERT_TRUE(ocl::read_floats_mapped((*queue)->get(), span, twice).ok());
    EXPECT_EQ(twice, std::vector<float>(values.rbegin(), values.rend()));
  }
  auto probe = TransferProbe::create(device, 1 << 16);
  ASSERT_TRUE(probe.ok()) << probe.error().format();
  for (BoundaryPath path : {BoundaryPath::copy, BoundaryPath::map})
    for (bool to_device : {true, false}) {
      auto seconds = (*probe)->copy(4000, to_device, path);
      ASSERT_TRUE(seconds.ok()) << seconds.error().format();
      EXPECT_GT(*seconds, 0.0);
    }
  EXPECT_FALSE((*probe)->copy(1 << 20, true).ok());  // beyond the probe's buffers
}

}  // namespace
}  // namespace specmap::runtime
