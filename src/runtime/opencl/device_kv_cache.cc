#include "runtime/opencl/device_kv_cache.h"

#include <algorithm>
#include <cassert>

namespace specmap::runtime::ocl {

namespace {

// A buffer of `capacity` rows holding the first `rows` rows of `old`.
Result<DeviceBuffer> grown(OpenClQueue& queue, const DeviceBuffer& old, std::size_t rows, std::size_t width,
                           std::size_t capacity) {
  // Zero-filled: rows past the held positions are written by Gemv with beta = 0, which still
  // reads them (buffer.h).
  Result<DeviceBuffer> bigger = DeviceBuffer::create_zeroed(queue.context(), queue.get(), capacity * width);
  if (!bigger || rows == 0) return bigger;
  if (Status s = cl_check(clEnqueueCopyBuffer(queue.get(), old.get(), bigger->get(), 0, 0,
                                              rows * width * sizeof(float), 0, nullptr, nullptr),
                          "clEnqueueCopyBuffer (KV cache growth)");
      !s)
    return s.error();
  return bigger;
}

}  // namespace

Status DeviceKvCache::reserve(OpenClQueue& queue, std::size_t positions) {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Layer& layer = layers_[l];
    if (!used_[l] || positions <= layer.capacity) continue;
    const std::size_t capacity = std::max<std::size_t>({positions, layer.capacity * 2, 16});
    Result<DeviceBuffer> keys = grown(queue, layer.keys, layer.positions, kv_width_, capacity);
    if (!keys) return keys.error();
    Result<DeviceBuffer> values = grown(queue, layer.values, layer.positions, kv_width_, capacity);
    if (!values) return values.error();
    // The copies are enqueued before the old buffers are released; OpenCL keeps a released
    // buffer alive until the commands using it have run.
    layer.keys = std::move(keys).value();
    layer.values = std::move(values).value();
    layer.capacity = capacity;
  }
  return {};
}

DeviceKvCache::Rows DeviceKvCache::append(std::size_t layer, std::size_t rows) {
  Layer& l = layers_[layer];
  assert(used_[layer] && l.positions + rows <= l.capacity);
  const std::size_t first = l.positions * kv_width_;
  l.positions += rows;
  return Rows{l.keys.span(first, rows * kv_width_), l.values.span(first, rows * kv_width_)};
}

DeviceSpan DeviceKvCache::keys(std::size_t layer) const {
  const Layer& l = layers_[layer];
  return l.keys.span(0, l.positions * kv_width_);
}

DeviceSpan DeviceKvCache::values(std::size_t layer) const {
  const Layer& l = layers_[layer];
  return l.values.span(0, l.positions * kv_width_);
}

void DeviceKvCache::truncate(std::size_t positions) {
  for (Layer& l : layers_) l.positions = std::min(l.positions, positions);
}

}  // namespace specmap::runtime::ocl
