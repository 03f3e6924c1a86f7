#pragma once
// Keys and values of the processed positions of the layers an executor runs on a device:
// the device twin of runtime/executor/kv_cache.h. Row t of a layer holds position t:
// [positions x kv_width]. Capacity grows by doubling (the rows held are copied on the
// device), truncation only forgets positions, so a rejected draft costs no copy.
#include <cstddef>
#include <vector>

#include "runtime/opencl/buffer.h"
#include "runtime/opencl/queue.h"

namespace specmap::runtime::ocl {

class DeviceKvCache {
 public:
  DeviceKvCache() = default;
  // `layers` slots; only the layers in `used` get device memory.
  DeviceKvCache(std::vector<bool> used, std::size_t kv_width)
      : kv_width_(kv_width), used_(std::move(used)), layers_(used_.size()) {}

  [[nodiscard]] std::size_t kv_width() const { return kv_width_; }
  [[nodiscard]] std::size_t positions(std::size_t layer) const { return layers_[layer].positions; }

  // Makes every used layer hold room for `positions` positions (enqueues the copies).
  Status reserve(OpenClQueue& queue, std::size_t positions);
  // Grows `layer` by `rows` positions (within the reserved capacity) and returns the new
  // rows to write, [rows x kv_width] each.
  struct Rows {
    DeviceSpan keys;
    DeviceSpan values;
  };
  Rows append(std::size_t layer, std::size_t rows);
  // All positions held by `layer`.
  [[nodiscard]] DeviceSpan keys(std::size_t layer) const;
  [[nodiscard]] DeviceSpan values(std::size_t layer) const;
  // Keeps the first `positions` positions of every layer (capacity kept).
  void truncate(std::size_t positions);

 private:
  struct Layer {
    DeviceBuffer keys;
    DeviceBuffer values;
    std::size_t positions = 0;
    std::size_t capacity = 0;
  };
  std::size_t kv_width_ = 0;
  std::vector<bool> used_;
  std::vector<Layer> layers_;
};

}  // namespace specmap::runtime::ocl
