#pragma once
// The paper's cost model (its Eq. 1, Leviathan et al. Theorem 3.8).

namespace specmap {

// S(alpha, gamma, c) = (1 - alpha^(gamma+1)) / ((1 - alpha) (gamma c + 1)); S(., 0, .) = 1.
// Computed as (1 + alpha + ... + alpha^gamma) / (gamma c + 1), the same quantity without the
// cancellation of 1 - alpha^(gamma+1) over 1 - alpha near alpha = 1 (exact at alpha = 1).
double eq1_speedup(double alpha, int gamma, double c);
// Integer gamma in [0, gamma_max] maximising Eq. 1 (smallest gamma on ties).
int eq1_best_gamma(double alpha, double c, int gamma_max);

// The tie rule, shared by eq1_best_gamma and the search's ranking: two figures within this
// relative distance are a tie, and a tie goes to the smaller gamma, so speculation that does
// not pay (alpha = c gives S = 1 at gamma 1, up to rounding) stays off.
inline constexpr double kRelativeTie = 1e-12;
// `value` is as good as `best` for a quantity that is minimised (time, energy).
inline bool ties_or_beats_min(double value, double best) { return value <= best + kRelativeTie * best; }

}  // namespace specmap
