#pragma once
// A 90% prediction interval for one candidate's time per token, from the sources of
// uncertainty between a prediction and a measurement:
//   - the profile figures' spread: the standard deviation the oracle carries through every term
//     (Prediction::time_per_token_stddev), taken as normal (validation's fresh points carry the
//     standard error of their rounds' mean);
//   - the acceptance estimate: alpha measured from `trials` Bernoulli trials has a standard
//     error sqrt(alpha (1 - alpha) / trials); the prediction is redone at the ends of the
//     90% range of alpha, which moves the time per token through the expected-tokens formula.
//     When alpha was estimated from the very runs the prediction is compared with, those runs
//     made exactly the accepted and rejected drafts the estimate counts: what is left is how
//     far their tokens per iteration fall from the formula's at that alpha (see
//     conditional_alpha_variance), a few times smaller than the estimate's own error.
//   - the measurement's own noise: a relative half-width, which validation derives from its
//     noise floor (the ratio of two halves of the same runs, see validate/validation.h).
// The three are independent, so their half-widths add in quadrature, on each side
// separately (a higher alpha shortens the time more than a lower one lengthens it).
#include <cstdint>

#include "core/units.h"
#include "cost/cost_model.h"

namespace specmap {

struct PredictionInterval {
  Seconds low = 0;
  Seconds high = 0;
  [[nodiscard]] bool contains(Seconds value) const { return value >= low && value <= high; }
};

// z of a two-sided 90% normal interval.
inline constexpr double kZ90 = 1.6448536269514722;

struct AcceptanceEvidence {
  double alpha = 0;        // Leviathan alpha estimate
  std::int64_t trials = 0;  // accepted + rejections it was estimated from; 0: known exactly
  // The workload's own acceptance (per sample and position, e.g. measured by `specmap
  // acceptance` on another prompt set) instead of `alpha`; its error is not in the interval.
  bool as_workload = false;
  // `alpha` was estimated from the runs the prediction is compared with (validation): the
  // interval carries the runs' spread of tokens per iteration given alpha, not alpha's error.
  bool from_compared_runs = false;
};

// Variance, in alpha's units, of the alpha at which the expected tokens per iteration of
// `gamma` drafts equal those of runs whose Leviathan estimate is `alpha` from `trials` trials:
// (Var[k] (E[k] + P[k < gamma]) / f'(alpha)^2 - alpha (1 - alpha)) / trials, where k is the
// accepted drafts of one iteration (P[k >= j] = alpha^j, j <= gamma), f(alpha) = E[k] and
// E[k] + P[k < gamma] the trials per iteration. The sample mean of k and the estimate's
// plug-in f(alpha) are both unbiased for E[k], the plug-in efficient (alpha's estimate is the
// maximum-likelihood one), so their difference has the variance of the first minus that of
// the second. 0 at alpha 0 and 1, where every iteration is the same.
double conditional_alpha_variance(double alpha, int gamma, double trials);

// Prediction at `acceptance` (the workload's acceptance replaced by it) and its interval.
// `in.workload` is not used for acceptance; everything else comes from `in`.
struct IntervalPrediction {
  Prediction prediction;
  PredictionInterval interval;
  // The interval's terms, each a half-width in seconds: the profile figures' spread and the
  // acceptance on its wider side (the measurement's noise is the caller's relative_noise).
  Seconds profile_half = 0;
  Seconds acceptance_half = 0;
};
IntervalPrediction predict_with_interval(const CostInputs& in, const Candidate& candidate,
                                         const AcceptanceEvidence& acceptance, double relative_noise = 0);

}  // namespace specmap
