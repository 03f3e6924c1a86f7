#include "validate/prediction_interval.h"

#include <algorithm>
#include <cmath>

#include "study/study.h"

namespace specmap {
namespace {

Prediction predict_at(const CostInputs& in, const Candidate& candidate, double alpha) {
  Workload workload = in.workload;
  set_alpha(workload, alpha);
  const CostInputs at{in.soc, in.draft, in.target, workload, in.oracle, in.mode, in.memo};
  return predict(at, candidate);
}

}  // namespace

double conditional_alpha_variance(double alpha, int gamma, double trials) {
  if (gamma <= 0 || trials <= 0 || alpha <= 0 || alpha >= 1) return 0;
  double mean = 0, second = 0, slope = 0, power = 1;  // E[k], E[k^2], dE[k]/dalpha
  for (int j = 1; j <= gamma; ++j) {
    slope += j * power;  // d(alpha^j)/dalpha, with power = alpha^(j - 1)
    power *= alpha;
    mean += power;                 // P[k >= j]
    second += (2.0 * j - 1) * power;
  }
  const double variance_k = second - mean * mean;
  const double trials_per_iteration = mean + (1 - power);
  const double v = (variance_k * trials_per_iteration / (slope * slope) - alpha * (1 - alpha)) / trials;
  return std::max(0.0, v);
}

IntervalPrediction predict_with_interval(const CostInputs& in, const Candidate& candidate,
                                         const AcceptanceEvidence& acceptance, double relative_noise) {
  IntervalPrediction out;
  const double alpha = std::clamp(acceptance.alpha, 0.0, 1.0);
  out.prediction = acceptance.as_workload ? predict(in, candidate) : predict_at(in, candidate, alpha);
  const Prediction& p = out.prediction;
  if (!p.feasible) return out;

  const double profile_half = kZ90 * p.time_per_token_stddev;
  double faster = 0;  // how much a higher alpha shortens the time per token
  double slower = 0;  // how much a lower alpha lengthens it
  if (candidate.gamma > 0 && acceptance.trials > 0 && !acceptance.as_workload) {
    const auto trials = static_cast<double>(acceptance.trials);
    // At alpha 0 or 1 the binomial error vanishes; half a trial's worth keeps it honest.
    const double variance = acceptance.from_compared_runs
                                ? conditional_alpha_variance(alpha, candidate.gamma, trials)
                                : std::max(alpha * (1 - alpha), 0.5 / trials) / trials;
    const double step = kZ90 * std::sqrt(variance);
    const Prediction high = predict_at(in, candidate, std::min(1.0, alpha + step));
    const Prediction low = predict_at(in, candidate, std::max(0.0, alpha - step));
    faster = std::max(0.0, p.time_per_token - high.time_per_token);
    slower = std::max(0.0, low.time_per_token - p.time_per_token);
  }
  out.profile_half = profile_half;
  out.acceptance_half = std::max(faster, slower);
  const double noise_half = std::fabs(relative_noise) * p.time_per_token;
  out.interval.low = p.time_per_token - std::hypot(profile_half, faster, noise_half);
  out.interval.high = p.time_per_token + std::hypot(profile_half, slower, noise_half);
  return out;
}

}  // namespace specmap
