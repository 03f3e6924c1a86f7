#include "cost/eq1.h"

#include <algorithm>
#include <cmath>

namespace specmap {

double eq1_speedup(double alpha, int gamma, double c) {
  if (gamma <= 0) return 1.0;
  const double g = static_cast<double>(gamma);
  const double denominator = g * c + 1.0;
  // At alpha == 1 every drafted token is accepted; the closed form is 0/0 there.
  if (alpha >= 1.0) return (g + 1.0) / denominator;
  return (1.0 - std::pow(alpha, g + 1.0)) / ((1.0 - alpha) * denominator);
}

int eq1_best_gamma(double alpha, double c, int gamma_max) {
  if (gamma_max <= 0) return 0;
  double best = eq1_speedup(alpha, 0, c);
  for (int gamma = 1; gamma <= gamma_max; ++gamma) best = std::max(best, eq1_speedup(alpha, gamma, c));
  // Near-ties (e.g. alpha == c == 0.9 gives S = 1 at gamma 1 up to rounding) go to the
  // smaller gamma: speculation that does not pay should stay off.
  constexpr double kRelativeTie = 1e-12;
  for (int gamma = 0; gamma <= gamma_max; ++gamma)
    if (eq1_speedup(alpha, gamma, c) >= best * (1.0 - kRelativeTie)) return gamma;
  return 0;
}

}  // namespace specmap
