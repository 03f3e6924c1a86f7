#pragma once
// One executor's handle on a device: an in-order command queue on the device's shared
// context and its own kernel objects (clSetKernelArg is not thread-safe, so two executors
// never share a cl_kernel), with the work-group size each kernel launches with.
#include <array>
#include <cstddef>
#include <memory>

#include "runtime/opencl/cl_handles.h"
#include "runtime/opencl/kernels.h"
#include "runtime/opencl/opencl_device.h"

namespace specmap::runtime::ocl {

class OpenClQueue {
 public:
  // The calling thread is pinned to the device's host cores while the queue is created
  // (drivers may start threads there) and gets its affinity back.
  static Result<std::unique_ptr<OpenClQueue>> create(std::shared_ptr<OpenClDevice> device);

  [[nodiscard]] cl_command_queue get() const { return queue_.get(); }
  // CLBlast takes a pointer to the queue handle.
  [[nodiscard]] cl_command_queue* pointer() { return &raw_queue_; }
  [[nodiscard]] cl_context context() const;
  [[nodiscard]] const OpenClDevice& device() const { return *device_; }
  [[nodiscard]] const std::shared_ptr<OpenClDevice>& shared_device() const { return device_; }
  [[nodiscard]] cl_kernel kernel(KernelId id) const { return kernels_[static_cast<std::size_t>(id)].get(); }
  // Work-group size of `id`: a power of two, at most 64, within the device's and the
  // kernel's limits (reductions in the kernels need a power of two).
  [[nodiscard]] std::size_t group_size(KernelId id) const { return group_sizes_[static_cast<std::size_t>(id)]; }
  // Waits for everything enqueued.
  Status finish();

 private:
  std::shared_ptr<OpenClDevice> device_;
  QueueHandle queue_;
  cl_command_queue raw_queue_ = nullptr;  // == queue_.get()
  std::array<KernelHandle, kKernelCount> kernels_;
  std::array<std::size_t, kKernelCount> group_sizes_{};
};

}  // namespace specmap::runtime::ocl
