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
    const double variance = std::max(alpha * (1 - alpha), 0.5 / trials) / trials;
    const double step = kZ90 * std::sqrt(variance);
    const Prediction high = predict_at(in, candidate, std::min(1.0, alpha + step));
    const Prediction low = predict_at(in, candidate, std::max(0.0, alpha - step));
    faster = std::max(0.0, p.time_per_token - high.time_per_token);
    slower = std::max(0.0, low.time_per_token - p.time_per_token);
  }
  const double noise_half = std::fabs(relative_noise) * p.time_per_token;
  out.interval.low = p.time_per_token - std::hypot(profile_half, faster, noise_half);
  out.interval.high = p.time_per_token + std::hypot(profile_half, slower, noise_half);
  return out;
}

}  // namespace specmap
