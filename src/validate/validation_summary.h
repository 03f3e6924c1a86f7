#pragma once
// The figures a validation is judged by, over all cases of all its experiments.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "validate/validation.h"

namespace specmap {

struct BestPick {
  std::string experiment;
  std::size_t n_cases = 0;
  double median_abs_deviation = 0;  // over this experiment's cases
  double p95_abs_deviation = 0;
  double stale_median_abs_deviation = 0;
  double interval_coverage = 0;
  std::optional<double> noise_floor;
  std::optional<double> median_speedup_deviation;
  std::string best_predicted;  // case id with the lowest predicted time per token
  std::string best_measured;   // case id with the lowest measured time per token
  // Measured time of the predicted best over the measured best, minus 1 (0: right pick).
  double regret = 0;
};

struct ValidationSummary {
  std::size_t n_cases = 0;
  double median_abs_deviation = 0;
  double p95_abs_deviation = 0;  // nearest-rank 95th percentile
  double max_abs_deviation = 0;
  double median_signed_deviation = 0;
  // The same at the nominal (controlled) alpha instead of the measured acceptance.
  double nominal_median_abs_deviation = 0;
  double nominal_p95_abs_deviation = 0;
  double interval_coverage = 0;  // share of measured values inside their 90% interval
  // Median over cases of (high - low) / 2 / predicted.
  double median_interval_half_width = 0;
  double median_run_spread = 0;  // median over cases of the runs' relative spread
  // Median and nearest-rank p95 over cases of |half A / half B - 1|; empty without halves.
  std::optional<double> noise_floor;
  std::optional<double> p95_noise_floor;
  std::size_t n_noise_cases = 0;
  // The same deviations from the committed profile alone ("stale-profile").
  double stale_median_abs_deviation = 0;
  double stale_p95_abs_deviation = 0;
  double stale_median_signed_deviation = 0;
  // |predicted / measured speedup - 1| over the gamma 0 case run beside it, over speculative
  // cases (fresh predictions; stale beside); empty without speculative cases.
  std::optional<double> median_speedup_deviation;
  std::optional<double> p95_speedup_deviation;
  std::optional<double> stale_median_speedup_deviation;
  std::size_t n_speedup_cases = 0;
  // The runs' conditions (runtime/measure/run_conditions.h).
  std::size_t n_runs = 0;
  std::size_t disturbed_runs = 0;            // other processes used the run's cores
  // Runs with stalled passes (runtime/measure/pass_stalls.h), and the stalls' time beyond their
  // neighbours' over all measured time.
  std::size_t stalled_runs = 0;
  double stall_share = 0;
  // The deviations against the measurements with the stalls taken out.
  double median_abs_deviation_without_stalls = 0;
  double p95_abs_deviation_without_stalls = 0;
  // The runs' tail (CaseMeasurement::tail_seconds) over all measured time, and the deviations
  // against the typical pass's speed (ValidationCase::deviation_typical).
  double tail_share = 0;
  double median_abs_deviation_typical = 0;
  double p95_abs_deviation_typical = 0;
  double median_cpu_per_wall = 0;            // the process's CPU time over the wall time of a run
  double median_others_share = 0;            // other processes' share of the run's cores
  double max_others_share = 0;
  Seconds steal_seconds = 0;                 // summed over runs, on the runs' cores
  double median_load_average = -1;           // -1: unreadable
  std::optional<double> min_frequency_mhz;   // over runs, where /sys gives the clock
  std::optional<double> max_frequency_mhz;
  std::vector<BestPick> best_picks;  // one per experiment
  double best_pick_regret = 0;       // the worst over experiments
};

ValidationSummary summarize(const std::vector<ExperimentValidation>& experiments);

// Median (mean of the middle two for an even count); 0 when empty.
double median(std::vector<double> values);

// Nearest-rank percentile (q in [0, 1]) of `values`; 0 when empty.
double percentile(std::vector<double> values, double q);

}  // namespace specmap
