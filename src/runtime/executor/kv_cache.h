#pragma once
// Keys and values of every processed position, per decoder layer, so a decode step only
// computes the new tokens. Row t of a layer holds position t: [positions x kv_width].
#include <cstddef>
#include <span>
#include <vector>

namespace specmap::runtime {

class KvCache {
 public:
  KvCache() = default;
  KvCache(std::size_t layers, std::size_t kv_width) : kv_width_(kv_width), keys_(layers), values_(layers) {}

  [[nodiscard]] std::size_t layers() const { return keys_.size(); }
  [[nodiscard]] std::size_t kv_width() const { return kv_width_; }
  // Positions held by `layer`.
  [[nodiscard]] std::size_t positions(std::size_t layer) const { return keys_[layer].size() / kv_width_; }

  // Grows `layer` by `rows` positions and returns the new rows to write [rows x kv_width].
  std::span<float> append_keys(std::size_t layer, std::size_t rows);
  std::span<float> append_values(std::size_t layer, std::size_t rows);
  [[nodiscard]] std::span<const float> keys(std::size_t layer) const { return keys_[layer]; }
  [[nodiscard]] std::span<const float> values(std::size_t layer) const { return values_[layer]; }

  // Keeps the first `positions` positions of every layer (capacity is kept for reuse).
  void truncate(std::size_t positions);

 private:
  std::size_t kv_width_ = 0;
  std::vector<std::vector<float>> keys_;
  std::vector<std::vector<float>> values_;
};

}  // namespace specmap::runtime
