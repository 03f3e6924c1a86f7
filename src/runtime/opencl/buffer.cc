#include "runtime/opencl/buffer.h"

#include <algorithm>
#include <cassert>

namespace specmap::runtime::ocl {

namespace {
constexpr std::size_t kElementBytes = 4;
static_assert(sizeof(float) == kElementBytes && sizeof(int) == kElementBytes &&
              sizeof(cl_int) == kElementBytes);
}  // namespace

Result<DeviceBuffer> DeviceBuffer::create(cl_context context, std::size_t elements, bool host_memory) {
  cl_int err = CL_SUCCESS;
  DeviceBuffer buffer;
  const cl_mem_flags flags = CL_MEM_READ_WRITE | (host_memory ? CL_MEM_ALLOC_HOST_PTR : 0);
  buffer.mem_.reset(
      clCreateBuffer(context, flags, std::max<std::size_t>(elements, 1) * kElementBytes, nullptr, &err));
  if (Status s = cl_check(err, "clCreateBuffer of " + std::to_string(elements * kElementBytes) + " bytes");
      !s)
    return s.error();
  buffer.size_ = elements;
  buffer.host_memory_ = host_memory;
  return buffer;
}

Result<DeviceBuffer> DeviceBuffer::create_zeroed(cl_context context, cl_command_queue queue,
                                                 std::size_t elements, bool host_memory) {
  Result<DeviceBuffer> buffer = create(context, elements, host_memory);
  if (!buffer) return buffer;
  const cl_float zero = 0.0f;
  if (Status s = cl_check(
          clEnqueueFillBuffer(queue, buffer->get(), &zero, sizeof(zero), 0,
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

Result<DeviceBuffer> DeviceBuffer::upload_bytes(cl_context context, cl_command_queue queue,
                                                std::span<const std::byte> bytes) {
  const std::size_t elements = (bytes.size() + kElementBytes - 1) / kElementBytes;
  Result<DeviceBuffer> buffer = create_zeroed(context, queue, elements);
  if (!buffer) return buffer;
  if (bytes.empty()) return buffer;
  if (Status s = cl_check(clEnqueueWriteBuffer(queue, buffer->get(), CL_TRUE, 0, bytes.size(), bytes.data(),
                                               0, nullptr, nullptr),
                          "clEnqueueWriteBuffer (" + std::to_string(bytes.size()) + " bytes)");
      !s)
    return s.error();
  return buffer;
}

Status ensure_size(DeviceBuffer& buffer, cl_context context, cl_command_queue queue, std::size_t elements,
                   bool host_memory) {
  if (buffer.get() != nullptr && buffer.size() >= elements && buffer.host_memory() == host_memory) return {};
  Result<DeviceBuffer> bigger = DeviceBuffer::create_zeroed(context, queue, elements, host_memory);
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

namespace {

// Maps `span` (blocking), runs `use` on the host pointer, unmaps and waits for the unmap.
template <class Use>
Status with_mapped(cl_command_queue queue, const DeviceSpan& span, cl_map_flags flags, Use&& use) {
  cl_int err = CL_SUCCESS;
  void* host = clEnqueueMapBuffer(queue, span.buffer, CL_TRUE, flags, span.offset * kElementBytes,
                                  span.size * kElementBytes, 0, nullptr, nullptr, &err);
  if (Status s = cl_check(err, "clEnqueueMapBuffer"); !s) return s;
  use(static_cast<float*>(host));
  cl_event unmapped = nullptr;
  if (Status s = cl_check(clEnqueueUnmapMemObject(queue, span.buffer, host, 0, nullptr, &unmapped),
                          "clEnqueueUnmapMemObject");
      !s)
    return s;
  const cl_int waited = clWaitForEvents(1, &unmapped);
  clReleaseEvent(unmapped);
  return cl_check(waited, "clWaitForEvents (unmap)");
}

}  // namespace

Status write_floats_mapped(cl_command_queue queue, const DeviceSpan& to, std::span<const float> from) {
  assert(from.size() == to.size);
  if (from.empty()) return {};
  return with_mapped(queue, to, CL_MAP_WRITE_INVALIDATE_REGION,
                     [&](float* host) { std::copy(from.begin(), from.end(), host); });
}

Status read_floats_mapped(cl_command_queue queue, const DeviceSpan& from, std::span<float> to) {
  assert(from.size == to.size());
  if (to.empty()) return {};
  return with_mapped(queue, from, CL_MAP_READ,
                     [&](float* host) { std::copy(host, host + to.size(), to.begin()); });
}

}  // namespace specmap::runtime::ocl
