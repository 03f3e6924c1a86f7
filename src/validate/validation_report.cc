#include "validate/validation_report.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/format.h"
#include "specmap_version.h"
#include "report/svg_plot.h"

namespace specmap {
namespace {

// The targets the project holds itself to (README, issue of the validation harness).
constexpr double kTargetMedian = 0.02;
constexpr double kTargetP95 = 0.05;
constexpr double kTargetRegret = 0.02;
constexpr double kTargetCoverageLow = 0.85;
constexpr double kTargetCoverageHigh = 0.97;
constexpr double kTargetHalfWidthOverNoise = 2.0;
constexpr double kTargetSpeedup = 0.02;

std::string ms(Seconds s, int decimals = 3) { return fixed(s * 1e3, decimals); }
std::string percent(double v, int decimals = 1) { return fixed(v * 100, decimals) + "%"; }
std::string signed_percent(double v) { return (v >= 0 ? "+" : "") + percent(v, 2); }
std::string optional_number(const std::optional<double>& v) { return v ? fixed(*v, 4) : ""; }
nlohmann::ordered_json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
}
std::string optional_percent(const std::optional<double>& v, int decimals = 2) {
  return v ? percent(*v, decimals) : std::string("-");
}

bool several_alphas(const std::vector<ExperimentValidation>& experiments) {
  std::set<double> alphas;
  for (const auto& e : experiments)
    for (const auto& c : e.cases)
      if (c.controlled_alpha) alphas.insert(*c.controlled_alpha);
  return alphas.size() > 1;
}

std::string met(bool ok) { return ok ? "met" : "**not met**"; }

bool any_measured_acceptance(const std::vector<ExperimentValidation>& experiments) {
  for (const auto& e : experiments)
    if (e.measured_acceptance) return true;
  return false;
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (char ch : s) out += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') ? ch : '_';
  return out;
}

}  // namespace

// An overlapped case and the sequential case of the same variant, mapping, gamma and alpha.
struct OverlapPair {
  const ValidationCase* overlapped;
  const ValidationCase* sequential;
  [[nodiscard]] double predicted_gain() const {
    return overlapped->predicted.time_per_token > 0
               ? sequential->predicted.time_per_token / overlapped->predicted.time_per_token
               : 0;
  }
  [[nodiscard]] double measured_gain() const {
    return overlapped->measured.time_per_token() > 0
               ? sequential->measured.time_per_token() / overlapped->measured.time_per_token()
               : 0;
  }
};

std::vector<OverlapPair> overlap_pairs(const ExperimentValidation& e) {
  std::vector<OverlapPair> pairs;
  for (const auto& o : e.cases) {
    if (o.schedule != Schedule::overlapped) continue;
    for (const auto& q : e.cases)
      if (q.schedule == Schedule::sequential && q.variant == o.variant && q.mapping == o.mapping &&
          q.gamma == o.gamma && q.controlled_alpha == o.controlled_alpha)
        pairs.push_back({&o, &q});
  }
  return pairs;
}

