#pragma once
// The paper's cost model (its Eq. 1, Leviathan et al. Theorem 3.8).

namespace specmap {

// S(alpha, gamma, c) = (1 - alpha^(gamma+1)) / ((1 - alpha) (gamma c + 1)); S(., 0, .) = 1.
// alpha == 1 is handled as the limit (gamma + 1) / (gamma c + 1).
double eq1_speedup(double alpha, int gamma, double c);
// Integer gamma in [0, gamma_max] maximising Eq. 1 (smallest gamma on ties).
int eq1_best_gamma(double alpha, double c, int gamma_max);

}  // namespace specmap
