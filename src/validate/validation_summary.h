#pragma once
// The figures a validation is judged by, over all cases of all its experiments.
#include <cstddef>
#include <string>
#include <vector>

#include "validate/validation.h"

namespace specmap {

struct BestPick {
  std::string experiment;
  std::size_t n_cases = 0;
  double median_abs_deviation = 0;  // over this experiment's cases
  double p95_abs_deviation = 0;
  double interval_coverage = 0;
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
  double median_run_spread = 0;  // median over cases of the runs' relative spread
  std::vector<BestPick> best_picks;  // one per experiment
  double best_pick_regret = 0;       // the worst over experiments
};

ValidationSummary summarize(const std::vector<ExperimentValidation>& experiments);

// Nearest-rank percentile (q in [0, 1]) of `values`; 0 when empty.
double percentile(std::vector<double> values, double q);

}  // namespace specmap