std::string cases_csv(const std::vector<ExperimentValidation>& experiments) {
  std::ostringstream out;
  out << "experiment,case,variant,mapping,gamma,schedule,controlled_alpha,measured_alpha,accept_ratio,runs,tokens,"
         "predicted_s_per_token,interval_low_s,interval_high_s,measured_s_per_token,deviation,in_interval,"
         "run_spread,predicted_speedup,measured_speedup,nominal_predicted_s_per_token,nominal_deviation,"
         "source,iterations,predicted_draft_s_per_token,predicted_target_s_per_token,predicted_prefill_s_per_token,"
         "predicted_other_s_per_token,measured_draft_s_per_token,measured_target_s_per_token,"
         "measured_other_s_per_token,interval_noise,stale_predicted_s_per_token,stale_deviation,"
         "half_a_s_per_token,half_b_s_per_token,half_difference,baseline_case,baseline_predicted_speedup,"
         "baseline_measured_speedup,speedup_deviation,disturbed_runs,median_cpu_per_wall,max_others_share,"
         "steal_s,mean_load_average,predicted_alpha,interval_profile,interval_acceptance,stalled_runs,"
         "stalled_passes,stall_share,measured_without_stalls_s_per_token,deviation_without_stalls,tail_share,"
         "measured_typical_s_per_token,deviation_typical\n";
  for (const auto& e : experiments) {
    for (const auto& c : e.cases) {
      const Seconds measured = c.measured.time_per_token();
      out << csv_field(e.name) << ',' << csv_field(c.id) << ',' << csv_field(c.variant) << ','
          << csv_field(c.mapping) << ',' << c.gamma << ',' << schedule_name(c.schedule) << ','
          << optional_number(c.controlled_alpha) << ','
          << optional_number(c.measured.alpha_estimate()) << ',' << optional_number(c.measured.accept_ratio())
          << ',' << c.measured.run_time_per_token.size() << ',' << c.measured.tokens << ','
          << sig(c.predicted.time_per_token) << ',' << sig(c.interval.low) << ',' << sig(c.interval.high) << ','
          << sig(measured) << ',' << fixed(c.deviation, 5) << ',' << (c.interval.contains(measured) ? "yes" : "no")
          << ',' << fixed(c.measured.run_spread(), 5) << ',' << fixed(c.predicted_speedup, 4) << ','
          << fixed(c.measured_speedup, 4) << ',' << sig(c.nominal.time_per_token) << ','
          << fixed(c.nominal_deviation, 5) << ',' << provenance_name(c.predicted.coarsest_source) << ','
          << c.measured.iterations << ',';
      // Where the time goes, per generated token: the model's breakdown (decoding passes of
      // each model, prefill of both, the rest) beside the runtime's clocks (each model's
      // calls, its prompt included, and everything between them).
      const Breakdown& b = c.predicted.breakdown;
      const double tokens = c.measured.tokens > 0 ? double(c.measured.tokens) : 1.0;
      out << sig(b.draft) << ',' << sig(b.target) << ',' << sig(b.prefill) << ','
          << sig(b.transfers + b.overheads + b.sampling) << ',' << sig(c.measured.draft_seconds / tokens) << ','
          << sig(c.measured.target_seconds / tokens) << ',' << sig(c.measured.other_seconds / tokens) << ','
          << fixed(c.noise_half_width, 5) << ',';
      // Beside the fresh prediction: the committed profile's, the two halves, the speedup over
      // the gamma 0 case run beside it, and what the machine did during the runs.
      const CaseMeasurement& m = c.measured;
      auto half = [&](int h) { return m.half_tokens[h] > 0 ? sig(m.half_seconds[h] / double(m.half_tokens[h])) : ""; };
      std::vector<double> ratios;
      double others = 0, steal = 0, load = 0;
      int loads = 0;
      for (const RunRecord& r : m.runs) {
        ratios.push_back(r.conditions.cpu_per_wall());
        others = std::max(others, r.conditions.others_share);
        steal += r.conditions.steal;
        if (r.conditions.load_average >= 0) {
          load += r.conditions.load_average;
          ++loads;
        }
      }
      out << sig(c.stale.time_per_token) << ',' << fixed(c.stale_deviation, 5) << ',' << half(0) << ',' << half(1)
          << ',' << (m.half_difference() ? fixed(*m.half_difference(), 5) : "") << ',' << csv_field(c.baseline_case)
          << ',' << optional_number(c.baseline_predicted_speedup) << ','
          << optional_number(c.baseline_measured_speedup) << ','
          << (c.speedup_deviation() ? fixed(*c.speedup_deviation(), 5) : "") << ',' << m.disturbed_runs() << ','
          << fixed(median(ratios), 3) << ',' << fixed(others, 4) << ',' << sig(steal) << ','
          << (loads > 0 ? fixed(load / loads, 2) : "") << ',' << optional_number(c.predicted_alpha) << ','
          << fixed(c.profile_half_width, 5) << ',' << fixed(c.acceptance_half_width, 5) << ','
          << m.stalled_runs() << ',' << m.stalled_passes() << ',' << fixed(m.stall_share(), 5) << ','
          << sig(m.time_per_token_without_stalls()) << ',' << fixed(c.deviation_without_stalls, 5) << ','
          << fixed(m.tail_share(), 5) << ',' << sig(m.time_per_token_typical()) << ','
          << fixed(c.deviation_typical, 5) << '\n';
    }
  }
  return out.str();
}

