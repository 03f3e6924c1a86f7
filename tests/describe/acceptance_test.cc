// Expected tokens per iteration and the alpha <-> accepted/drafted conversions.
#include <gtest/gtest.h>

#include <cmath>

#include "describe/workload.h"

namespace specmap {
namespace {

TEST(Acceptance, ConstantAlphaMatchesTheClosedForm) {
  // Leviathan et al.: E = (1 - alpha^(gamma+1)) / (1 - alpha).
  EXPECT_NEAR(expected_tokens_per_iteration({0.9}, 4), (1 - std::pow(0.9, 5)) / 0.1, 1e-12);
  EXPECT_NEAR(expected_tokens_per_iteration({0.9}, 4), 4.0951, 1e-12);
  EXPECT_DOUBLE_EQ(expected_tokens_per_iteration({0.9}, 0), 1.0);
  EXPECT_DOUBLE_EQ(expected_tokens_per_iteration({}, 5), 1.0);
}

TEST(Acceptance, PerPositionAlphasMultiplyAndRepeatTheLast) {
  // 1 + 0.9 + 0.9*0.5 + 0.9*0.5*0.5
  EXPECT_NEAR(expected_tokens_per_iteration({0.9, 0.5}, 3), 1 + 0.9 + 0.45 + 0.225, 1e-12);
}

TEST(Acceptance, RatioOfAHandExample) {
  // alpha 0.5, gamma 2: E = 1 + 0.5 + 0.25 = 1.75, so 0.75 of 2 drafted tokens are accepted.
  EXPECT_NEAR(accept_ratio_from_alpha(0.5, 2), 0.375, 1e-12);
  EXPECT_NEAR(alpha_from_accept_ratio(0.375, 2), 0.5, 1e-12);
}

TEST(Acceptance, ConversionsRoundTrip) {
  for (int gamma : {1, 2, 4, 8})
    for (double alpha : {0.0, 0.17, 0.5, 0.58, 0.9, 0.99, 1.0}) {
      double ratio = accept_ratio_from_alpha(alpha, gamma);
      EXPECT_LE(ratio, alpha + 1e-12) << "the ratio never exceeds alpha";
      EXPECT_NEAR(alpha_from_accept_ratio(ratio, gamma), alpha, 1e-10) << gamma << " " << alpha;
    }
  // At gamma 1 the two definitions coincide.
  EXPECT_NEAR(alpha_from_accept_ratio(0.6, 1), 0.6, 1e-12);
}

TEST(Acceptance, WorkloadMeansAreWeighted) {
  Workload workload;
  workload.samples = {{0.25, 40, 10, {0.8, 0.1}}, {0.75, 80, 30, {0.4}}};
  EXPECT_DOUBLE_EQ(workload.mean_prompt_tokens(), 70.0);
  EXPECT_DOUBLE_EQ(workload.mean_generate_tokens(), 25.0);
  EXPECT_DOUBLE_EQ(workload.mean_alpha(), 0.5);
  EXPECT_DOUBLE_EQ(Workload{}.mean_alpha(), 0.0);
}

}  // namespace
}  // namespace specmap
