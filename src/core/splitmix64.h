#pragma once
// SplitMix64 (Steele, Lea, Flood 2014): one step of its generator, used as a hash that
// decorrelates nearby seeds (seed, seed + 1, ...) for the deterministic synthetic values.
#include <cstdint>

namespace specmap {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace specmap