std::string summary_json(const std::vector<ExperimentValidation>& experiments, const ValidationSummary& s,
                         const ValidationContext& context) {
  nlohmann::ordered_json j;
  j["specmap_version"] = SPECMAP_VERSION;
  j["machine"] = context.machine;
  j["command"] = context.command;
  j["n_cases"] = s.n_cases;
  j["median_abs_deviation"] = s.median_abs_deviation;
  j["p95_abs_deviation"] = s.p95_abs_deviation;
  j["max_abs_deviation"] = s.max_abs_deviation;
  j["median_signed_deviation"] = s.median_signed_deviation;
  j["interval_coverage"] = s.interval_coverage;
  j["median_interval_half_width"] = s.median_interval_half_width;
  j["noise_floor"] = optional_json(s.noise_floor);
  j["p95_noise_floor"] = optional_json(s.p95_noise_floor);
  j["n_noise_cases"] = s.n_noise_cases;
  j["best_pick_regret"] = s.best_pick_regret;
  j["median_speedup_deviation"] = optional_json(s.median_speedup_deviation);
  j["p95_speedup_deviation"] = optional_json(s.p95_speedup_deviation);
  j["n_speedup_cases"] = s.n_speedup_cases;
  j["stale_profile"] = {{"median_abs_deviation", s.stale_median_abs_deviation},
                        {"p95_abs_deviation", s.stale_p95_abs_deviation},
                        {"median_signed_deviation", s.stale_median_signed_deviation},
                        {"median_speedup_deviation", optional_json(s.stale_median_speedup_deviation)}};
  j["run_conditions"] = {{"runs", s.n_runs},
                         {"disturbed_runs", s.disturbed_runs},
                         {"disturbed_share_threshold", runtime::kDisturbedShare},
                         {"median_cpu_per_wall", s.median_cpu_per_wall},
                         {"median_others_share", s.median_others_share},
                         {"max_others_share", s.max_others_share},
                         {"steal_seconds", s.steal_seconds},
                         {"stalled_runs", s.stalled_runs},
                         {"stall_share", s.stall_share},
                         {"stall_factor", runtime::kStallFactor},
                         {"median_load_average", s.median_load_average < 0 ? nlohmann::ordered_json()
                                                                          : nlohmann::ordered_json(s.median_load_average)},
                         {"min_frequency_mhz", optional_json(s.min_frequency_mhz)},
                         {"max_frequency_mhz", optional_json(s.max_frequency_mhz)}};
  nlohmann::ordered_json best_predicted = nlohmann::ordered_json::object();
  nlohmann::ordered_json best_measured = nlohmann::ordered_json::object();
  for (const auto& pick : s.best_picks) {
    best_predicted[pick.experiment] = pick.best_predicted;
    best_measured[pick.experiment] = pick.best_measured;
  }
  j["best_predicted"] = best_predicted;
  j["best_measured"] = best_measured;
  j["nominal_alpha"] = {{"median_abs_deviation", s.nominal_median_abs_deviation},
                        {"p95_abs_deviation", s.nominal_p95_abs_deviation}};
  j["without_stalls"] = {{"median_abs_deviation", s.median_abs_deviation_without_stalls},
                         {"p95_abs_deviation", s.p95_abs_deviation_without_stalls}};
  j["typical_pass"] = {{"tail_share", s.tail_share},
                       {"median_abs_deviation", s.median_abs_deviation_typical},
                       {"p95_abs_deviation", s.p95_abs_deviation_typical}};
  j["median_run_spread"] = s.median_run_spread;
  j["targets"] = {{"median_abs_deviation", kTargetMedian},
                  {"p95_abs_deviation", kTargetP95},
                  {"best_pick_regret", kTargetRegret},
                  {"interval_coverage_min", kTargetCoverageLow},
                  {"interval_coverage_max", kTargetCoverageHigh},
                  {"median_interval_half_width_over_noise_floor", kTargetHalfWidthOverNoise},
                  {"median_speedup_deviation", kTargetSpeedup}};
  j["definitions"] = {
      {"deviation",
       "predicted / measured - 1 of the time per token, prediction at the measured acceptance from the profile "
       "points re-measured beside the runs (fresh); stale_profile: the same from the committed profile"},
      {"noise_floor", "median over cases of |half A / half B - 1|: the same work repeated a round apart"},
      {"typical_pass",
       "every pass at the median of its 8 nearest passes of the same model, token and row count in its run; "
       "tail_share: the measured time beyond that; the deviation against it is the model's error on the "
       "typical pass"},
      {"speedup_deviation",
       "predicted / measured speedup - 1 over the gamma 0 case of the same variant and target mapping, run "
       "interleaved with the case"},
      {"interval",
       "90% from the fresh points' standard error, the acceptance estimate's binomial error and the runs' "
       "noise (from the noise floor)"},
      {"acceptance", any_measured_acceptance(experiments)
                         ? "measured: real weights decode real prompts; each case is predicted at the workload's "
                           "acceptance, which `specmap acceptance` measured on a different prompt set "
                           "(predicted_alpha), beside the alpha its runs measured (measured_alpha); nominal_alpha: "
                           "the fresh prediction at the runs' own alpha (the cost model's error alone)"
                         : "controlled: each drafted token kept with probability alpha; both models run in full"}};
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < experiments.size(); ++i) {
    const auto& e = experiments[i];
    nlohmann::ordered_json x;
    x["name"] = e.name;
    x["profile"] = e.profile_path;
    x["n_cases"] = e.cases.size();
    x["skipped"] = e.skipped.size();
    for (const auto& pick : s.best_picks) {
      if (pick.experiment != e.name) continue;
      x["best_predicted"] = pick.best_predicted;
      x["best_measured"] = pick.best_measured;
      x["best_pick_regret"] = pick.regret;
      x["median_abs_deviation"] = pick.median_abs_deviation;
      x["p95_abs_deviation"] = pick.p95_abs_deviation;
      x["stale_median_abs_deviation"] = pick.stale_median_abs_deviation;
      x["interval_coverage"] = pick.interval_coverage;
      x["noise_floor"] = optional_json(pick.noise_floor);
      x["median_speedup_deviation"] = optional_json(pick.median_speedup_deviation);
    }
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const auto& d : e.drift)
      checks.push_back({{"variant", d.variant},
                        {"mapping", d.mapping},
                        {"draft_points", d.draft_points},
                        {"target_points", d.target_points},
                        {"rounds", d.rounds},
                        {"draft_change", d.draft_change},
                        {"target_change", d.target_change},
                        {"draft_tail_factor", d.draft_tail},
                        {"target_tail_factor", d.target_tail}});
    for (std::size_t i = 0; i < e.drift.size(); ++i)
      if (e.drift[i].contention)
        checks[i]["contention"] = {{"draft_slowdown", e.drift[i].draft_slowdown},
                                   {"target_slowdown", e.drift[i].target_slowdown},
                                   {"stale_draft_slowdown", e.drift[i].stale_draft_slowdown},
                                   {"stale_target_slowdown", e.drift[i].stale_target_slowdown}};
    x["drift_checks"] = checks;
    if (e.measured_acceptance) {
      nlohmann::ordered_json acceptance = nlohmann::ordered_json::array();
      for (const auto& c : e.cases)
        if (c.gamma > 0)
          acceptance.push_back({{"case", c.id},
                                {"predicted_alpha", optional_json(c.predicted_alpha)},
                                {"measured_alpha", optional_json(c.measured.alpha_estimate())}});
      x["acceptance_predicted_vs_measured"] = acceptance;
    }
    x["schedule"] = e.schedule;
    if (e.search_pick) {
      const SearchPickCheck& p = *e.search_pick;
      x["search_pick"] = {{"candidate", p.description},
                          {"case", p.case_id},
                          {"not_run", p.not_run_reason},
                          {"predicted_s_per_token", p.predicted},
                          {"measured_s_per_token", p.measured},
                          {"best_measured_case", p.best_measured_case},
                          {"best_measured_s_per_token", p.best_measured},
                          {"regret", p.regret()}};
    }
    nlohmann::ordered_json overlap = nlohmann::ordered_json::array();
    for (const OverlapPair& pair : overlap_pairs(e))
      overlap.push_back({{"case", pair.overlapped->id},
                         {"sequential_case", pair.sequential->id},
                         {"predicted_gain", pair.predicted_gain()},
                         {"measured_gain", pair.measured_gain()}});
    x["overlap_vs_sequential"] = overlap;
    list.push_back(x);
  }
  j["experiments"] = list;
  std::vector<std::string> schedules;
  for (Schedule sc : context.options.schedules) schedules.emplace_back(schedule_name(sc));
  j["options"] = {{"gammas", context.options.gammas},
                  {"schedules", schedules},
                  {"mappings", context.options.mappings},
                  {"c_prompts", context.options.c_prompts},
                  {"alphas", context.options.alphas},
                  {"prompts", context.options.prompts},
                  {"repetitions", context.options.repetitions},
                  {"seed", context.options.seed},
                  {"fresh_order", context.options.fresh_order == FreshOrder::loop ? "loop" : "alone"}};
  return j.dump(2) + "\n";
}

