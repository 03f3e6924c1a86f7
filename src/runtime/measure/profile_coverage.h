#pragma once
// Which points the profiler measures for one model so that the profile gives every pass the
// cost model reads (cost/plan_points.h) from measurements: a grid of new-token counts and
// contexts, and for each needed pass that the grid does not give, points that do. "Gives" is
// decided by the lookup the cost model makes (profile/latency_oracle.cc): a pass with rows
// set reads the series of its own rows when the profile has it, and so must be covered there;
// the others read the series of the implied rows; within a series, PointSeries::at
// (profile/point_series.h) answers exactly or by interpolation, or not at all.
#include <vector>

#include "runtime/measure/pass_points.h"

namespace specmap::runtime {

// `grid` (as named in the profile: a no-cache pass over n tokens is (n, 0)) and the fewest
// extra points found by adding, per series, the ends of the still uncovered passes' range
// along the axis on which they vary least, until every point of `needed` is covered. Adding
// a point can open a gap in a grid cell that the interpolation used to bridge; the passes
// behind such a gap are covered in the next round, so the result covers all of `needed`.
// Ascending, distinct.
std::vector<PassPoint> covering_points(const std::vector<PassPoint>& grid, const std::vector<PassPoint>& needed);

}  // namespace specmap::runtime
