#pragma once
// Copies between host memory and an OpenCL device, timed: what the profiler measures over a
// range of sizes to calibrate the cost model's transfer term. The copies are the executor's
// own at a PU boundary (blocking clEnqueueWriteBuffer / clEnqueueReadBuffer of a host
// vector), so the figures are the runtime's. No OpenCL types here: without OpenCL in the
// build, create() fails with the reason (runtime/opencl_unavailable.cc).
#include <cstddef>
#include <memory>

#include "core/result.h"
#include "core/units.h"
#include "runtime/opencl/opencl_device.h"

namespace specmap::runtime {

class TransferProbe {
 public:
  // A device buffer and a host buffer of `max_bytes` (rounded up to whole floats).
  static Result<std::unique_ptr<TransferProbe>> create(std::shared_ptr<OpenClDevice> device, std::size_t max_bytes);
  ~TransferProbe();
  TransferProbe(const TransferProbe&) = delete;
  TransferProbe& operator=(const TransferProbe&) = delete;

  // Wall seconds of one blocking copy of `bytes` (<= max_bytes) to the device or back.
  Result<Seconds> copy(std::size_t bytes, bool to_device);

  struct Impl;

 private:
  explicit TransferProbe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace specmap::runtime