std::string validation_markdown(const std::vector<ExperimentValidation>& experiments, const ValidationSummary& s,
                                const ValidationContext& context) {
  std::ostringstream md;
  md << "# Validation: predicted versus measured time per token\n\n";
  md << "Machine: " << context.machine << ". Made by:\n\n```\n" << context.command << "\n```\n\n";
  if (any_measured_acceptance(experiments)) {
    md << "Every case is a design variant, a mapping, a gamma and a schedule of the experiment, run "
       << context.options.prompts << " real prompts x " << context.options.repetitions
       << " repetitions on this host with the models' checkpoints. Acceptance is **measured**: the runs "
          "decode the prompts with the pair's own agreement, and every case is predicted at the workload's "
          "acceptance, which `specmap acceptance` measured on a *different* prompt set, so the deviation "
          "includes the error of the acceptance estimate (cases.csv: predicted_alpha beside measured_alpha). "
          "The deviation at the nominal alpha is the fresh prediction at the alpha the case's runs measured: "
          "the cost model's error alone. The deviation is predicted / measured - 1 of the time per token "
          "(prompt processing included).\n\n";
  } else {
    md << "Every case is a design variant, a mapping, a gamma and a schedule (and a controlled alpha) of "
          "the experiment, run "
       << context.options.prompts << " prompts x " << context.options.repetitions
       << " repetitions on this host (its cores, and its OpenCL device where the mapping says so) with "
          "synthetic weights. Acceptance is **controlled**: each "
          "drafted token is kept with probability alpha while both models run in full, because synthetic "
          "weights do not agree. The prediction is made at the acceptance the runs measured; the deviation "
          "is predicted / measured - 1 of the time per token (prompt processing included).\n\n";
  }
  md <<
        "**Fresh** predictions read the profile points their group needs (draft steps, verifications of "
        "gamma + 1 rows, prefill at the workload's contexts), re-measured in passes of their own before the "
        "group's cases in every round (in the order the schedule below states), never the cases' runs; the **stale-profile** prediction reads the "
        "committed profile from the separate `specmap profile` run. The figures against the targets are the "
        "fresh ones; the stale-profile ones stand beside them. Each 90% interval carries the fresh points' "
        "standard error, the acceptance estimate's error and the runs' own noise (from the noise floor).\n\n";
  if (!experiments.empty()) md << "Schedule: " << experiments.front().schedule << "\n\n";

  const bool noise_known = s.noise_floor.has_value();
  const double floor = s.noise_floor.value_or(0);
  auto beside = [&](double v) {
    if (!noise_known || floor <= 0) return std::string();
    return " (" + fixed(v / floor, 1) + "x the noise floor)";
  };
  md << "| figure | fresh | stale-profile | target | |\n|---|---:|---:|---:|---|\n";
  md << "| cases | " << s.n_cases << " | | | |\n";
  md << "| noise floor: median \\|half A / half B - 1\\| | " << optional_percent(s.noise_floor) << " | | | "
     << (noise_known ? "" : "needs 2 repetitions") << " |\n";
  md << "| p95 noise floor | " << optional_percent(s.p95_noise_floor) << " | | | |\n";
  md << "| median absolute deviation | " << percent(s.median_abs_deviation, 2) << beside(s.median_abs_deviation)
     << " | " << percent(s.stale_median_abs_deviation, 2) << " | <= " << percent(kTargetMedian, 0) << " | "
     << met(s.median_abs_deviation <= kTargetMedian) << " |\n";
  md << "| p95 absolute deviation | " << percent(s.p95_abs_deviation, 2) << " | "
     << percent(s.stale_p95_abs_deviation, 2) << " | <= " << percent(kTargetP95, 0) << " | "
     << met(s.p95_abs_deviation <= kTargetP95) << " |\n";
  md << "| max absolute deviation | " << percent(s.max_abs_deviation, 2) << " | | | |\n";
  md << "| median signed deviation | " << signed_percent(s.median_signed_deviation) << " | "
     << signed_percent(s.stale_median_signed_deviation) << " | | |\n";
  md << "| median speedup deviation (over the gamma 0 case run beside it) | "
     << optional_percent(s.median_speedup_deviation) << " | " << optional_percent(s.stale_median_speedup_deviation)
     << " | <= " << percent(kTargetSpeedup, 0) << " | "
     << (s.median_speedup_deviation ? met(*s.median_speedup_deviation <= kTargetSpeedup) : std::string("-"))
     << " |\n";
  md << "| best-pick regret (worst experiment) | " << percent(s.best_pick_regret, 2) << " | | <= "
     << percent(kTargetRegret, 0) << " | " << met(s.best_pick_regret <= kTargetRegret) << " |\n";
  md << "| 90% interval coverage | " << percent(s.interval_coverage, 1) << " | | " << percent(kTargetCoverageLow, 0)
     << " .. " << percent(kTargetCoverageHigh, 0) << " | "
     << met(s.interval_coverage >= kTargetCoverageLow && s.interval_coverage <= kTargetCoverageHigh) << " |\n";
  md << "| median interval half-width (relative) | " << percent(s.median_interval_half_width, 2)
     << beside(s.median_interval_half_width) << " | | <= " << fixed(kTargetHalfWidthOverNoise, 0)
     << "x noise floor | "
     << (noise_known ? met(s.median_interval_half_width <= kTargetHalfWidthOverNoise * floor) : std::string("-"))
     << " |\n";
  md << "| median absolute deviation at the nominal alpha | | " << percent(s.nominal_median_abs_deviation, 2)
     << " | | |\n";
  md << "| median run-to-run spread of a case | " << percent(s.median_run_spread, 2) << " | | | |\n\n";
  if (noise_known && floor > kTargetMedian)
    md << "The noise floor (" << percent(floor, 2) << ") is above the " << percent(kTargetMedian, 0)
       << " target for the median deviation: the machine itself does not repeat a measurement that closely, so "
          "the model's error is shown against the noise floor.\n\n";

  md << "Runs and the machine (each run's wall and CPU time, /proc/stat busy and steal time of its cores, load "
        "average, clock): "
     << s.n_runs << " runs, " << s.disturbed_runs << " during which other processes used more than "
     << percent(runtime::kDisturbedShare, 0) << " of the run's cores (the largest share "
     << percent(s.max_others_share, 1) << ", median " << percent(s.median_others_share, 1)
     << "); median CPU / wall time of the runtime " << fixed(s.median_cpu_per_wall, 2) << "; steal "
     << fixed(s.steal_seconds, 2) << " s in all; median load average "
     << (s.median_load_average >= 0 ? fixed(s.median_load_average, 2) : std::string("unreadable")) << "; clock "
     << (s.min_frequency_mhz ? fixed(*s.min_frequency_mhz, 0) + " .. " + fixed(*s.max_frequency_mhz, 0) + " MHz"
                             : std::string("not readable here"))
     << ".\n\n";
  md << "Stalls: " << s.stalled_runs << " of the " << s.n_runs << " runs had passes that took more than "
     << fixed(runtime::kStallFactor, 0)
     << "x the passes of the same kind around them, or, for a kind the run has few of, more than "
     << fixed(runtime::kStallFactorAcrossKinds, 0)
     << "x the same model's passes of a similar size (docs/validation.md, \"Stalls\"); their time beyond "
        "those took "
     << percent(s.stall_share, 2) << " of the measured time. Against the measurements without it, the median "
        "absolute deviation is "
     << percent(s.median_abs_deviation_without_stalls, 2) << " and the p95 "
     << percent(s.p95_abs_deviation_without_stalls, 2)
     << " (the figures above, the targets' figures, keep the stalls in).\n\n";
  md << "Typical pass: had every pass taken the median of its neighbours of the same kind, the runs would "
        "have been "
     << percent(s.tail_share, 2)
     << " shorter (their tail, stalls included). Against that typical pass's speed, which the profile points' "
        "medians measure, the median absolute deviation is "
     << percent(s.median_abs_deviation_typical, 2) << " and the p95 " << percent(s.p95_abs_deviation_typical, 2)
     << ": the model's error on the typical pass, the machine's tail left out (a diagnostic, not the headline).\n\n";

  md << "## Per experiment\n\n| experiment | cases | noise floor | median abs. deviation | stale-profile | p95 | "
        "speedup deviation | 90% coverage | predicted best | measured best | regret |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|\n";
  for (const auto& pick : s.best_picks)
    md << "| " << pick.experiment << " | " << pick.n_cases << " | " << optional_percent(pick.noise_floor) << " | "
       << percent(pick.median_abs_deviation, 2) << " | " << percent(pick.stale_median_abs_deviation, 2) << " | "
       << percent(pick.p95_abs_deviation, 2) << " | " << optional_percent(pick.median_speedup_deviation) << " | "
       << percent(pick.interval_coverage, 1) << " | "
       << pick.best_predicted << " | " << pick.best_measured << " | " << percent(pick.regret, 2) << " |\n";

  for (const auto& e : experiments) {
    md << "\n## " << e.name << "\n\nProfiles: `" << e.profile_path << "`\n\n";
    md << "| case | alpha (measured) | predicted ms/token | 90% interval | measured ms/token | deviation | "
          "stale-profile deviation | half A / B - 1 | speedup over gamma 0 predicted | measured | runs disturbed | "
          "runs stalled (share of time) |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& c : e.cases) {
      const auto alpha = c.measured.alpha_estimate();
      md << "| " << c.id << " | " << (alpha ? fixed(*alpha, 3) : std::string("-")) << " | "
         << ms(c.predicted.time_per_token) << " | " << ms(c.interval.low) << " .. " << ms(c.interval.high)
         << " | " << ms(c.measured.time_per_token()) << " | " << signed_percent(c.deviation)
         << (c.interval.contains(c.measured.time_per_token()) ? "" : " (outside)") << " | "
         << signed_percent(c.stale_deviation) << " | "
         << (c.measured.half_difference() ? signed_percent(*c.measured.half_difference()) : std::string("-"))
         << " | " << (c.baseline_predicted_speedup ? fixed(*c.baseline_predicted_speedup, 3) : std::string("-"))
         << " | " << (c.baseline_measured_speedup ? fixed(*c.baseline_measured_speedup, 3) : std::string("-"))
         << " | " << c.measured.disturbed_runs() << "/" << c.measured.runs.size() << " | "
         << c.measured.stalled_runs() << "/" << c.measured.runs.size() << " (" << percent(c.measured.stall_share(), 1)
         << ") |\n";
    }
    if (e.search_pick) {
      const SearchPickCheck& p = *e.search_pick;
      md << "\nThe search's pick over the experiment's space (measured profiles, the workload's acceptance): "
         << p.description << ". ";
      if (p.case_id.empty())
        md << "Not run: " << p.not_run_reason << ".\n";
      else
        md << "Measured " << ms(p.measured) << " ms/token (case " << p.case_id << "), the fastest measured case "
           << p.best_measured_case << " " << ms(p.best_measured) << " ms/token: regret " << percent(p.regret(), 2)
           << " (target <= " << percent(kTargetRegret, 0) << ": " << met(p.regret() <= kTargetRegret) << ").\n";
    }
    if (const auto pairs = overlap_pairs(e); !pairs.empty()) {
      md << "\nOverlapped versus sequential schedule (gain = sequential / overlapped time per token):\n\n"
            "| overlapped case | predicted gain | measured gain |\n|---|---:|---:|\n";
      for (const OverlapPair& pair : pairs)
        md << "| " << pair.overlapped->id << " | " << fixed(pair.predicted_gain(), 3) << " | "
           << fixed(pair.measured_gain(), 3) << " |\n";
    }
    if (!e.drift.empty()) {
      md << "\nDrift since the committed profile: the points each group re-measured, median of fresh / "
            "committed - 1, and the tail factors the fresh points carry (each model's mean pass over its "
            "median one, pooled over its points):\n\n| variant | mapping | draft points | target points | "
            "rounds | draft | target | draft tail | target tail |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
      for (const auto& d : e.drift)
        md << "| " << d.variant << " | " << d.mapping << " | " << d.draft_points << " | " << d.target_points << " | "
           << d.rounds << " | " << signed_percent(d.draft_change) << " | " << signed_percent(d.target_change)
           << " | " << fixed(d.draft_tail, 3) << " | " << fixed(d.target_tail, 3) << " |\n";
      if (std::any_of(e.drift.begin(), e.drift.end(), [](const DriftCheck& d) { return d.contention; })) {
        md << "\nContention of the overlapped groups, re-measured beside their cases (each role's pass alone "
              "and beside the other role's own work) and the committed profile's:\n\n"
              "| variant | mapping | draft slowdown | target slowdown | committed draft | committed target |\n"
              "|---|---|---:|---:|---:|---:|\n";
        for (const auto& d : e.drift)
          if (d.contention)
            md << "| " << d.variant << " | " << d.mapping << " | " << fixed(d.draft_slowdown, 3) << " | "
               << fixed(d.target_slowdown, 3) << " | " << fixed(d.stale_draft_slowdown, 3) << " | "
               << fixed(d.stale_target_slowdown, 3) << " |\n";
      }
    }
    if (!e.c_points.empty()) {
      md << "\nc = t_draft / t_target of one whole forward pass over a fresh prompt (the paper's Fig. 6):\n\n"
            "| variant | mapping | prompt tokens | predicted c | measured c | deviation |\n"
            "|---|---|---:|---:|---:|---:|\n";
      for (const auto& p : e.c_points)
        md << "| " << p.variant << " | " << p.mapping << " | " << p.prompt_tokens << " | "
           << fixed(p.predicted_c(), 4) << " | " << fixed(p.measured_c(), 4) << " | "
           << signed_percent(p.measured_c() > 0 ? p.predicted_c() / p.measured_c() - 1 : 0) << " |\n";
    }
    if (!e.skipped.empty()) {
      md << "\nNot run:\n\n";
      for (const auto& k : e.skipped) md << "- " << k.id << ": " << k.reason << "\n";
    }
  }
  md << "\nFiles: `cases.csv` (every case), `summary.json`, `predicted_vs_measured.svg`"
     << (several_alphas(experiments) ? ", `speedup_vs_alpha.csv` and `speedup_vs_alpha_*.svg`" : "")
     << (std::any_of(experiments.begin(), experiments.end(), [](const auto& e) { return !e.c_points.empty(); })
             ? ", `c_vs_prompt.csv` and `c_vs_prompt_*.svg`"
             : "")
     << ".\n";
  return md.str();
}

