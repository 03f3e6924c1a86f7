#pragma once
// Acceptance of a draft/target pair measured on a prompt set, the paper's step 2: every
// prompt is decoded speculatively at each gamma 1..gamma_max greedily
// (a drafted token is kept iff it is the target's argmax) or, with a temperature, by
// speculative sampling), and the runtime's counters are summarised.
//
// - alpha: Leviathan's alpha as the maximum-likelihood estimate under i.i.d. acceptance,
//   pooled over the prompts' runs at gamma_max (the runs that reach every draft position):
//   every verified position is a Bernoulli trial and an iteration ends at its first failure,
//   so alpha = accepted / (accepted + rejections).
// - its interval: a percentile bootstrap over prompts (prompts resampled with replacement,
//   the pooled estimate recomputed per resample), so it carries the variation between
//   prompts, which dominates: tokens of one prompt are not independent trials.
// - per position k: a_k = kept / reached at draft position k (gamma_max runs).
// - per gamma g: accepted / drafted of the runs at g, the ratio runtimes such as llama.cpp
//   print, beside the ratio alpha predicts under i.i.d. acceptance.
// - per prompt: its alpha (gamma_max run) and the 10/50/90th percentiles over prompts.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"
#include "runtime/executor/token_model.h"

namespace specmap {

struct AcceptanceOptions {
  int gamma_max = 8;                  // 1..64
  std::size_t new_tokens = 64;        // generated per prompt and gamma
  std::optional<double> temperature;  // empty: greedy
  std::uint64_t seed = 0;             // sampling and the bootstrap
  int bootstrap_resamples = 2000;
  double interval_level = 0.90;
};

struct AcceptanceProgress {
  int gamma = 0;
  std::size_t prompt = 0;  // 0-based, of the one just finished
  std::size_t runs_done = 0;
  std::size_t runs_total = 0;
};
using AcceptanceProgressHook = std::function<void(const AcceptanceProgress&)>;

// The counters of one generation (one prompt at one gamma).
struct AcceptanceRun {
  std::size_t prompt = 0;
  int gamma = 0;
  std::int64_t drafted = 0;
  std::int64_t accepted = 0;
  std::int64_t rejections = 0;
  std::vector<std::int64_t> position_reached;  // [k]: draft position k+1
  std::vector<std::int64_t> position_accepted;
  std::vector<int> tokens;  // generated
};

struct Interval {
  double low = 0;
  double high = 0;
};

struct PositionAcceptance {
  int position = 0;  // 1-based
  std::int64_t reached = 0;
  std::int64_t accepted = 0;
  std::optional<double> rate;  // accepted / reached; empty when never reached
};

struct GammaAcceptance {
  int gamma = 0;
  std::int64_t drafted = 0;
  std::int64_t accepted = 0;
  std::int64_t rejections = 0;
  std::optional<double> ratio;             // accepted / drafted
  std::optional<double> ratio_from_alpha;  // what the pooled alpha predicts at this gamma
  std::optional<double> alpha_from_ratio;  // the ratio converted back (specmap's workload rule)
};

struct PromptAcceptance {
  std::size_t prompt = 0;
  std::int64_t accepted = 0;  // gamma_max run
  std::int64_t rejections = 0;
  std::optional<double> alpha;
  // Its acceptance per draft position, for a per-sample workload: its own counts shrunk
  // toward the pooled a_k with kShrinkTrials pseudo-trials, so a position it reached
  // rarely (or never) is not a 0 or 1 from one or two trials.
  std::vector<double> per_position;
};

struct Percentiles {
  double p10 = 0;
  double p50 = 0;  // the median
  double p90 = 0;
};

struct AcceptanceMeasurement {
  int gamma_max = 0;
  std::int64_t accepted = 0;  // gamma_max runs, pooled
  std::int64_t rejections = 0;
  std::int64_t drafted = 0;
  std::optional<double> alpha;
  std::optional<Interval> alpha_interval;
  double interval_level = 0.90;
  int bootstrap_resamples = 0;
  std::vector<PositionAcceptance> positions;  // 1..gamma_max
  std::vector<GammaAcceptance> gammas;        // 1..gamma_max
  std::vector<PromptAcceptance> prompts;
  std::optional<Percentiles> prompt_alpha_percentiles;  // over prompts with a trial
  std::size_t prompts_without_trials = 0;
  // Greedy only: every gamma produced the same tokens for each prompt (they must: greedy
  // speculative decoding emits the target's own greedy output).
  std::optional<bool> greedy_outputs_agree;
};

inline constexpr double kShrinkTrials = 2.0;

// Runs the generations and summarises them. Errors: gamma_max outside 1..64, no prompts,
// new_tokens 0, a bad resample count or level, and whatever decoding reports.
Result<AcceptanceMeasurement> measure_acceptance(runtime::TokenModel& draft, runtime::TokenModel& target,
                                                 const std::vector<std::vector<int>>& prompts,
                                                 const AcceptanceOptions& options,
                                                 const AcceptanceProgressHook& progress = {});

// The summary alone, from the runs' counters (every prompt x gamma 1..gamma_max once).
AcceptanceMeasurement summarize_acceptance(const std::vector<AcceptanceRun>& runs, std::size_t prompts,
                                           const AcceptanceOptions& options);

// Linear interpolation between order statistics (the common "type 7" definition);
// `values` need not be sorted; requires a non-empty span and q in [0, 1].
double percentile(std::span<const double> values, double q);

}  // namespace specmap
