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

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

namespace {

std::optional<double> median_if_any(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  return median(values);
}

std::optional<double> stale_speedup_deviation(const ValidationCase& c, const std::vector<ValidationCase>& cases) {
  if (c.baseline_case.empty() || !c.baseline_measured_speedup || *c.baseline_measured_speedup <= 0) return std::nullopt;
  for (const ValidationCase& b : cases)
    if (b.id == c.baseline_case && c.stale.time_per_token > 0)
      return (b.stale.time_per_token / c.stale.time_per_token) / *c.baseline_measured_speedup - 1;
  return std::nullopt;
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
  std::vector<double> abs_dev, stale_abs, noise, speedup;
  std::size_t covered = 0;
  for (const ValidationCase& c : e.cases) {
    abs_dev.push_back(std::fabs(c.deviation));
    stale_abs.push_back(std::fabs(c.stale_deviation));
    if (auto d = c.measured.half_difference()) noise.push_back(std::fabs(*d));
    if (auto d = c.speedup_deviation()) speedup.push_back(std::fabs(*d));
    if (c.interval.contains(c.measured.time_per_token())) ++covered;
  }
  pick.n_cases = e.cases.size();
  pick.median_abs_deviation = median(abs_dev);
  pick.stale_median_abs_deviation = median(stale_abs);
  pick.noise_floor = median_if_any(noise);
  pick.median_speedup_deviation = median_if_any(speedup);
  pick.p95_abs_deviation = percentile(abs_dev, 0.95);
  pick.interval_coverage = static_cast<double>(covered) / static_cast<double>(e.cases.size());
  return pick;
}

}  // namespace

ValidationSummary summarize(const std::vector<ExperimentValidation>& experiments) {
  ValidationSummary s;
  std::vector<double> abs_dev, signed_dev, nominal_abs, spreads, half_widths, stale_abs, stale_signed, noise,
      speedup, stale_speedup, cpu_per_wall, others, loads, abs_without_stalls,
      abs_typical;
  Seconds measured_seconds = 0, stall_seconds = 0, tail_seconds = 0;
  std::size_t covered = 0;
  for (const ExperimentValidation& e : experiments) {
    for (const ValidationCase& c : e.cases) {
      abs_dev.push_back(std::fabs(c.deviation));
      signed_dev.push_back(c.deviation);
      abs_without_stalls.push_back(std::fabs(c.deviation_without_stalls));
      measured_seconds += c.measured.total_seconds;
      stall_seconds += c.measured.stall_seconds();
      abs_typical.push_back(std::fabs(c.deviation_typical));
      tail_seconds += c.measured.tail_seconds();
      s.stalled_runs += c.measured.stalled_runs();
      nominal_abs.push_back(std::fabs(c.nominal_deviation));
      stale_abs.push_back(std::fabs(c.stale_deviation));
      stale_signed.push_back(c.stale_deviation);
      spreads.push_back(c.measured.run_spread());
      if (c.predicted.time_per_token > 0)
        half_widths.push_back((c.interval.high - c.interval.low) / 2 / c.predicted.time_per_token);
      if (auto d = c.measured.half_difference()) noise.push_back(std::fabs(*d));
      if (auto d = c.speedup_deviation()) speedup.push_back(std::fabs(*d));
      if (auto d = stale_speedup_deviation(c, e.cases)) stale_speedup.push_back(std::fabs(*d));
      if (c.interval.contains(c.measured.time_per_token())) ++covered;
      for (const RunRecord& r : c.measured.runs) {
        const runtime::RunConditions& k = r.conditions;
        ++s.n_runs;
        if (k.disturbed) ++s.disturbed_runs;
        cpu_per_wall.push_back(k.cpu_per_wall());
        others.push_back(k.others_share);
        s.max_others_share = std::max(s.max_others_share, k.others_share);
        s.steal_seconds += k.steal;
        if (k.load_average >= 0) loads.push_back(k.load_average);
        if (k.frequency_mhz) {
          s.min_frequency_mhz = std::min(s.min_frequency_mhz.value_or(*k.frequency_mhz), *k.frequency_mhz);
          s.max_frequency_mhz = std::max(s.max_frequency_mhz.value_or(*k.frequency_mhz), *k.frequency_mhz);
        }
      }
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
  s.median_abs_deviation_without_stalls = median(abs_without_stalls);
  s.p95_abs_deviation_without_stalls = percentile(abs_without_stalls, 0.95);
  s.stall_share = measured_seconds > 0 ? stall_seconds / measured_seconds : 0;
  s.median_abs_deviation_typical = median(abs_typical);
  s.p95_abs_deviation_typical = percentile(abs_typical, 0.95);
  s.tail_share = measured_seconds > 0 ? tail_seconds / measured_seconds : 0;
  s.nominal_median_abs_deviation = median(nominal_abs);
  s.nominal_p95_abs_deviation = percentile(nominal_abs, 0.95);
  s.interval_coverage = static_cast<double>(covered) / static_cast<double>(s.n_cases);
  s.median_run_spread = median(spreads);
  s.median_interval_half_width = median(half_widths);
  s.noise_floor = median_if_any(noise);
  if (!noise.empty()) s.p95_noise_floor = percentile(noise, 0.95);
  s.n_noise_cases = noise.size();
  s.stale_median_abs_deviation = median(stale_abs);
  s.stale_p95_abs_deviation = percentile(stale_abs, 0.95);
  s.stale_median_signed_deviation = median(stale_signed);
  s.median_speedup_deviation = median_if_any(speedup);
  if (!speedup.empty()) s.p95_speedup_deviation = percentile(speedup, 0.95);
  s.stale_median_speedup_deviation = median_if_any(stale_speedup);
  s.n_speedup_cases = speedup.size();
  s.median_cpu_per_wall = median(cpu_per_wall);
  s.median_others_share = median(others);
  if (!loads.empty()) s.median_load_average = median(loads);
  return s;
}

}  // namespace specmap