namespace {

std::string scatter_svg(const std::vector<ExperimentValidation>& experiments) {
  PlotSpec plot;
  plot.title = "Time per token: predicted versus measured";
  plot.x_label = "measured ms/token";
  plot.y_label = "predicted ms/token";
  plot.diagonal = true;
  for (const auto& e : experiments) {
    PlotSeries series{e.name, {}, {}, true};
    for (const auto& c : e.cases) {
      series.x.push_back(c.measured.time_per_token() * 1e3);
      series.y.push_back(c.predicted.time_per_token * 1e3);
    }
    plot.series.push_back(std::move(series));
  }
  return svg_plot(plot);
}

// Fig. 7 of the paper, on this host: speedup versus controlled alpha, one predicted line
// and one set of measured points per gamma, for the experiment's first variant and mapping
// with speculative cases.
// A predicted line and measured points per key (gamma, mapping), in key order.
template <class Key>
class PredictedAndMeasured {
 public:
  void add(const Key& key, const std::string& label, double x, double predicted, double measured) {
    auto& [line, points] = series_[key];
    line.label = label + " predicted";
    points.label = label + " measured";
    points.points = true;
    line.x.push_back(x);
    line.y.push_back(predicted);
    points.x.push_back(x);
    points.y.push_back(measured);
  }
  void move_into(PlotSpec& plot) {
    for (auto& [key, pair] : series_) {
      plot.series.push_back(std::move(pair.first));
      plot.series.push_back(std::move(pair.second));
    }
  }

