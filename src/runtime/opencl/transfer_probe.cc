#include "runtime/opencl/transfer_probe.h"

#include <chrono>
#include <span>
#include <vector>

#include "runtime/opencl/buffer.h"
#include "runtime/opencl/queue.h"

namespace specmap::runtime {

struct TransferProbe::Impl {
  std::unique_ptr<ocl::OpenClQueue> queue;
  ocl::DeviceBuffer device;
  std::vector<float> host;
};

TransferProbe::TransferProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TransferProbe::~TransferProbe() = default;

Result<std::unique_ptr<TransferProbe>> TransferProbe::create(std::shared_ptr<OpenClDevice> device,
                                                             std::size_t max_bytes) {
  auto impl = std::make_unique<Impl>();
  auto queue = ocl::OpenClQueue::create(std::move(device));
  if (!queue) return queue.error();
  impl->queue = std::move(queue).value();
  const std::size_t floats = (max_bytes + sizeof(float) - 1) / sizeof(float);
  auto buffer = ocl::DeviceBuffer::create(impl->queue->context(), floats);
  if (!buffer) return buffer.error();
  impl->device = std::move(buffer).value();
  impl->host.assign(floats, 1.0f);
  return std::unique_ptr<TransferProbe>(new TransferProbe(std::move(impl)));
}

Result<Seconds> TransferProbe::copy(std::size_t bytes, bool to_device) {
  const std::size_t floats = (bytes + sizeof(float) - 1) / sizeof(float);
  if (floats == 0 || floats > impl_->host.size())
    return Error{"transfer probe: " + std::to_string(bytes) + " bytes is outside 1.." +
                 std::to_string(impl_->host.size() * sizeof(float))};
  const std::span<float> host(impl_->host.data(), floats);
  const ocl::DeviceSpan device = impl_->device.span(0, floats);
  const auto start = std::chrono::steady_clock::now();
  const Status s = to_device ? ocl::write_floats(impl_->queue->get(), device, host)
                             : ocl::read_floats(impl_->queue->get(), device, host);
  const auto end = std::chrono::steady_clock::now();
  if (!s) return s.error();
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace specmap::runtime
