// The OpenCL backend's public API in a build without OpenCL (CMake found no OpenCL or no
// CLBlast, or SPECMAP_OPENCL=OFF): no devices, and every attempt to open or use one says
// why, so the CLI, the executor and the tests build and run on any machine.
#include <cstdlib>

#include "runtime/opencl/opencl_device.h"
#include "runtime/opencl/opencl_subgraphs.h"

#ifndef SPECMAP_OPENCL_UNAVAILABLE_WHY
#define SPECMAP_OPENCL_UNAVAILABLE_WHY "configured without it"
#endif

namespace specmap::runtime {

bool opencl_built() { return false; }

std::string opencl_unavailable_reason() {
  return std::string("built without OpenCL (") + SPECMAP_OPENCL_UNAVAILABLE_WHY + ")";
}

bool OpenClDeviceInfo::is_pocl() const { return false; }

std::vector<OpenClDeviceInfo> list_opencl_devices() { return {}; }

// Never constructed here; defined so the class is complete.
struct OpenClDevice::Impl {};

OpenClDevice::OpenClDevice(OpenClDeviceInfo info, OpenClDeviceRequest request, std::string setup_note,
                           std::unique_ptr<Impl> impl)
    : info_(std::move(info)),
      request_(std::move(request)),
      setup_note_(std::move(setup_note)),
      impl_(std::move(impl)) {}

OpenClDevice::~OpenClDevice() = default;

Result<std::shared_ptr<OpenClDevice>> OpenClDevice::open(const OpenClDeviceRequest& request) {
  return Error{"cannot open OpenCL device '" + request.device_match + "': " + opencl_unavailable_reason()};
}

Result<std::shared_ptr<OpenClDevice>> shared_opencl_device(const OpenClDeviceRequest& request) {
  return OpenClDevice::open(request);
}

struct OpenClSubgraphRunner::Impl {};

OpenClSubgraphRunner::OpenClSubgraphRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpenClSubgraphRunner::~OpenClSubgraphRunner() = default;

Result<std::unique_ptr<OpenClSubgraphRunner>> OpenClSubgraphRunner::create(
    std::shared_ptr<OpenClDevice>, std::shared_ptr<const TransformerWeights>, const BlockShape&,
    std::span<const float>, const OpenClSubgraphSet&) {
  return Error{"cannot run subgraphs on OpenCL: " + opencl_unavailable_reason()};
}

namespace {
Status unavailable() { return Error{opencl_unavailable_reason()}; }
}  // namespace

Status OpenClSubgraphRunner::begin_pass(std::size_t, std::size_t) { return unavailable(); }
Status OpenClSubgraphRunner::embed(std::span<const int>) { return unavailable(); }
Status OpenClSubgraphRunner::upload_hidden(std::span<const float>) { return unavailable(); }
Status OpenClSubgraphRunner::download_hidden(std::span<float>) { return unavailable(); }
Status OpenClSubgraphRunner::run_block(std::size_t, std::size_t, BlockOpTimes*) { return unavailable(); }
Status OpenClSubgraphRunner::run_head(std::size_t, std::span<float>, Seconds*, Seconds*) {
  return unavailable();
}
void OpenClSubgraphRunner::truncate(std::size_t) {}

// No runner exists in this build, so these are never reached.
const OpenClDevice& OpenClSubgraphRunner::device() const { std::abort(); }
const std::shared_ptr<OpenClDevice>& OpenClSubgraphRunner::shared_device() const { std::abort(); }

}  // namespace specmap::runtime

// runtime/opencl/transfer_probe.h
#include "runtime/opencl/transfer_probe.h"

namespace specmap::runtime {

struct TransferProbe::Impl {};
TransferProbe::TransferProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TransferProbe::~TransferProbe() = default;

Result<std::unique_ptr<TransferProbe>> TransferProbe::create(std::shared_ptr<OpenClDevice>, std::size_t) {
  return Error{"cannot time OpenCL transfers: " + opencl_unavailable_reason()};
}

Result<Seconds> TransferProbe::copy(std::size_t, bool) { return Error{opencl_unavailable_reason()}; }
Result<Seconds> TransferProbe::copy(std::size_t, bool, BoundaryPath) {
  return Error{opencl_unavailable_reason()};
}
BoundaryPath TransferProbe::runtime_path() const { return BoundaryPath::copy; }
BoundaryPath faster_boundary_path(Seconds copy_round_trip, Seconds map_round_trip) {
  return map_round_trip < copy_round_trip ? BoundaryPath::map : BoundaryPath::copy;
}
BoundaryChoice boundary_choice(const std::shared_ptr<OpenClDevice>&) { return {}; }
BoundaryPath boundary_path(const std::shared_ptr<OpenClDevice>&) { return BoundaryPath::copy; }
void set_boundary_path_override(std::optional<BoundaryPath>) {}

}  // namespace specmap::runtime

// runtime/opencl/device_probe.h
#include "runtime/opencl/device_probe.h"

namespace specmap::runtime {

Result<OpenClProbe> probe_opencl_device(std::shared_ptr<OpenClDevice>, const OpenClProbeOptions&) {
  return Error{"cannot measure an OpenCL device: " + opencl_unavailable_reason()};
}

}  // namespace specmap::runtime
