// The profiler's point list covers every needed pass the way the cost model looks it up: in
// the series of its own rows, exactly or interpolated by PointSeries.
#include "runtime/measure/profile_coverage.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "profile/point_series.h"

namespace specmap::runtime {
namespace {

std::vector<PassPoint> grid(const std::vector<Tokens>& new_tokens, const std::vector<Tokens>& contexts) {
  std::vector<PassPoint> g;
  for (Tokens n : new_tokens)
    for (Tokens c : contexts) g.push_back(PassPoint{n, c, 0});
  return g;
}

// Whether the series of `rows` in `points` gives (n, ctx), as the cost model's lookup does.
bool gives(const std::vector<PassPoint>& points, const PassPoint& p) {
  std::vector<MeasuredPoint> series;
  for (const PassPoint& q : points)
    if (q.rows == p.rows) series.push_back(MeasuredPoint{q.new_tokens, q.context, 1.0, 0.0});
  return PointSeries(std::move(series)).at(p.new_tokens, p.context).has_value();
}

TEST(CoveringPoints, AddsNothingTheGridInterpolates) {
  const std::vector<PassPoint> g = grid({1, 2, 4}, {0, 8});
  std::vector<PassPoint> sorted = g;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(covering_points(g, {{3, 5, 0}, {1, 7, 0}, {4, 0, 0}}), sorted);
}

TEST(CoveringPoints, CoversEveryPassOutsideTheGridWithFewPoints) {
  const std::vector<PassPoint> g = grid({1, 2, 4}, {0, 8});
  std::vector<PassPoint> needed;
  // First verifications of prompts of 8 and 20 tokens, d = 1..6 drafts (rows d + 1), and the
  // plain passes beyond the grid: the prompt of 20 at context 0, steps at contexts up to 30.
  for (Tokens prompt : {8, 20})
    for (Tokens d = 1; d <= 6; ++d) needed.push_back(PassPoint{prompt + d, 0, d + 1});
  needed.push_back(PassPoint{20, 0, 0});
  for (Tokens c = 9; c <= 30; ++c) needed.push_back(PassPoint{1, c, 0});
  needed.push_back(PassPoint{3, 30, 0});
  // Catch-up steps of 2 tokens sampling one row at many contexts.
  for (Tokens c = 5; c <= 28; c += 3) needed.push_back(PassPoint{2, c, 1});
  const std::vector<PassPoint> points = covering_points(g, needed);
  for (const PassPoint& p : g) EXPECT_TRUE(std::binary_search(points.begin(), points.end(), p));
  for (const PassPoint& p : needed) EXPECT_TRUE(gives(points, p)) << p.new_tokens << "," << p.context << "," << p.rows;
  EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
  EXPECT_TRUE(std::adjacent_find(points.begin(), points.end()) == points.end());
  // Per rows series the two ends of its range, not one point per pass: 6 verification series
  // of 2 points, the catch-up series of 2, and for rows 0 a handful beside the grid's 6.
  const auto rows1 = std::count_if(points.begin(), points.end(), [](const PassPoint& p) { return p.rows == 1; });
  EXPECT_EQ(rows1, 2);
  for (Tokens r = 2; r <= 7; ++r)
    EXPECT_EQ(std::count_if(points.begin(), points.end(), [&](const PassPoint& p) { return p.rows == r; }), 2) << r;
  EXPECT_LT(points.size(), g.size() + 12 + 2 + 8);
}

// A point added outside a cell can split it: the passes the split cell no longer gives are
// covered as well.
TEST(CoveringPoints, RepairsTheCellsAnAddedPointSplits) {
  const std::vector<PassPoint> g = grid({1, 8}, {0, 16});
  const std::vector<PassPoint> needed = {{5, 10, 0}, {4, 40, 0}, {6, 3, 0}};
  const std::vector<PassPoint> points = covering_points(g, needed);
  for (const PassPoint& p : needed) EXPECT_TRUE(gives(points, p)) << p.new_tokens << "," << p.context;
}

TEST(CoveringPoints, EmptyGridTakesTheNeededPoints) {
  const std::vector<PassPoint> needed = {{3, 0, 0}, {5, 0, 0}, {4, 0, 0}};
  const std::vector<PassPoint> points = covering_points({}, needed);
  EXPECT_EQ(points, (std::vector<PassPoint>{{3, 0, 0}, {5, 0, 0}}));
}

}  // namespace
}  // namespace specmap::runtime