 private:
  std::map<Key, std::pair<PlotSeries, PlotSeries>> series_;
};

std::string speedup_svg(const ExperimentValidation& e, const std::string& variant, const std::string& mapping) {
  PlotSpec plot;
  plot.title = e.name + " (" + variant + "): speedup versus controlled alpha";
  plot.x_label = "alpha (controlled)";
  plot.y_label = "speedup over the best gamma 0";
  PredictedAndMeasured<int> by_gamma;
  for (const auto& c : e.cases) {
    if (c.gamma == 0 || c.variant != variant || c.mapping != mapping || !c.controlled_alpha) continue;
    by_gamma.add(c.gamma, "gamma " + std::to_string(c.gamma), *c.controlled_alpha, c.predicted_speedup,
                 c.measured_speedup);
  }
  by_gamma.move_into(plot);
  plot.guides.push_back({false, 1.0, "no gain"});
  return svg_plot(plot);
}

std::string speedup_csv(const std::vector<ExperimentValidation>& experiments) {
  std::ostringstream out;
  out << "experiment,variant,mapping,gamma,controlled_alpha,measured_alpha,predicted_speedup,measured_speedup\n";
  for (const auto& e : experiments)
    for (const auto& c : e.cases)
      if (c.gamma > 0 && c.controlled_alpha)
        out << csv_field(e.name) << ',' << csv_field(c.variant) << ',' << csv_field(c.mapping) << ','
            << c.gamma << ',' << fixed(*c.controlled_alpha, 4) << ','
            << optional_number(c.measured.alpha_estimate()) << ',' << fixed(c.predicted_speedup, 4) << ','
            << fixed(c.measured_speedup, 4) << '\n';
  return out.str();
}

// Measured acceptance: the predicted time per token at `alpha`, linear between the curve's points.
Seconds curve_at(const ValidationCase& c, double alpha) {
  const auto& curve = c.alpha_curve;
  if (curve.empty()) return 0;
  if (alpha <= curve.front().first) return curve.front().second;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    if (alpha > curve[i].first) continue;
    const double t = (alpha - curve[i - 1].first) / (curve[i].first - curve[i - 1].first);
    return curve[i - 1].second + t * (curve[i].second - curve[i - 1].second);
  }
  return curve.back().second;
}

