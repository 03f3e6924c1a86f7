#pragma once
// The validation harness: predicts every candidate of a study, runs the same candidates on
// this host's cores and sets each measured time per token against its prediction and 90%
// prediction interval.
//
// Acceptance, controlled (synthetic weights). Synthetic weights carry no agreement between
// draft and target, so every case runs with controlled acceptance (each drafted token kept
// with probability alpha, both models still run in full). A case's prediction is made at the
// acceptance its runs measured (the Leviathan alpha estimate over all its runs), as the cost
// model is meant to be used with a measured acceptance; the prediction at the nominal alpha
// is kept beside it.
//
// Acceptance, measured (real weights, ValidationOptions::prompt_ids). The runs decode real
// prompts with the pair's real acceptance, and a case is predicted from the workload's
// acceptance: the one `specmap acceptance` measured on a different prompt set, so the figure
// includes the error of the acceptance estimate. The prediction at the acceptance the case's
// own runs measured is kept beside it (`nominal`: the cost model's error alone).
//
// Drift. A shared machine is not equally fast at all times: its speed moves in phases of
// minutes. Three things keep that out of the model's figures (docs/validation.md):
//   - the schedule interleaves the competing cases (validate/run_schedule.h) and splits
//     every case's runs into two halves a round apart, whose ratio is the noise floor;
//   - before a group's cases in every round the profile points the group's predictions read
//     are re-measured in passes of their own (validate/fresh_profile.h): the prediction
//     ("fresh") is made from them; the prediction from the committed profile
//     ("stale-profile") is kept beside it;
//   - every run records the machine's state (runtime/measure/run_conditions.h) and runs
//     during which other processes used the run's cores are flagged.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "cost/prediction.h"
#include "runtime/measure/pass_stalls.h"
#include "runtime/measure/run_conditions.h"
#include "study/study.h"
#include "validate/prediction_interval.h"

namespace specmap {

// How the fresh profile points are timed (docs/validation.md): in the order the speculative
// loop runs them, each model's passes beside the other's (validate/fresh_profile.h
// loop_order), or each model's points back to back, one model after the other.
enum class FreshOrder { loop, alone };

struct ValidationOptions {
  std::vector<int> gammas = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  // Controlled acceptance of the speculative cases; empty: the workload's mean alpha.
  std::vector<double> alphas;
  int prompts = 3;      // distinct synthetic prompts per case (seed, seed + 1, ...)
  // Real prompts (token ids, each of the workload's prompt length): measured acceptance, the
  // runs' prompt p is prompt_ids[p] and `prompts` is their count; `alphas` must be empty.
  std::vector<std::vector<int>> prompt_ids;
  int repetitions = 2;  // runs of every prompt
  std::uint64_t seed = 0;
  // Prompt lengths at which c = t_draft / t_target of one whole forward pass is measured
  // and predicted for every mapping (the paper's Fig. 6); empty: not measured.
  std::vector<Tokens> c_prompts;
  int c_repetitions = 7;  // passes per model and prompt length (median kept)
  // Mappings validated besides every whole-model pair of runnable PUs (CPU PUs and OpenCL
  // PUs), as "DRAFT -> TARGET" in mapping_text form, e.g. "ocl -> cpu:embedding..block.7 ocl:head".
  std::vector<std::string> mappings;
  // Schedules of the speculative cases; an overlapped case needs draft and target on
  // different PUs (others are listed as skipped with the cost model's reason).
  std::vector<Schedule> schedules = {Schedule::sequential};
  // Also validate the search's pick: the experiment's search over its whole space with the
  // measured profiles, at the workload's acceptance; its mapping and schedule join the cases.
  bool search_pick = true;
  FreshOrder fresh_order = FreshOrder::loop;
};

struct ValidationProgress {
  std::string experiment;
  std::size_t done = 0;   // runs finished
  std::size_t total = 0;  // runs in this experiment
  std::string what;       // the case being run
};
using ValidationProgressHook = std::function<void(const ValidationProgress&)>;

// One run of a case: where it sat in the schedule and what the machine did meanwhile.
struct RunRecord {
  int round = 0;
  int repetition = 0;
  int prompt = 0;
  int half = 0;  // 0: A, 1: B (validate/run_schedule.h)
  Seconds time_per_token = 0;
  runtime::RunConditions conditions;
  std::int64_t accepted = 0;  // this run's acceptance counters
  std::int64_t rejections = 0;
  runtime::PassStalls stalls;  // passes of this run that stalled (runtime/measure/pass_stalls.h)
};

// What the runs of one case measured, pooled over prompts and repetitions.
struct CaseMeasurement {
  std::vector<Seconds> run_time_per_token;  // one value per run, in run order
  std::vector<RunRecord> runs;              // the same runs, with their conditions
  // Per half (A, B): decoding seconds and tokens.
  Seconds half_seconds[2] = {0, 0};
  std::int64_t half_tokens[2] = {0, 0};
  Seconds total_seconds = 0;
  std::int64_t tokens = 0;
  std::int64_t iterations = 0;
  std::int64_t drafted = 0;
  std::int64_t accepted = 0;
  std::int64_t rejections = 0;
  Seconds draft_seconds = 0;   // in draft-model calls
  Seconds target_seconds = 0;  // in target-model calls
  Seconds other_seconds = 0;   // sampling, verification, bookkeeping

