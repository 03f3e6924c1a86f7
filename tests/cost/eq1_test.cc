#include "cost/eq1.h"

#include <gtest/gtest.h>

#include <cmath>

namespace specmap {
namespace {

TEST(Eq1, NoSpeculationIsOne) {
  EXPECT_EQ(eq1_speedup(0.9, 0, 0.41), 1.0);
  EXPECT_EQ(eq1_speedup(0.0, 0, 5.0), 1.0);
}

TEST(Eq1, MatchesClosedFormByHand) {
  // gamma 1: (1 - a^2) / ((1 - a)(c + 1)) = (1 + a) / (1 + c).
  EXPECT_NEAR(eq1_speedup(0.5, 1, 0.25), 1.5 / 1.25, 1e-15);
  // gamma 2, a 0.5: (1 - 0.125) / (0.5 * (2c + 1)) with c 0.5 -> 0.875 / 1.0.
  EXPECT_NEAR(eq1_speedup(0.5, 2, 0.5), 0.875, 1e-15);
}

TEST(Eq1, AlphaOneIsTheLimit) {
  EXPECT_DOUBLE_EQ(eq1_speedup(1.0, 4, 0.25), 5.0 / 2.0);
  // Continuity: just below 1 the closed form approaches the limit.
  EXPECT_NEAR(eq1_speedup(1.0 - 1e-9, 4, 0.25), 2.5, 1e-6);
}

// Arithmetic checked by hand in the design notes.
TEST(Eq1, PaperOperatingPointAlpha090) {
  EXPECT_NEAR(eq1_speedup(0.90, 4, 0.41), 1.551, 5e-4);
  EXPECT_NEAR(eq1_speedup(0.90, 5, 0.41), 1.536, 5e-4);
  EXPECT_EQ(eq1_best_gamma(0.90, 0.41, 16), 4);
}

TEST(Eq1, MeasuredAlpha094) {
  EXPECT_NEAR(eq1_speedup(0.94, 5, 0.41), 1.695, 5e-4);
  EXPECT_NEAR(eq1_speedup(0.94, 4, 0.41), 1.680, 5e-4);
  EXPECT_EQ(eq1_best_gamma(0.94, 0.41, 16), 5);
}

TEST(Eq1, BestGammaRespectsUpperBound) {
  EXPECT_EQ(eq1_best_gamma(0.94, 0.41, 3), 3);
  EXPECT_EQ(eq1_best_gamma(0.94, 0.41, 0), 0);
}

TEST(Eq1, ExactTiePrefersNoSpeculation) {
  // alpha == c: gamma 1 gives (1 + a) / (1 + c) = 1, the same as not speculating.
  EXPECT_NEAR(eq1_speedup(0.9, 1, 0.9), 1.0, 1e-15);
  EXPECT_EQ(eq1_best_gamma(0.9, 0.9, 8), 0);
  EXPECT_EQ(eq1_best_gamma(0.5, 0.5, 8), 0);
}

TEST(Eq1, SpeedupExistsIffCostBelowAcceptance) {
  for (int ai = 1; ai <= 19; ++ai) {
    const double alpha = ai * 0.05;
    for (int ci = 1; ci <= 30; ++ci) {
      const double c = ci * 0.04 + 0.003;  // offset keeps c away from alpha (no exact ties)
      bool any_gain = false;
      for (int gamma = 1; gamma <= 64; ++gamma) any_gain = any_gain || eq1_speedup(alpha, gamma, c) > 1.0;
      EXPECT_EQ(any_gain, c < alpha) << "alpha " << alpha << " c " << c;
      EXPECT_EQ(eq1_best_gamma(alpha, c, 64) > 0, c < alpha) << "alpha " << alpha << " c " << c;
      if (c < alpha) {
        // The known lower bound for the best gamma: S >= (1 + alpha) / (1 + c).
        const int best = eq1_best_gamma(alpha, c, 64);
        EXPECT_GE(eq1_speedup(alpha, best, c), (1 + alpha) / (1 + c) - 1e-12);
      }
    }
  }
}

TEST(Eq1, BestGammaIsTheArgmax) {
  for (double alpha : {0.3, 0.6, 0.8, 0.95, 0.99}) {
    for (double c : {0.01, 0.05, 0.2, 0.5}) {
      const int best = eq1_best_gamma(alpha, c, 40);
      for (int gamma = 0; gamma <= 40; ++gamma)
        EXPECT_LE(eq1_speedup(alpha, gamma, c), eq1_speedup(alpha, best, c) * (1 + 1e-12));
      for (int gamma = 0; gamma < best; ++gamma)
        EXPECT_LT(eq1_speedup(alpha, gamma, c), eq1_speedup(alpha, best, c));
    }
  }
}

}  // namespace
}  // namespace specmap

namespace specmap {
namespace {

// Near alpha = 1 the closed form loses digits (1.5e-9 relative at alpha = 0.999999999);
// the geometric sum does not. Reference in long double.
TEST(Eq1Precision, ExactNearAlphaOne) {
  for (double alpha : {0.999999999, 1.0 - 1e-12, 0.9999, 1.0 - 1e-15}) {
    for (int gamma : {1, 4, 8, 64}) {
      const double c = 0.05;
      long double sum = 0, term = 1;
      for (int k = 0; k <= gamma; ++k) {
        sum += term;
        term *= static_cast<long double>(alpha);
      }
      const long double reference = sum / (gamma * static_cast<long double>(c) + 1);
      const double got = eq1_speedup(alpha, gamma, c);
      EXPECT_LT(std::fabs(static_cast<long double>(got) - reference) / reference, 1e-14L)
          << "alpha " << alpha << " gamma " << gamma;
    }
  }
}

TEST(Eq1Precision, AlphaEqualToCIsATieAtGammaOne) {
  // S(a, 1, a) = (1 + a) / (a + 1) = 1: no gain, so the best gamma is 0.
  for (double a : {0.9, 0.41, 0.3, 0.7}) EXPECT_EQ(eq1_best_gamma(a, a, 1), 0) << a;
}

}  // namespace
}  // namespace specmap