const ValidationCase* baseline_of(const ExperimentValidation& e, const ValidationCase& c) {
  for (const auto& b : e.cases)
    if (b.id == c.baseline_case) return &b;
  return nullptr;
}

// One prompt of a speculative case beside the same prompt of its gamma 0 case: the paper's
// Fig. 7 with real acceptance, one point per prompt at that prompt's measured alpha.
struct PromptPoint {
  int prompt = 0;
  double alpha = 0;
  double measured_speedup = 0;
  double predicted_speedup = 0;  // on the predicted curve, at that alpha
};

std::vector<PromptPoint> prompt_points(const ExperimentValidation& e, const ValidationCase& c) {
  std::vector<PromptPoint> out;
  const ValidationCase* b = baseline_of(e, c);
  if (b == nullptr || c.alpha_curve.empty()) return out;
  std::map<int, std::pair<double, int>> base;  // prompt -> (sum of s/token, runs)
  for (const RunRecord& r : b->measured.runs) {
    base[r.prompt].first += r.time_per_token;
    base[r.prompt].second += 1;
  }
  struct Sums {
    double time = 0;
    int runs = 0;
    std::int64_t accepted = 0, trials = 0;
  };
  std::map<int, Sums> own;
  for (const RunRecord& r : c.measured.runs) {
    Sums& x = own[r.prompt];
    x.time += r.time_per_token;
    x.runs += 1;
    x.accepted += r.accepted;
    x.trials += r.accepted + r.rejections;
  }
  for (const auto& [prompt, x] : own) {
    auto it = base.find(prompt);
    if (it == base.end() || x.trials == 0 || x.time <= 0) continue;
    PromptPoint p;
    p.prompt = prompt;
    p.alpha = static_cast<double>(x.accepted) / static_cast<double>(x.trials);
    p.measured_speedup = (it->second.first / it->second.second) / (x.time / x.runs);
    const Seconds at = curve_at(c, p.alpha);
    p.predicted_speedup = at > 0 ? b->predicted.time_per_token / at : 0;
    out.push_back(p);
  }
  return out;
}

std::string prompt_speedup_csv(const std::vector<ExperimentValidation>& experiments) {
  std::ostringstream out;
  out << "experiment,case,variant,gamma,prompt,measured_alpha,measured_speedup,predicted_speedup_at_alpha\n";
  for (const auto& e : experiments)
    for (const auto& c : e.cases)
      if (c.gamma > 0)
        for (const PromptPoint& p : prompt_points(e, c))
          out << csv_field(e.name) << ',' << csv_field(c.id) << ',' << csv_field(c.variant) << ',' << c.gamma << ','
              << p.prompt << ',' << fixed(p.alpha, 4) << ',' << fixed(p.measured_speedup, 4) << ','
              << fixed(p.predicted_speedup, 4) << '\n';
  return out.str();
}

std::string alpha_curve_csv(const std::vector<ExperimentValidation>& experiments) {
  std::ostringstream out;
  out << "experiment,case,variant,gamma,alpha,predicted_s_per_token,predicted_speedup\n";
  for (const auto& e : experiments)
    for (const auto& c : e.cases) {
      const ValidationCase* b = c.gamma > 0 ? baseline_of(e, c) : nullptr;
      if (b == nullptr) continue;
      for (const auto& [alpha, t] : c.alpha_curve)
        out << csv_field(e.name) << ',' << csv_field(c.id) << ',' << csv_field(c.variant) << ',' << c.gamma << ','
            << fixed(alpha, 2) << ',' << sig(t) << ',' << fixed(t > 0 ? b->predicted.time_per_token / t : 0, 4)
            << '\n';
    }
  return out.str();
}

