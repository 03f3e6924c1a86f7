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
  static Result<DeviceBuffer> create(cl_context context, std::size_t elements);
  // The same, zero-filled by a fill enqueued on `queue` (ordered before later commands of an
  // in-order queue). Anything a kernel may read before writing must start finite: CLBlast's
  // Gemv computes y = alpha*A*x + beta*y even for beta = 0, so a y that starts as a NaN bit
  // pattern (fresh memory of the driver's allocator) comes out NaN.
  static Result<DeviceBuffer> create_zeroed(cl_context context, cl_command_queue queue, std::size_t elements);
  // Uploads `values` into a new buffer of exactly that size (blocking).
  static Result<DeviceBuffer> upload(cl_context context, cl_command_queue queue, std::span<const float> values);

  [[nodiscard]] cl_mem get() const { return mem_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] DeviceSpan span() const { return DeviceSpan{mem_.get(), 0, size_}; }
  [[nodiscard]] DeviceSpan span(std::size_t first, std::size_t count) const {
    return DeviceSpan{mem_.get(), first, count};
  }

 private:
  MemHandle mem_;
  std::size_t size_ = 0;
};

// Makes `buffer` hold at least `elements` elements, reallocating zero-filled (contents lost)
// when it is smaller: scratch that is rewritten on every use.
Status ensure_size(DeviceBuffer& buffer, cl_context context, cl_command_queue queue, std::size_t elements);

// Blocking copies between host memory and a device span (sizes must match).
Status write_floats(cl_command_queue queue, const DeviceSpan& to, std::span<const float> from);
Status read_floats(cl_command_queue queue, const DeviceSpan& from, std::span<float> to);
Status write_ints(cl_command_queue queue, const DeviceSpan& to, std::span<const int> from);

}  // namespace specmap::runtime::ocl
