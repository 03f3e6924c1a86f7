#pragma once
// What `specmap detect` measures on an OpenCL device in a few seconds, through the runtime's
// own paths: weight streaming bandwidth (a one-row linear, as a decode step runs it: the
// few-rows kernel), peak f32 throughput (a many-row linear, CLBlast's GEMM), the cost of one kernel
// launch waited for (what every subgraph pays), and the blocking copies between host memory
// and the device at a small and a large size (latency and bandwidth of the PU boundary),
// along the path the runtime takes for this device and along the other one.
// No OpenCL types: without OpenCL in the build it fails with the reason.
#include <cstddef>
#include <memory>

#include "core/result.h"
#include "runtime/opencl/opencl_device.h"
#include "runtime/opencl/transfer_probe.h"

namespace specmap::runtime {

struct OpenClProbeOptions {
  std::size_t gemv_in = 2048;  // weight [gemv_in x gemv_out] f32 for the bandwidth
  std::size_t gemv_out = 4096;
  std::size_t gemm_size = 512;  // n x n x n for the peak
  std::size_t copy_small_bytes = 4096;
  std::size_t copy_large_bytes = std::size_t{16} << 20;
  int repetitions = 5;  // best of (bandwidth, peak, copies); median of 20x that for the launch
};

struct CopyFigures {
  double latency_us = 0;      // the small copy's time
  double bandwidth_gbps = 0;  // (large - small) bytes over (large - small) seconds
};

struct OpenClProbe {
  double gemv_gbps = 0;                    // weight bytes / time of one one-row linear
  double gemm_gflops = 0;                  // whole device
  double launch_us = 0;                    // one small kernel enqueued and waited for, median
  BoundaryPath path = BoundaryPath::copy;  // the runtime's (boundary_path)
  CopyFigures to_device;                   // along `path`
  CopyFigures to_host;
  CopyFigures other_to_device;  // along the other path, for comparison
  CopyFigures other_to_host;
};

Result<OpenClProbe> probe_opencl_device(std::shared_ptr<OpenClDevice> device,
                                        const OpenClProbeOptions& options);

}  // namespace specmap::runtime
