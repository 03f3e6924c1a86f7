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
constexpr double kTargetCoverage = 0.90;

std::string ms(Seconds s, int decimals = 3) { return fixed(s * 1e3, decimals); }
std::string percent(double v, int decimals = 1) { return fixed(v * 100, decimals) + "%"; }
std::string signed_percent(double v) { return (v >= 0 ? "+" : "") + percent(v, 2); }
std::string optional_number(const std::optional<double>& v) { return v ? fixed(*v, 4) : ""; }

bool several_alphas(const std::vector<ExperimentValidation>& experiments) {
  std::set<double> alphas;
  for (const auto& e : experiments)
    for (const auto& c : e.cases)
      if (c.controlled_alpha) alphas.insert(*c.controlled_alpha);
  return alphas.size() > 1;
}

std::string met(bool ok) { return ok ? "met" : "**not met**"; }

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
         "measured_other_s_per_token,interval_drift\n";
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
          << fixed(c.drift, 5) << '\n';
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
  j["best_pick_regret"] = s.best_pick_regret;
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
  j["median_run_spread"] = s.median_run_spread;
  j["targets"] = {{"median_abs_deviation", kTargetMedian},
                  {"p95_abs_deviation", kTargetP95},
                  {"best_pick_regret", kTargetRegret},
                  {"interval_coverage", kTargetCoverage}};
  j["definitions"] = {
      {"deviation", "predicted / measured - 1 of the time per token, prediction at the measured acceptance"},
      {"interval",
       "90% from the profiles' spread, the acceptance estimate's binomial error and the drift of a reference "
       "pass since profiling"},
      {"acceptance", "controlled: each drafted token kept with probability alpha; both models run in full"}};
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
      x["interval_coverage"] = pick.interval_coverage;
    }
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const auto& d : e.drift)
      checks.push_back({{"variant", d.variant},
                        {"mapping", d.mapping},
                        {"prompt_tokens", d.prompt_tokens},
                        {"draft_before", d.draft_before},
                        {"target_before", d.target_before},
                        {"draft_after", d.draft_after},
                        {"target_after", d.target_after}});
    x["drift_checks"] = checks;
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
                  {"seed", context.options.seed}};
  return j.dump(2) + "\n";
}

std::string validation_markdown(const std::vector<ExperimentValidation>& experiments, const ValidationSummary& s,
                                const ValidationContext& context) {
  std::ostringstream md;
  md << "# Validation: predicted versus measured time per token\n\n";
  md << "Machine: " << context.machine << ". Made by:\n\n```\n" << context.command << "\n```\n\n";
  md << "Every case is a design variant, a mapping, a gamma and a schedule (and a controlled alpha) of "
        "the experiment. It was predicted from profiles measured in an earlier, separate run, then run "
     << context.options.prompts << " prompts x " << context.options.repetitions
     << " repetitions on this host (its cores, and its OpenCL device where the mapping says so) with "
        "synthetic weights. Acceptance is **controlled**: each "
        "drafted token is kept with probability alpha while both models run in full, because synthetic "
        "weights do not agree. The prediction is made at the acceptance the runs measured; the deviation "
        "is predicted / measured - 1 of the time per token (prompt processing included). Each 90% "
        "interval carries the profiles' spread, the acceptance estimate's error and the machine's drift "
        "since profiling (a reference pass re-measured before and after the cases).\n\n";

  md << "| figure | value | target | |\n|---|---:|---:|---|\n";
  md << "| cases | " << s.n_cases << " | | |\n";
  md << "| median absolute deviation | " << percent(s.median_abs_deviation, 2) << " | <= "
     << percent(kTargetMedian, 0) << " | " << met(s.median_abs_deviation <= kTargetMedian) << " |\n";
  md << "| p95 absolute deviation | " << percent(s.p95_abs_deviation, 2) << " | <= " << percent(kTargetP95, 0)
     << " | " << met(s.p95_abs_deviation <= kTargetP95) << " |\n";
  md << "| max absolute deviation | " << percent(s.max_abs_deviation, 2) << " | | |\n";
  md << "| median signed deviation | " << signed_percent(s.median_signed_deviation) << " | | |\n";
  md << "| best-pick regret (worst experiment) | " << percent(s.best_pick_regret, 2) << " | <= "
     << percent(kTargetRegret, 0) << " | " << met(s.best_pick_regret <= kTargetRegret) << " |\n";
  md << "| 90% interval coverage | " << percent(s.interval_coverage, 1) << " | >= "
     << percent(kTargetCoverage, 0) << " | " << met(s.interval_coverage >= kTargetCoverage) << " |\n";
  md << "| median absolute deviation at the nominal alpha | " << percent(s.nominal_median_abs_deviation, 2)
     << " | | |\n";
  md << "| median run-to-run spread of a case | " << percent(s.median_run_spread, 2) << " | | |\n\n";

  md << "## Per experiment\n\n| experiment | cases | median abs. deviation | p95 | 90% coverage | predicted best "
        "| measured best | regret |\n|---|---:|---:|---:|---:|---|---|---:|\n";
  for (const auto& pick : s.best_picks)
    md << "| " << pick.experiment << " | " << pick.n_cases << " | " << percent(pick.median_abs_deviation, 2) << " | "
       << percent(pick.p95_abs_deviation, 2) << " | " << percent(pick.interval_coverage, 1) << " | "
       << pick.best_predicted << " | " << pick.best_measured << " | " << percent(pick.regret, 2) << " |\n";

  for (const auto& e : experiments) {
    md << "\n## " << e.name << "\n\nProfiles: `" << e.profile_path << "`\n\n";
    md << "| case | alpha (measured) | predicted ms/token | 90% interval | measured ms/token | deviation | "
          "speedup predicted | speedup measured |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& c : e.cases) {
      const auto alpha = c.measured.alpha_estimate();
      md << "| " << c.id << " | " << (alpha ? fixed(*alpha, 3) : std::string("-")) << " | "
         << ms(c.predicted.time_per_token) << " | " << ms(c.interval.low) << " .. " << ms(c.interval.high)
         << " | " << ms(c.measured.time_per_token()) << " | " << signed_percent(c.deviation)
         << (c.interval.contains(c.measured.time_per_token()) ? "" : " (outside)") << " | "
         << fixed(c.predicted_speedup, 3) << " | " << fixed(c.measured_speedup, 3) << " |\n";
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
      md << "\nDrift since profiling: one pass of each model over the " << e.drift.front().prompt_tokens
         << "-token prompt, measured / profiled - 1, before and after the cases (the largest widens "
            "the group's intervals):\n\n| variant | mapping | draft before | target before | draft after | "
            "target after |\n|---|---|---:|---:|---:|---:|\n";
      for (const auto& d : e.drift)
        md << "| " << d.variant << " | " << d.mapping << " | " << signed_percent(d.draft_before) << " | "
           << signed_percent(d.target_before) << " | " << signed_percent(d.draft_after) << " | "
           << signed_percent(d.target_after) << " |\n";
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
