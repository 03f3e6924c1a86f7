#pragma once
// Summing each of sixteen Lanes across its lanes at once (a 16 x 16 transpose folded into
// adds), as the attention kernel's scores need, in the formulation each register width
// compiles well. Like vector_lanes.h, include only from .cc files (see its notes).
#include <cstddef>
#include <cstring>

#include "runtime/cpu/vector_lanes.h"

namespace specmap::runtime::lanes {

// One step of summing sixteen vectors' lanes: a holds the partial sums of a few vectors in
// groups of `width` lanes, b those of as many more; the result holds the partial sums of all
// of them, in groups of width / 2, in order. Written on quarters (four lanes, the SSE and NEON
// register) and halves: GCC 12 compiles a two-source shuffle of whole Lanes lane by lane
// (an insert per lane) wherever a Lanes is wider than the target's registers.
typedef float Quarter __attribute__((vector_size(16)));
typedef float Half __attribute__((vector_size(32)));

[[gnu::always_inline]] inline Quarter quarter(Lanes v, std::size_t k) {
  Quarter q;
  std::memcpy(&q, reinterpret_cast<const char*>(&v) + k * sizeof q, sizeof q);
  return q;
}
[[gnu::always_inline]] inline Half half(Lanes v, std::size_t k) {
  Half h;
  std::memcpy(&h, reinterpret_cast<const char*>(&v) + k * sizeof h, sizeof h);
  return h;
}
[[gnu::always_inline]] inline Lanes join(Half a, Half b) {
  Lanes v;
  std::memcpy(&v, &a, sizeof a);
  std::memcpy(reinterpret_cast<char*>(&v) + sizeof a, &b, sizeof b);
  return v;
}
[[gnu::always_inline]] inline Lanes join(Quarter a, Quarter b, Quarter c, Quarter d) {
  Lanes v;
  char* bytes = reinterpret_cast<char*>(&v);
  std::memcpy(bytes, &a, sizeof a);
  std::memcpy(bytes + sizeof a, &b, sizeof b);
  std::memcpy(bytes + 2 * sizeof a, &c, sizeof c);
  std::memcpy(bytes + 3 * sizeof a, &d, sizeof d);
  return v;
}
// Within two quarters x and y: pairs of lanes (x0 + x2, x1 + x3, y0 + y2, y1 + y3), and single
// lanes (x0 + x1, x2 + x3, y0 + y1, y2 + y3).
[[gnu::always_inline]] inline Quarter halve_pairs(Quarter x, Quarter y) {
  return __builtin_shufflevector(x, y, 0, 1, 4, 5) + __builtin_shufflevector(x, y, 2, 3, 6, 7);
}
[[gnu::always_inline]] inline Quarter halve_singles(Quarter x, Quarter y) {
  return __builtin_shufflevector(x, y, 0, 2, 4, 6) + __builtin_shufflevector(x, y, 1, 3, 5, 7);
}

// Each step on whole Lanes (wide: single instructions where a Lanes is one register) or on
// quarters and halves (narrow).
template <LaneRegisters R>
[[gnu::always_inline]] inline Lanes halve_groups_8(Lanes a, Lanes b) {
  if constexpr (R == LaneRegisters::wide)
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
           __builtin_shufflevector(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  else
    return join(half(a, 0) + half(a, 1), half(b, 0) + half(b, 1));
}
template <LaneRegisters R>
[[gnu::always_inline]] inline Lanes halve_groups_4(Lanes a, Lanes b) {
  if constexpr (R == LaneRegisters::wide)
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
           __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
  else
    return join(quarter(a, 0) + quarter(a, 1), quarter(a, 2) + quarter(a, 3), quarter(b, 0) + quarter(b, 1),
                quarter(b, 2) + quarter(b, 3));
}
template <LaneRegisters R>
[[gnu::always_inline]] inline Lanes halve_groups_2(Lanes a, Lanes b) {
  if constexpr (R == LaneRegisters::wide)
    return __builtin_shufflevector(a, b, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
           __builtin_shufflevector(a, b, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
  else
    return join(halve_pairs(quarter(a, 0), quarter(a, 1)), halve_pairs(quarter(a, 2), quarter(a, 3)),
                halve_pairs(quarter(b, 0), quarter(b, 1)), halve_pairs(quarter(b, 2), quarter(b, 3)));
}
template <LaneRegisters R>
[[gnu::always_inline]] inline Lanes halve_groups_1(Lanes a, Lanes b) {
  if constexpr (R == LaneRegisters::wide)
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
           __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  else
    return join(halve_singles(quarter(a, 0), quarter(a, 1)), halve_singles(quarter(a, 2), quarter(a, 3)),
                halve_singles(quarter(b, 0), quarter(b, 1)), halve_singles(quarter(b, 2), quarter(b, 3)));
}

// Lane p of the result = the sum of v[p]'s lanes, in 15 shuffle-and-add steps (v is used as
// scratch).
template <LaneRegisters R>
[[gnu::always_inline]] inline Lanes sum_each(Lanes* v) {
  for (std::size_t p = 0; p < 8; ++p) v[p] = halve_groups_8<R>(v[2 * p], v[2 * p + 1]);
  for (std::size_t p = 0; p < 4; ++p) v[p] = halve_groups_4<R>(v[2 * p], v[2 * p + 1]);
  for (std::size_t p = 0; p < 2; ++p) v[p] = halve_groups_2<R>(v[2 * p], v[2 * p + 1]);
  return halve_groups_1<R>(v[0], v[1]);
}

}  // namespace specmap::runtime::lanes
