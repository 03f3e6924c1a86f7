#pragma once
// What an opened OpenClDevice holds, for the backend's own files: the device, its context
// and our built program. Immutable after OpenClDevice::open, so shared between threads.
#include <cstddef>

#include "runtime/opencl/cl_handles.h"
#include "runtime/opencl/opencl_device.h"

namespace specmap::runtime {

struct OpenClDevice::Impl {
  cl_platform_id platform = nullptr;
  cl_device_id device = nullptr;
  ocl::ContextHandle context;
  ocl::ProgramHandle program;  // runtime/opencl/kernels.h, built for `device`
  std::size_t max_work_group_size = 1;
  std::size_t local_memory_bytes = 0;
};

}  // namespace specmap::runtime