// Fig. 7 with real acceptance for one variant: the predicted curve per gamma and the
// measured speedup of every prompt at its own alpha.
std::string prompt_speedup_svg(const ExperimentValidation& e, const std::string& variant,
                               const std::vector<int>& gammas) {
  PlotSpec plot;
  plot.title = e.name + " (" + variant + "): speedup per prompt versus its measured alpha";
  plot.x_label = "alpha (measured per prompt)";
  plot.y_label = "speedup over gamma 0";
  for (const auto& c : e.cases) {
    if (c.gamma == 0 || c.variant != variant || c.alpha_curve.empty()) continue;
    if (std::find(gammas.begin(), gammas.end(), c.gamma) == gammas.end()) continue;
    const ValidationCase* b = baseline_of(e, c);
    if (b == nullptr) continue;
    PlotSeries line;
    line.label = "gamma " + std::to_string(c.gamma) + " predicted";
    for (const auto& [alpha, t] : c.alpha_curve) {
      line.x.push_back(alpha);
      line.y.push_back(t > 0 ? b->predicted.time_per_token / t : 0);
    }
    PlotSeries points;
    points.label = "gamma " + std::to_string(c.gamma) + " measured (one point per prompt)";
    points.points = true;
    for (const PromptPoint& p : prompt_points(e, c)) {
      points.x.push_back(p.alpha);
      points.y.push_back(p.measured_speedup);
    }
    plot.series.push_back(std::move(line));
    plot.series.push_back(std::move(points));
  }
  plot.guides.push_back({false, 1.0, "no gain"});
  return svg_plot(plot);
}

std::string c_csv(const std::vector<ExperimentValidation>& experiments) {
  std::ostringstream out;
  out << "experiment,variant,mapping,prompt_tokens,predicted_c,measured_c,deviation,predicted_draft_s,"
         "measured_draft_s,predicted_target_s,measured_target_s,source\n";
  for (const auto& e : experiments)
    for (const auto& p : e.c_points)
      out << csv_field(e.name) << ',' << csv_field(p.variant) << ',' << csv_field(p.mapping) << ','
          << p.prompt_tokens << ',' << fixed(p.predicted_c(), 5) << ',' << fixed(p.measured_c(), 5) << ','
          << fixed(p.measured_c() > 0 ? p.predicted_c() / p.measured_c() - 1 : 0, 5) << ','
          << sig(p.predicted_draft) << ',' << sig(p.measured_draft) << ',' << sig(p.predicted_target) << ','
          << sig(p.measured_target) << ',' << provenance_name(p.source) << '\n';
  return out.str();
}

// Fig. 6 of the paper, on this host: c versus prompt length, per variant and mapping.
std::string c_svg(const ExperimentValidation& e) {
  PlotSpec plot;
  plot.title = e.name + ": c = t_draft / t_target of one forward pass";
  plot.x_label = "prompt tokens";
  plot.y_label = "c";
  PredictedAndMeasured<std::string> by_mapping;
  for (const auto& p : e.c_points) {
    const std::string key = p.variant + " " + p.mapping;
    by_mapping.add(key, key, static_cast<double>(p.prompt_tokens), p.predicted_c(), p.measured_c());
  }
  by_mapping.move_into(plot);
  return svg_plot(plot);
}

}  // namespace

std::vector<OutputFile> validation_files(const std::vector<ExperimentValidation>& experiments,
                                         const ValidationSummary& summary, const ValidationContext& context) {
  std::vector<OutputFile> files;
  files.push_back({"cases.csv", cases_csv(experiments)});
  files.push_back({"summary.json", summary_json(experiments, summary, context)});
  files.push_back({"report.md", validation_markdown(experiments, summary, context)});
  files.push_back({"predicted_vs_measured.svg", scatter_svg(experiments)});
  if (several_alphas(experiments)) {
    files.push_back({"speedup_vs_alpha.csv", speedup_csv(experiments)});
    for (const auto& e : experiments) {
      for (const auto& c : e.cases) {
        if (c.gamma == 0) continue;
        files.push_back({"speedup_vs_alpha_" + file_safe(e.name) + ".svg", speedup_svg(e, c.variant, c.mapping)});
        break;
      }
    }
  }
  if (any_measured_acceptance(experiments)) {
    files.push_back({"speedup_per_prompt.csv", prompt_speedup_csv(experiments)});
    files.push_back({"speedup_vs_alpha_predicted.csv", alpha_curve_csv(experiments)});
    for (const auto& e : experiments) {
      if (!e.measured_acceptance) continue;
      std::set<std::string> variants;
      for (const auto& c : e.cases) variants.insert(c.variant);
      for (const std::string& v : variants)
        files.push_back({"speedup_per_prompt_" + file_safe(e.name) + "_" + file_safe(v) + ".svg",
                         prompt_speedup_svg(e, v, {1, 2, 4, 8})});
    }
  }
  bool any_c = false;
  for (const auto& e : experiments) {
    if (e.c_points.empty()) continue;
    any_c = true;
    files.push_back({"c_vs_prompt_" + file_safe(e.name) + ".svg", c_svg(e)});
  }
  if (any_c) files.push_back({"c_vs_prompt.csv", c_csv(experiments)});
  return files;
}

}  // namespace specmap