  [[nodiscard]] Seconds time_per_token() const { return tokens > 0 ? total_seconds / double(tokens) : 0; }
  // Leviathan alpha (maximum likelihood, accepted / (accepted + rejections)); empty at gamma 0.
  [[nodiscard]] std::optional<double> alpha_estimate() const;
  [[nodiscard]] std::optional<double> accept_ratio() const;  // accepted / drafted
  // Relative spread of the runs: sample standard deviation over the mean (0 with one run).
  [[nodiscard]] double run_spread() const;
  // Time per token of half A over that of half B, minus 1; empty without both halves.
  [[nodiscard]] std::optional<double> half_difference() const;
  [[nodiscard]] std::size_t disturbed_runs() const;
  [[nodiscard]] std::size_t stalled_runs() const;  // runs with at least one stalled pass
  // Stalled passes over all runs, and their time beyond their neighbours' (part of total_seconds).
  [[nodiscard]] std::int64_t stalled_passes() const;
  [[nodiscard]] Seconds stall_seconds() const;
  // Share of the measured time that stalled passes took beyond their neighbours.
  [[nodiscard]] double stall_share() const { return total_seconds > 0 ? stall_seconds() / total_seconds : 0; }
  // The time per token had every stalled pass taken its neighbours' median: what the machine
  // did outside the model's reach removed, and said so wherever it is reported.
  [[nodiscard]] Seconds time_per_token_without_stalls() const {
    return tokens > 0 ? (total_seconds - stall_seconds()) / double(tokens) : 0;
  }
  // The runs' tail: their passes' time beyond the median of their neighbours of the same kind
  // (PassStalls::beyond_neighbours), stalls included, and its share of the measured time.
  [[nodiscard]] Seconds tail_seconds() const;
  [[nodiscard]] double tail_share() const { return total_seconds > 0 ? tail_seconds() / total_seconds : 0; }
  // The time per token had every pass taken its neighbours' median: the typical pass's speed,
  // which is what the profile points' medians measure.
  [[nodiscard]] Seconds time_per_token_typical() const {
    return tokens > 0 ? (total_seconds - tail_seconds()) / double(tokens) : 0;
  }
};

struct ValidationCase {
  std::string id;          // "<experiment>/<variant>/g<gamma>[/a<alpha>]", unique
  std::string experiment;  // experiment name
  std::string variant;
  std::string mapping;  // "draft -> target" in mapping_text form
  int gamma = 0;
  Schedule schedule = Schedule::sequential;
  std::optional<double> controlled_alpha;  // empty at gamma 0 and with measured acceptance
  // Measured acceptance: the Leviathan estimate the workload's acceptance (which the
  // prediction used) implies for runs at this gamma, the statistic measured.alpha_estimate()
  // measures (empty at gamma 0).
  std::optional<double> predicted_alpha;
  // Measured acceptance: the fresh prediction's time per token at alpha 0, 0.05, ..., 1, for
  // the predicted speedup-versus-alpha curve (the paper's Fig. 7).
  std::vector<std::pair<double, Seconds>> alpha_curve;
  // Predictions at the measured acceptance: from the profile points re-measured beside the
  // runs ("fresh"), and from the committed profile ("stale-profile").
  Prediction predicted;                    // fresh
  Prediction stale;                        // stale-profile
  // Controlled: stale-profile, at the controlled (nominal) alpha. Measured: fresh, at the
  // alpha the case's runs measured.
  Prediction nominal;
  PredictionInterval interval;             // 90%, around predicted
  double noise_half_width = 0;             // relative half-width its interval carries for run noise
  double profile_half_width = 0;           // ... for the profile figures' spread
  double acceptance_half_width = 0;        // ... for the acceptance (its wider side)
  CaseMeasurement measured;
  // predicted / measured - 1 (positive: the model expects a slower run than measured).
  double deviation = 0;
  // The same against measured.time_per_token_without_stalls(): the model's error with the
  // stalls the machine added taken out (the headline figure stays `deviation`).
  double deviation_without_stalls = 0;
  // The same against measured.time_per_token_typical(): the model's error on the typical pass,
  // the machine's tail (all passes slower or faster than their neighbours) taken out.
  double deviation_typical = 0;
  double stale_deviation = 0;
  double nominal_deviation = 0;
  // Over the experiment's best gamma 0 case, predicted and measured respectively.
  double predicted_speedup = 0;
  double measured_speedup = 0;
  // Over the gamma 0 case of the same variant and target mapping, run interleaved with this
  // one (a ratio of runs close in time); empty at gamma 0 or without such a case.
  std::string baseline_case;
  std::optional<double> baseline_predicted_speedup;  // fresh predictions
  std::optional<double> baseline_measured_speedup;
  [[nodiscard]] std::optional<double> speedup_deviation() const {
    if (!baseline_predicted_speedup || !baseline_measured_speedup || *baseline_measured_speedup <= 0)
      return std::nullopt;
    return *baseline_predicted_speedup / *baseline_measured_speedup - 1;
  }
};

struct SkippedCase {
  std::string id;
  std::string reason;
};

// c of one mapping at one prompt length: predicted from the profiles, measured on the host.
struct CPoint {
  std::string variant;
  std::string mapping;
  Tokens prompt_tokens = 0;
  Seconds predicted_draft = 0, predicted_target = 0;
  Seconds measured_draft = 0, measured_target = 0;
  Provenance source = Provenance::unavailable;  // the less measured of the two predictions
  [[nodiscard]] double predicted_c() const { return predicted_target > 0 ? predicted_draft / predicted_target : 0; }
  [[nodiscard]] double measured_c() const { return measured_target > 0 ? measured_draft / measured_target : 0; }
};

// The re-measured profile points of one group against the committed profile's figures.
struct DriftCheck {
  std::string variant;
  std::string mapping;
  std::size_t draft_points = 0, target_points = 0;  // points re-measured per round
  int rounds = 0;                                   // rounds they were re-measured in
  // Median over the points of fresh / committed - 1, for the draft and the target.
  double draft_change = 0, target_change = 0;
  // FreshSamples::tail_factor of the draft and the target: the mean pass over the median one,
  // by which the fresh points were scaled (the changes above include it).
  double draft_tail = 1, target_tail = 1;
  // Overlapped groups: each role's slowdown the fresh prediction read (re-measured beside the
  // group) and the committed profile's, as factors >= 1.
  bool contention = false;
  double draft_slowdown = 1, target_slowdown = 1;
  double stale_draft_slowdown = 1, stale_target_slowdown = 1;
  [[nodiscard]] double largest() const;  // the larger absolute change of the two
};

// The search's choice checked by measurement: its case against the fastest measured case.
struct SearchPickCheck {
  std::string case_id;        // the validated case of the pick ("" when it was not runnable)
  std::string description;    // variant, mapping, gamma, schedule
  std::string not_run_reason;
  Seconds predicted = 0;      // at the workload's acceptance
  Seconds measured = 0;
  std::string best_measured_case;
  Seconds best_measured = 0;
  // measured(pick) / measured(best) - 1: 0 when the pick is the measured best.
  [[nodiscard]] double regret() const { return best_measured > 0 && measured > 0 ? measured / best_measured - 1 : 0; }
};

struct ExperimentValidation {
  std::string name;
  std::string profile_path;
  std::vector<ValidationCase> cases;
  std::vector<CPoint> c_points;  // with ValidationOptions::c_prompts
  std::vector<DriftCheck> drift;  // one per group (a variant and mapping)
  std::string schedule;           // how the runs were ordered (describe_schedule)
  std::vector<SkippedCase> skipped;  // infeasible or not runnable here, with the reason
  std::optional<SearchPickCheck> search_pick;
  bool measured_acceptance = false;  // real prompts and weights (see the top of this file)
};

// Ok when `options` can be run on `workload` (one request shape, gamma 0 included, ...).
Status check_validation_options(const ValidationOptions& options, const Workload& workload);

// "DRAFT -> TARGET" (mapping_text forms) as a Mapping of the study's models.
Result<Mapping> parse_case_mapping(const Study& study, const std::string& text);

// Runs the validation of one study (its profiles already replaced by the measured ones).
// Errors: a case cannot be built or run, no runnable case, an option out of range.
Result<ExperimentValidation> validate_study(const Study& study, const std::string& profile_path,
                                           const ValidationOptions& options,
                                           const ValidationProgressHook& on_progress = {});

// Sets every speculative case's speedup over the gamma 0 case of the same variant and target
// mapping (predicted from both fresh predictions, measured from both cases' runs).
void pair_with_baselines(std::vector<ValidationCase>& cases);

}  // namespace specmap
