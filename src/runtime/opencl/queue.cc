#include "runtime/opencl/queue.h"

#include "runtime/opencl/device_impl.h"

namespace specmap::runtime::ocl {

namespace {
// Large enough to keep a GPU's SIMD lanes busy on a reduction, small enough for every
// device's limits; pocl runs a work-group as a loop on one thread either way.
constexpr std::size_t kPreferredGroupSize = 64;
}  // namespace

cl_context OpenClQueue::context() const { return device_->impl().context.get(); }

Result<std::unique_ptr<OpenClQueue>> OpenClQueue::create(std::shared_ptr<OpenClDevice> device) {
  if (!device) return Error{"OpenCL: no device given"};
  auto queue = std::make_unique<OpenClQueue>();
  queue->device_ = device;
  const OpenClDevice::Impl& impl = device->impl();
  {
    ScopedAffinityRestore restore;
    if (!device->request().host_cores.empty()) (void)pin_current_thread(device->request().host_cores);
    cl_int err = CL_SUCCESS;
    queue->queue_.reset(clCreateCommandQueue(impl.context.get(), impl.device, 0, &err));
    if (Status s = cl_check(err, "clCreateCommandQueue"); !s) return s.error();
  }
  queue->raw_queue_ = queue->queue_.get();
  for (std::size_t k = 0; k < kKernelCount; ++k) {
    const std::string name(kernel_name(static_cast<KernelId>(k)));
    cl_int err = CL_SUCCESS;
    queue->kernels_[k].reset(clCreateKernel(impl.program.get(), name.c_str(), &err));
    if (Status s = cl_check(err, "clCreateKernel " + name); !s) return s.error();
    std::size_t kernel_limit = 0;
    if (clGetKernelWorkGroupInfo(queue->kernels_[k].get(), impl.device, CL_KERNEL_WORK_GROUP_SIZE,
                                 sizeof(kernel_limit), &kernel_limit, nullptr) != CL_SUCCESS)
      kernel_limit = impl.max_work_group_size;
    std::size_t size = 1;
    while (size * 2 <= kPreferredGroupSize && size * 2 <= kernel_limit && size * 2 <= impl.max_work_group_size)
      size *= 2;
    queue->group_sizes_[k] = size;
  }
  return queue;
}

Status OpenClQueue::finish() { return cl_check(clFinish(queue_.get()), "clFinish"); }

}  // namespace specmap::runtime::ocl
