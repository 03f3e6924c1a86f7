#include "describe/workload.h"

#include <algorithm>
#include <cmath>

namespace specmap {

namespace {

template <class Field>
double weighted_mean(const std::vector<WorkloadSample>& samples, Field field) {
  double sum = 0;
  double weight = 0;
  for (const WorkloadSample& s : samples) {
    sum += s.weight * field(s);
    weight += s.weight;
  }
  return weight > 0 ? sum / weight : 0.0;
}

}  // namespace

double Workload::mean_prompt_tokens() const {
  return weighted_mean(samples, [](const WorkloadSample& s) { return double(s.prompt_tokens); });
}

double Workload::mean_generate_tokens() const {
  return weighted_mean(samples, [](const WorkloadSample& s) { return double(s.generate_tokens); });
}

double Workload::mean_alpha() const {
  return weighted_mean(samples,
                       [](const WorkloadSample& s) { return s.alphas.empty() ? 0.0 : s.alphas.front(); });
}

double expected_tokens_per_iteration(const std::vector<double>& alphas, int gamma) {
  double expected = 1.0;  // the target's own token is always produced
  if (alphas.empty()) return expected;
  double all_accepted = 1.0;
  for (int k = 1; k <= gamma; ++k) {
    std::size_t position = std::min<std::size_t>(static_cast<std::size_t>(k - 1), alphas.size() - 1);
    all_accepted *= alphas[position];
    expected += all_accepted;
  }
  return expected;
}

double accept_ratio_from_alpha(double alpha, int gamma) {
  if (gamma <= 0) return alpha;
  return (expected_tokens_per_iteration({alpha}, gamma) - 1.0) / gamma;
}

double alpha_from_accept_ratio(double ratio, int gamma) {
  if (gamma <= 0) return ratio;
  if (ratio <= 0) return 0.0;
  if (ratio >= 1) return 1.0;
  // The ratio grows monotonically with alpha on [0, 1], so bisection always converges.
  double low = 0.0;
  double high = 1.0;
  while (high - low > 1e-14) {
    double mid = 0.5 * (low + high);
    if (accept_ratio_from_alpha(mid, gamma) < ratio)
      low = mid;
    else
      high = mid;
  }
  return 0.5 * (low + high);
}

}  // namespace specmap
