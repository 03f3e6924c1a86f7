#include "cost/eq1.h"

#include <algorithm>
#include <cmath>

namespace specmap {

double eq1_speedup(double alpha, int gamma, double c) {
  if (gamma <= 0) return 1.0;
  const double g = static_cast<double>(gamma);
  const double denominator = g * c + 1.0;
  // Expected tokens per iteration as the geometric sum: every term is positive, so it is
  // accurate to a few ulps for any alpha in [0, 1], where the closed form loses digits to
  // 1 - alpha (1.5e-9 relative at alpha = 0.999999999) and is 0/0 at alpha = 1.
  const double a = std::clamp(alpha, 0.0, 1.0);
  double expected = 0, term = 1;
  for (int k = 0; k <= gamma; ++k) {
    expected += term;
    term *= a;
  }
  return expected / denominator;
}

int eq1_best_gamma(double alpha, double c, int gamma_max) {
  if (gamma_max <= 0) return 0;
  double best = eq1_speedup(alpha, 0, c);
  for (int gamma = 1; gamma <= gamma_max; ++gamma) best = std::max(best, eq1_speedup(alpha, gamma, c));
  // Near-ties (e.g. alpha == c == 0.9 gives S = 1 at gamma 1 up to rounding) go to the
  // smaller gamma: speculation that does not pay should stay off.
  for (int gamma = 0; gamma <= gamma_max; ++gamma)
    if (eq1_speedup(alpha, gamma, c) >= best * (1.0 - kRelativeTie)) return gamma;
  return 0;
}

}  // namespace specmap
