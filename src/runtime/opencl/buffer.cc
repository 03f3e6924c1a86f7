#include "runtime/opencl/buffer.h"

#include <algorithm>
#include <cassert>

namespace specmap::runtime::ocl {

namespace {
constexpr std::size_t kElementBytes = 4;
static_assert(sizeof(float) == kElementBytes && sizeof(int) == kElementBytes && sizeof(cl_int) == kElementBytes);
}  // namespace

Result<DeviceBuffer> DeviceBuffer::create(cl_context context, std::size_t elements) {
  cl_int err = CL_SUCCESS;
  DeviceBuffer buffer;
  buffer.mem_.reset(
      clCreateBuffer(context, CL_MEM_READ_WRITE, std::max<std::size_t>(elements, 1) * kElementBytes, nullptr, &err));
  if (Status s = cl_check(err, "clCreateBuffer of " + std::to_string(elements * kElementBytes) + " bytes"); !s)
    return s.error();
  buffer.size_ = elements;
  return buffer;
}

Result<DeviceBuffer> DeviceBuffer::create_zeroed(cl_context context, cl_command_queue queue, std::size_t elements) {
  Result<DeviceBuffer> buffer = create(context, elements);
  if (!buffer) return buffer;
  const cl_float zero = 0.0f;
  if (Status s = cl_check(clEnqueueFillBuffer(queue, buffer->get(), &zero, sizeof(zero), 0,
                                              std::max<std::size_t>(elements, 1) * kElementBytes, 0, nullptr, nullptr),
                          "clEnqueueFillBuffer");
      !s)
    return s.error();
  return buffer;
}

Result<DeviceBuffer> DeviceBuffer::upload(cl_context context, cl_command_queue queue,
                                          std::span<const float> values) {
  Result<DeviceBuffer> buffer = create(context, values.size());
  if (!buffer) return buffer;
  if (Status s = write_floats(queue, buffer->span(), values); !s) return s.error();
  return buffer;
}

Status ensure_size(DeviceBuffer& buffer, cl_context context, cl_command_queue queue, std::size_t elements) {
  if (buffer.get() != nullptr && buffer.size() >= elements) return {};
  Result<DeviceBuffer> bigger = DeviceBuffer::create_zeroed(context, queue, elements);
  if (!bigger) return bigger.error();
  buffer = std::move(bigger).value();
  return {};
}

Status write_floats(cl_command_queue queue, const DeviceSpan& to, std::span<const float> from) {
  assert(from.size() == to.size);
  if (from.empty()) return {};
  return cl_check(clEnqueueWriteBuffer(queue, to.buffer, CL_TRUE, to.offset * kElementBytes,
                                       from.size() * kElementBytes, from.data(), 0, nullptr, nullptr),
                  "clEnqueueWriteBuffer");
}

Status read_floats(cl_command_queue queue, const DeviceSpan& from, std::span<float> to) {
  assert(from.size == to.size());
  if (to.empty()) return {};
  return cl_check(clEnqueueReadBuffer(queue, from.buffer, CL_TRUE, from.offset * kElementBytes,
                                      to.size() * kElementBytes, to.data(), 0, nullptr, nullptr),
                  "clEnqueueReadBuffer");
}

Status write_ints(cl_command_queue queue, const DeviceSpan& to, std::span<const int> from) {
  assert(from.size() == to.size);
  if (from.empty()) return {};
  return cl_check(clEnqueueWriteBuffer(queue, to.buffer, CL_TRUE, to.offset * kElementBytes,
                                       from.size() * kElementBytes, from.data(), 0, nullptr, nullptr),
                  "clEnqueueWriteBuffer (tokens)");
}

}  // namespace specmap::runtime::ocl
