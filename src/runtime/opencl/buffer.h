#pragma once
// Device memory: an owning buffer of 4-byte elements (floats, or int token ids) and a view
// of part of one, which is what the ops take (as the CPU kernels take std::span).
#include <cstddef>
#include <span>

#include "runtime/opencl/cl_handles.h"

namespace specmap::runtime::ocl {

// Elements [offset, offset + size) of a buffer of 4-byte elements.
struct DeviceSpan {
  cl_mem buffer = nullptr;
  std::size_t offset = 0;
  std::size_t size = 0;

  [[nodiscard]] DeviceSpan subspan(std::size_t first, std::size_t count) const {
    return DeviceSpan{buffer, offset + first, count};
  }
};

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // `elements` 4-byte elements (at least one is allocated: OpenCL has no empty buffers),
  // uninitialised.
  // With `host_memory`, allocated with CL_MEM_ALLOC_HOST_PTR: memory the host can map
  // without a copy on a device with host-unified memory (Mali, pocl), for the boundary
  // tensors the host reads and writes every pass (write_floats_mapped / read_floats_mapped).
  static Result<DeviceBuffer> create(cl_context context, std::size_t elements, bool host_memory = false);
  // The same, zero-filled by a fill enqueued on `queue` (ordered before later commands of an
  // in-order queue). Anything a kernel may read before writing must start finite: CLBlast's
  // Gemv computes y = alpha*A*x + beta*y even for beta = 0, so a y that starts as a NaN bit
  // pattern (fresh memory of the driver's allocator) comes out NaN.
  static Result<DeviceBuffer> create_zeroed(cl_context context, cl_command_queue queue, std::size_t elements,
                                            bool host_memory = false);
  // Uploads `values` into a new buffer of exactly that size (blocking).
  static Result<DeviceBuffer> upload(cl_context context, cl_command_queue queue,
                                     std::span<const float> values);
  // Uploads raw `bytes` (e.g. f16 weights, two halves per element) into a new buffer of
  // ceil(bytes / 4) elements (blocking); the last element's spare bytes are zero.
  static Result<DeviceBuffer> upload_bytes(cl_context context, cl_command_queue queue,
                                           std::span<const std::byte> bytes);

  [[nodiscard]] cl_mem get() const { return mem_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool host_memory() const { return host_memory_; }
  [[nodiscard]] DeviceSpan span() const { return DeviceSpan{mem_.get(), 0, size_}; }
  [[nodiscard]] DeviceSpan span(std::size_t first, std::size_t count) const {
    return DeviceSpan{mem_.get(), first, count};
  }

 private:
  MemHandle mem_;
  std::size_t size_ = 0;
  bool host_memory_ = false;
};

// Makes `buffer` hold at least `elements` elements, reallocating zero-filled (contents lost)
// when it is smaller (or not in the memory asked for): scratch that is rewritten on every use.
Status ensure_size(DeviceBuffer& buffer, cl_context context, cl_command_queue queue, std::size_t elements,
                   bool host_memory = false);

// Blocking copies between host memory and a device span (sizes must match).
Status write_floats(cl_command_queue queue, const DeviceSpan& to, std::span<const float> from);
Status read_floats(cl_command_queue queue, const DeviceSpan& from, std::span<float> to);
Status write_ints(cl_command_queue queue, const DeviceSpan& to, std::span<const int> from);
// The same through clEnqueueMapBuffer (blocking; write: CL_MAP_WRITE_INVALIDATE_REGION) and
// a host memcpy: no driver copy where the device shares host memory and the buffer was
// created with host_memory.
Status write_floats_mapped(cl_command_queue queue, const DeviceSpan& to, std::span<const float> from);
Status read_floats_mapped(cl_command_queue queue, const DeviceSpan& from, std::span<float> to);

}  // namespace specmap::runtime::ocl
