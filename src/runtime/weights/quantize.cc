#include "runtime/weights/quantize.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "runtime/weights/tensor_type.h"

namespace specmap::runtime {

void quantize_row_q8_0(std::span<const float> x, std::span<std::byte> out) {
  assert(x.size() % kQuantBlock == 0 && out.size() == x.size() / kQuantBlock * sizeof(BlockQ8_0));
  for (std::size_t b = 0; b < x.size() / kQuantBlock; ++b) {
    const float* v = x.data() + b * kQuantBlock;
    float amax = 0.0f;
    for (std::size_t j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(v[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ8_0 block;
    block.d = f32_to_f16(d);
    for (std::size_t j = 0; j < kQuantBlock; ++j)
      block.qs[j] = static_cast<std::int8_t>(std::round(v[j] * id));
    std::memcpy(out.data() + b * sizeof(BlockQ8_0), &block, sizeof(BlockQ8_0));
  }
}

void quantize_row_q4_0(std::span<const float> x, std::span<std::byte> out) {
  assert(x.size() % kQuantBlock == 0 && out.size() == x.size() / kQuantBlock * sizeof(BlockQ4_0));
  constexpr std::size_t kHalf = kQuantBlock / 2;
  for (std::size_t b = 0; b < x.size() / kQuantBlock; ++b) {
    const float* v = x.data() + b * kQuantBlock;
    float amax = 0.0f, max = 0.0f;
    for (std::size_t j = 0; j < kQuantBlock; ++j)
      if (std::fabs(v[j]) > amax) {
        amax = std::fabs(v[j]);
        max = v[j];
      }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_0 block;
    block.d = f32_to_f16(d);
    for (std::size_t j = 0; j < kHalf; ++j) {
      const auto lo = static_cast<std::uint8_t>(std::min(15, static_cast<int>(v[j] * id + 8.5f)));
      const auto hi = static_cast<std::uint8_t>(std::min(15, static_cast<int>(v[j + kHalf] * id + 8.5f)));
      block.qs[j] = static_cast<std::uint8_t>(lo | (hi << 4));
    }
    std::memcpy(out.data() + b * sizeof(BlockQ4_0), &block, sizeof(BlockQ4_0));
  }
}

}  // namespace specmap::runtime
