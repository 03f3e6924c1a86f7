#include "validate/validation_summary.h"

#include <algorithm>
#include <cmath>

namespace specmap {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least q of the values at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

namespace {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

BestPick best_pick(const ExperimentValidation& e) {
  BestPick pick;
  pick.experiment = e.name;
  const ValidationCase* predicted = nullptr;
  const ValidationCase* measured = nullptr;
  for (const ValidationCase& c : e.cases) {
    if (!predicted || c.predicted.time_per_token < predicted->predicted.time_per_token) predicted = &c;
    if (!measured || c.measured.time_per_token() < measured->measured.time_per_token()) measured = &c;
  }
  if (!predicted || !measured) return pick;
  pick.best_predicted = predicted->id;
  pick.best_measured = measured->id;
  pick.regret = predicted->measured.time_per_token() / measured->measured.time_per_token() - 1;
  std::vector<double> abs_dev;
  std::size_t covered = 0;
  for (const ValidationCase& c : e.cases) {
    abs_dev.push_back(std::fabs(c.deviation));
    if (c.interval.contains(c.measured.time_per_token())) ++covered;
  }
  pick.n_cases = e.cases.size();
  pick.median_abs_deviation = median(abs_dev);
  pick.p95_abs_deviation = percentile(abs_dev, 0.95);
  pick.interval_coverage = static_cast<double>(covered) / static_cast<double>(e.cases.size());
  return pick;
}

}  // namespace

ValidationSummary summarize(const std::vector<ExperimentValidation>& experiments) {
  ValidationSummary s;
  std::vector<double> abs_dev, signed_dev, nominal_abs, spreads;
  std::size_t covered = 0;
  for (const ExperimentValidation& e : experiments) {
    for (const ValidationCase& c : e.cases) {
      abs_dev.push_back(std::fabs(c.deviation));
      signed_dev.push_back(c.deviation);
      nominal_abs.push_back(std::fabs(c.nominal_deviation));
      spreads.push_back(c.measured.run_spread());
      if (c.interval.contains(c.measured.time_per_token())) ++covered;
    }
    if (!e.cases.empty()) {
      s.best_picks.push_back(best_pick(e));
      s.best_pick_regret = std::max(s.best_pick_regret, s.best_picks.back().regret);
    }
  }
  s.n_cases = abs_dev.size();
  if (s.n_cases == 0) return s;
  s.median_abs_deviation = median(abs_dev);
  s.p95_abs_deviation = percentile(abs_dev, 0.95);
  s.max_abs_deviation = *std::max_element(abs_dev.begin(), abs_dev.end());
  s.median_signed_deviation = median(signed_dev);
  s.nominal_median_abs_deviation = median(nominal_abs);
  s.nominal_p95_abs_deviation = percentile(nominal_abs, 0.95);
  s.interval_coverage = static_cast<double>(covered) / static_cast<double>(s.n_cases);
  s.median_run_spread = median(spreads);
  return s;
}

}  // namespace specmap
