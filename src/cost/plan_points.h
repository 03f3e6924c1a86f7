#pragma once
// The forward passes the cost model reads for a workload: every pass of its pass plans
// (cost/workload_passes.h) at gamma 0..gamma_max, in the sequential schedule and the
// overlapped one, at any acceptance. A profile that measures these points, or points they
// interpolate between, costs the workload from measurements; the profiler derives its point
// list from them so that the two cannot disagree.
#include <vector>

#include "describe/workload.h"
#include "profile/pass_point.h"

namespace specmap {

struct PlannedPoints {
  std::vector<PassPoint> draft;   // ascending, distinct
  std::vector<PassPoint> target;  // ascending, distinct
};

// Which passes occur depends on the acceptance only through which of them have weight
// (a generation that keeps every draft never verifies a rejection, one that keeps none never
// catches up), so the plans are taken at the workload's own acceptance and at one strictly
// between 0 and 1, where every pass the loop can make has weight.
PlannedPoints planned_points(const Workload& workload, int gamma_max);

}  // namespace specmap
