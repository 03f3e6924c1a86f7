#pragma once
// Where a forward pass sits in a profile: `new_tokens` appended after `context` tokens,
// sampling `rows` of them (ProfileEntry's new_tokens, context and rows). The cost model plans
// these points (cost/plan_points.h), the runtime times them (runtime/measure/pass_points.h).
#include <compare>

#include "core/units.h"

namespace specmap {

struct PassPoint {
  Tokens new_tokens = 1;
  Tokens context = 0;
  Tokens rows = 0;  // rows sampled when not the implied ones (ProfileEntry::rows)
  auto operator<=>(const PassPoint&) const = default;
};

}  // namespace specmap
