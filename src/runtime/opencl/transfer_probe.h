#pragma once
// Copies between host memory and an OpenCL device, timed: what the profiler measures over a
// range of sizes to calibrate the cost model's transfer term. The copies are the executor's
// own at a PU boundary, so the figures are the runtime's: on a device that shares host memory
// (CL_DEVICE_HOST_UNIFIED_MEMORY: Mali, pocl) a map of a CL_MEM_ALLOC_HOST_PTR buffer and a
// host memcpy, elsewhere a blocking clEnqueueWriteBuffer / clEnqueueReadBuffer of a host
// vector. Both paths can be timed (specmap detect reports both). No OpenCL types here:
// without OpenCL in the build, create() fails with the reason (runtime/opencl_unavailable.cc).
#include <cstddef>
#include <memory>
#include <optional>

#include "core/result.h"
#include "core/units.h"
#include "runtime/opencl/opencl_device.h"

namespace specmap::runtime {

// How the runtime moves a boundary tensor between host memory and a device.
enum class BoundaryPath { copy, map };
// map where the device shares host memory, else copy (or the override below).
BoundaryPath boundary_path(const OpenClDeviceInfo& device);
// Tests and measurements: every runner and probe created afterwards takes `path` (nullopt:
// the device's own, as above). Process-wide.
void set_boundary_path_override(std::optional<BoundaryPath> path);

class TransferProbe {
 public:
  // Device buffers (a plain one and a CL_MEM_ALLOC_HOST_PTR one) and a host buffer of
  // `max_bytes` (rounded up to whole floats).
  static Result<std::unique_ptr<TransferProbe>> create(std::shared_ptr<OpenClDevice> device,
                                                       std::size_t max_bytes);
  ~TransferProbe();
  TransferProbe(const TransferProbe&) = delete;
  TransferProbe& operator=(const TransferProbe&) = delete;

  // Wall seconds of moving `bytes` (<= max_bytes) to the device or back, the runtime's way
  // for this device (boundary_path).
  Result<Seconds> copy(std::size_t bytes, bool to_device);
  // The same along `path`.
  Result<Seconds> copy(std::size_t bytes, bool to_device, BoundaryPath path);
  [[nodiscard]] BoundaryPath runtime_path() const;

  struct Impl;

 private:
  explicit TransferProbe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace specmap::runtime
