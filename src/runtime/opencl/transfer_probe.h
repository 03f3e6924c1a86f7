#pragma once
// Copies between host memory and an OpenCL device, timed: what the profiler measures over a
// range of sizes to calibrate the cost model's transfer term. The copies are the executor's
// own at a PU boundary, so the figures are the runtime's: either a map of a
// CL_MEM_ALLOC_HOST_PTR buffer and a host memcpy, or a blocking clEnqueueWriteBuffer /
// clEnqueueReadBuffer of a host vector, whichever measured faster on the device
// (boundary_path). Both paths can be timed (specmap detect reports both). No OpenCL types here:
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

// The boundary size the path is chosen at: 16 KB, a few rows of a few-thousand-wide hidden
// state (a 5-row verification of d_model 768 is 15 KB), where the fixed cost of a transfer
// dominates.
inline constexpr std::size_t kBoundaryDecisionBytes = std::size_t{16} << 10;
// The rule: the path whose round trip (to the device and back) measured the shorter; copy on
// a tie. On pocl the driver copy measured faster than mapping (30 + 25 us against 66 + 65 us
// for a small tensor); on a Mali, whose driver copy is a real copy and whose map of a
// CL_MEM_ALLOC_HOST_PTR buffer is not, the same rule takes the map.
BoundaryPath faster_boundary_path(Seconds copy_round_trip, Seconds map_round_trip);
// What the path was chosen from: both round trips of kBoundaryDecisionBytes, best of 5, or
// measured = false where they could not be timed (then map on a device that shares host
// memory, CL_DEVICE_HOST_UNIFIED_MEMORY, else copy).
struct BoundaryChoice {
  BoundaryPath path = BoundaryPath::copy;
  bool measured = false;
  Seconds copy_round_trip = 0;
  Seconds map_round_trip = 0;
};
// Measured once per device (by its label) per process, on the first call: a few
// milliseconds. Ignores the override below.
BoundaryChoice boundary_choice(const std::shared_ptr<OpenClDevice>& device);
// The path every runner and probe takes for `device`: the override, else boundary_choice's.
BoundaryPath boundary_path(const std::shared_ptr<OpenClDevice>& device);
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
  // for this device (boundary_path, measured at the first call if not yet).
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
