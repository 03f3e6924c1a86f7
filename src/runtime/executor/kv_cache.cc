#include "runtime/executor/kv_cache.h"

#include <algorithm>

namespace specmap::runtime {

namespace {

std::span<float> grow(std::vector<float>& rows, std::size_t values) {
  const std::size_t old_size = rows.size();
  rows.resize(old_size + values);
  return std::span<float>(rows).subspan(old_size);
}

}  // namespace

std::span<float> KvCache::append_keys(std::size_t layer, std::size_t rows) {
  return grow(keys_[layer], rows * kv_width_);
}

std::span<float> KvCache::append_values(std::size_t layer, std::size_t rows) {
  return grow(values_[layer], rows * kv_width_);
}

void KvCache::truncate(std::size_t positions) {
  const std::size_t values = positions * kv_width_;
  for (auto& layer : keys_) layer.resize(std::min(layer.size(), values));
  for (auto& layer : values_) layer.resize(std::min(layer.size(), values));
}

}  // namespace specmap::runtime
