#include "runtime/opencl/transfer_probe.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "runtime/opencl/buffer.h"
#include "runtime/opencl/queue.h"

namespace specmap::runtime {

namespace {

// Encoded as -1 (none), else the BoundaryPath's value: an atomic the tests can flip.
std::atomic<int>& path_override() {
  static std::atomic<int> value{-1};
  return value;
}

}  // namespace

void set_boundary_path_override(std::optional<BoundaryPath> path) {
  path_override().store(path ? static_cast<int>(*path) : -1);
}

BoundaryPath faster_boundary_path(Seconds copy_round_trip, Seconds map_round_trip) {
  return map_round_trip < copy_round_trip ? BoundaryPath::map : BoundaryPath::copy;
}

namespace {

// Best of `repetitions` round trips of `bytes` along `path`, after one warm-up.
Result<Seconds> round_trip(TransferProbe& probe, std::size_t bytes, BoundaryPath path, int repetitions) {
  Seconds best = 0;
  for (int r = 0; r <= repetitions; ++r) {
    auto to = probe.copy(bytes, true, path);
    if (!to) return to.error();
    auto back = probe.copy(bytes, false, path);
    if (!back) return back.error();
    if (r > 0 && (best == 0 || *to + *back < best)) best = *to + *back;
  }
  return best;
}

BoundaryChoice measure_boundary_choice(const std::shared_ptr<OpenClDevice>& device) {
  BoundaryChoice choice;
  choice.path = device->info().host_unified_memory ? BoundaryPath::map : BoundaryPath::copy;
  auto probe = TransferProbe::create(device, kBoundaryDecisionBytes);
  if (!probe) return choice;
  auto copy = round_trip(**probe, kBoundaryDecisionBytes, BoundaryPath::copy, 5);
  auto map = round_trip(**probe, kBoundaryDecisionBytes, BoundaryPath::map, 5);
  if (!copy || !map) return choice;
  choice.measured = true;
  choice.copy_round_trip = *copy;
  choice.map_round_trip = *map;
  choice.path = faster_boundary_path(*copy, *map);
  return choice;
}

}  // namespace

BoundaryChoice boundary_choice(const std::shared_ptr<OpenClDevice>& device) {
  static std::mutex mutex;
  static std::map<std::string, BoundaryChoice> choices;
  const std::lock_guard<std::mutex> lock(mutex);
  const std::string key = device->info().label();
  auto found = choices.find(key);
  if (found == choices.end()) found = choices.emplace(key, measure_boundary_choice(device)).first;
  return found->second;
}

BoundaryPath boundary_path(const std::shared_ptr<OpenClDevice>& device) {
  if (const int forced = path_override().load(); forced >= 0) return static_cast<BoundaryPath>(forced);
  return boundary_choice(device).path;
}

struct TransferProbe::Impl {
  std::unique_ptr<ocl::OpenClQueue> queue;
  ocl::DeviceBuffer device;
  ocl::DeviceBuffer host_memory;  // CL_MEM_ALLOC_HOST_PTR, for the map path
  std::vector<float> host;
  std::shared_ptr<OpenClDevice> device_handle;
};

TransferProbe::TransferProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TransferProbe::~TransferProbe() = default;

Result<std::unique_ptr<TransferProbe>> TransferProbe::create(std::shared_ptr<OpenClDevice> device,
                                                             std::size_t max_bytes) {
  auto impl = std::make_unique<Impl>();
  impl->device_handle = device;
  auto queue = ocl::OpenClQueue::create(std::move(device));
  if (!queue) return queue.error();
  impl->queue = std::move(queue).value();
  const std::size_t floats = (max_bytes + sizeof(float) - 1) / sizeof(float);
  auto buffer = ocl::DeviceBuffer::create(impl->queue->context(), floats);
  if (!buffer) return buffer.error();
  impl->device = std::move(buffer).value();
  auto mapped = ocl::DeviceBuffer::create(impl->queue->context(), floats, /*host_memory=*/true);
  if (!mapped) return mapped.error();
  impl->host_memory = std::move(mapped).value();
  impl->host.assign(floats, 1.0f);
  return std::unique_ptr<TransferProbe>(new TransferProbe(std::move(impl)));
}

// Asked when needed, not at create(): boundary_choice creates a probe of its own to measure.
BoundaryPath TransferProbe::runtime_path() const { return boundary_path(impl_->device_handle); }

Result<Seconds> TransferProbe::copy(std::size_t bytes, bool to_device) {
  return copy(bytes, to_device, runtime_path());
}

Result<Seconds> TransferProbe::copy(std::size_t bytes, bool to_device, BoundaryPath path) {
  const std::size_t floats = (bytes + sizeof(float) - 1) / sizeof(float);
  if (floats == 0 || floats > impl_->host.size())
    return Error{"transfer probe: " + std::to_string(bytes) + " bytes is outside 1.." +
                 std::to_string(impl_->host.size() * sizeof(float))};
  const std::span<float> host(impl_->host.data(), floats);
  const bool map = path == BoundaryPath::map;
  const ocl::DeviceSpan device = (map ? impl_->host_memory : impl_->device).span(0, floats);
  const cl_command_queue queue = impl_->queue->get();
  const auto start = std::chrono::steady_clock::now();
  const Status s =
      map ? (to_device ? ocl::write_floats_mapped(queue, device, host)
                       : ocl::read_floats_mapped(queue, device, host))
          : (to_device ? ocl::write_floats(queue, device, host) : ocl::read_floats(queue, device, host));
  const auto end = std::chrono::steady_clock::now();
  if (!s) return s.error();
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace specmap::runtime
