#include "profile/point_series.h"

#include <gtest/gtest.h>

namespace specmap {
namespace {

// A 3 x 2 grid over new tokens {1, 16, 64} and context {0, 256}, plus one lone point.
PointSeries grid() {
  return PointSeries({{1, 0, 1.0, 0.1},
                      {16, 0, 4.0, 0.2},
                      {64, 0, 10.0, 0.6},
                      {1, 256, 2.0, 0.1},
                      {16, 256, 6.0, 0.4},
                      {64, 256, 14.0, 1.0}});
}

TEST(PointSeries, MeasuredPointsAreReturnedExactly) {
  PointSeries s = grid();
  for (const MeasuredPoint& p : s.points()) {
    auto v = s.at(p.new_tokens, p.context);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->median, p.median);
    EXPECT_EQ(v->stddev, p.stddev);
    EXPECT_FALSE(v->interpolated);
  }
}

TEST(PointSeries, LinearAlongNewTokens) {
  PointSeries s = grid();
  auto v = s.at(8, 0);  // 7/15 of the way from 1 to 16
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->interpolated);
  EXPECT_DOUBLE_EQ(v->median, 1.0 + 3.0 * 7.0 / 15.0);
  EXPECT_DOUBLE_EQ(v->stddev, 0.1 + 0.1 * 7.0 / 15.0);
  // Linear: equal steps in n give equal steps in time inside one segment.
  auto a = s.at(20, 256), b = s.at(24, 256), c = s.at(28, 256);
  ASSERT_TRUE(a && b && c);
  EXPECT_NEAR(b->median - a->median, c->median - b->median, 1e-12);
}

TEST(PointSeries, LinearAlongContextAndBilinearInsideACell) {
  PointSeries s = grid();
  auto col = s.at(16, 64);  // quarter of the way from context 0 to 256
  ASSERT_TRUE(col.has_value());
  EXPECT_DOUBLE_EQ(col->median, 4.0 + 2.0 * 0.25);

  auto cell = s.at(40, 128);  // half way in n between 16 and 64, half way in context
  ASSERT_TRUE(cell.has_value());
  const double at_ctx0 = 4.0 + 6.0 * 0.5;
  const double at_ctx256 = 6.0 + 8.0 * 0.5;
  EXPECT_DOUBLE_EQ(cell->median, 0.5 * (at_ctx0 + at_ctx256));
  EXPECT_TRUE(cell->interpolated);
}

TEST(PointSeries, NothingOutsideTheMeasuredRange) {
  PointSeries s = grid();
  EXPECT_FALSE(s.at(128, 0).has_value());
  EXPECT_FALSE(s.at(16, 512).has_value());
}

TEST(PointSeries, AnchorClampsIntoRangeThenFallsBackToNearest) {
  PointSeries s = grid();
  SeriesValue beyond = s.anchor(128, 0);
  EXPECT_EQ(beyond.new_tokens, 64);
  EXPECT_EQ(beyond.context, 0);
  EXPECT_EQ(beyond.median, 10.0);

  SeriesValue clamped = s.anchor(8, 1024);  // context clamped to 256, n interpolated there
  EXPECT_EQ(clamped.new_tokens, 8);
  EXPECT_EQ(clamped.context, 256);
  EXPECT_DOUBLE_EQ(clamped.median, 2.0 + 4.0 * 7.0 / 15.0);

  // Sparse: no full cell around (8, 100), so the nearest measured point stands in.
  PointSeries sparse({{1, 0, 1.0, 0}, {64, 256, 9.0, 0}});
  SeriesValue nearest = sparse.anchor(2, 10);
  EXPECT_EQ(nearest.new_tokens, 1);
  EXPECT_EQ(nearest.context, 0);
}

}  // namespace
}  // namespace specmap
