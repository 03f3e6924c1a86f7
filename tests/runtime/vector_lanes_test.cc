#include "runtime/cpu/vector_lanes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace specmap::runtime::lanes {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInfinity = std::numeric_limits<float>::infinity();

// The kernels use these helpers inside SPECMAP_LANES_CLONES functions, so each test goes
// through one too: on x86-64 it runs the version for this CPU's widest vectors, and the
// test binary's own code (SSE2 here, NEON under qemu-aarch64) runs the portable one.
SPECMAP_LANES_CLONES
void exp_each(const float* x, float* out, std::size_t count) {
  for (std::size_t i = 0; i + kLanes <= count; i += kLanes) store(out + i, exp_lanes(load(x + i)));
}

SPECMAP_LANES_CLONES
void selects_each(const float* a, const float* b, float bound, float* larger_out, float* at_least_out,
                  float* at_most_out, float* below_out, std::size_t count) {
  for (std::size_t i = 0; i + kLanes <= count; i += kLanes) {
    const Lanes x = load(a + i);
    const Lanes y = load(b + i);
    store(larger_out + i, larger(x, y));
    store(at_least_out + i, at_least(x, bound));
    store(at_most_out + i, at_most(x, bound));
    store(below_out + i, where_below(lane_index() + static_cast<float>(i), bound, x, y));
  }
}

TEST(VectorLanes, ExpIsWithinAFewRoundingsOfStdExpAndClampsOutsideTheNormalRange) {
  std::vector<float> x;
  for (float v = -100.0F; v < 100.0F; v += 0.37F) x.push_back(v);
  x.resize((x.size() + kLanes - 1) / kLanes * kLanes, 0.5F);
  std::vector<float> out(x.size());
  exp_each(x.data(), out.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double expected = std::exp(static_cast<double>(std::fmin(std::fmax(x[i], -87.0F), 88.0F)));
    EXPECT_NEAR(out[i] / expected, 1.0, 2e-6) << "x = " << x[i];
  }
}

TEST(VectorLanes, ExpKeepsNaNAndClampsInfinities) {
  std::vector<float> x(kLanes, 1.0F);
  x[3] = kNaN;
  x[7] = kInfinity;
  x[11] = -kInfinity;
  std::vector<float> out(kLanes);
  exp_each(x.data(), out.data(), x.size());
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_NEAR(out[7] / std::exp(88.0), 1.0, 2e-6);
  EXPECT_NEAR(out[11] / std::exp(-87.0), 1.0, 2e-6);
  EXPECT_NEAR(out[0] / std::exp(1.0), 1.0, 2e-6);
}

TEST(VectorLanes, SelectsFollowTheScalarComparisonsLaneByLaneNaNIncluded) {
  const std::size_t count = 3 * kLanes;
  std::vector<float> a(count);
  std::vector<float> b(count);
  for (std::size_t i = 0; i < count; ++i) {
    a[i] = static_cast<float>((i * 7) % 11) - 5.0F;
    b[i] = static_cast<float>((i * 5) % 13) - 6.0F;
  }
  a[2] = kNaN;
  b[5] = kNaN;
  a[9] = -kInfinity;
  b[20] = kInfinity;
  // As a lane bound 21 ends the range inside the second block; as a clamp it lies above a.
  const float bound = 21.0F;
  std::vector<float> larger_out(count);
  std::vector<float> at_least_out(count);
  std::vector<float> at_most_out(count);
  std::vector<float> below_out(count);
  selects_each(a.data(), b.data(), bound, larger_out.data(), at_least_out.data(), at_most_out.data(),
               below_out.data(), count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto same = [](float got, float want) { return std::isnan(want) ? std::isnan(got) : got == want; };
    EXPECT_TRUE(same(larger_out[i], a[i] > b[i] ? a[i] : b[i])) << i;
    EXPECT_TRUE(same(below_out[i], static_cast<float>(i) < bound ? a[i] : b[i])) << i;
    EXPECT_TRUE(same(at_least_out[i], a[i] < bound ? bound : a[i])) << i;
    EXPECT_TRUE(same(at_most_out[i], a[i] > bound ? bound : a[i])) << i;
  }
  // The clamps again with a bound inside a's range.
  std::vector<float> unused(count);
  selects_each(a.data(), b.data(), 0.0F, unused.data(), at_least_out.data(), at_most_out.data(),
               unused.data(), count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto same = [](float got, float want) { return std::isnan(want) ? std::isnan(got) : got == want; };
    EXPECT_TRUE(same(at_least_out[i], a[i] < 0.0F ? 0.0F : a[i])) << i;
    EXPECT_TRUE(same(at_most_out[i], a[i] > 0.0F ? 0.0F : a[i])) << i;
  }
}

}  // namespace
}  // namespace specmap::runtime::lanes
