#include "report/paper_reproduction.h"

#include <array>
#include <cmath>
#include <optional>
#include <sstream>

#include "core/format.h"
#include "cost/eq1.h"
#include "report/svg_plot.h"
#include "search/search.h"

namespace specmap {

namespace {

// The paper's published rows (Table II at alpha 0.90; Table III at 0.17: no gain anywhere).
struct PaperRow {
  bool speculative;
  int gamma;
  bool heterogeneous;
  double speedup;
};
constexpr std::array<PaperRow, 6> kTable2 = {{{true, 5, true, 1.68},
                                              {true, 2, true, 1.10},
                                              {false, 0, false, 1.0},
                                              {false, 0, false, 1.0},
                                              {true, 1, false, 1.02},
                                              {false, 0, false, 1.0}}};
constexpr double kAlphaTable2 = 0.90, kAlphaTable3 = 0.17, kAlphaMeasured = 0.94;

struct VariantResult {
  std::string variant;
  bool speculative = false;
  int gamma = 0;
  bool heterogeneous = false;
  std::string draft_pu, target_pu;
  double c = 0;
  double speedup = 1;
};

// Best candidate of each variant over that variant's best non-speculative one.
Result<std::vector<VariantResult>> table_at(const Study& base, double alpha) {
  Study study = base;
  set_alpha(study.workload, alpha);
  SearchOptions opt = study.experiment.search;
  opt.mode = CostMode::paper;
  opt.granularity = Granularity::coarse;
  opt.objective = Objective::latency;
  const LatencyOracle oracle(study.soc, study.profiles);
  const CostInputs in{study.soc, study.draft, study.target, study.workload, oracle, CostMode::paper};
  const SearchResult result = search(in, opt);
  std::vector<VariantResult> rows;
  for (std::size_t v = 0; v < study.soc.variants.size(); ++v) {
    const RankedCandidate* best = nullptr;
    const RankedCandidate* baseline = nullptr;
    for (const auto& r : result.ranked) {
      if (!r.prediction.feasible || r.candidate.variant != static_cast<int>(v)) continue;
      if (!best) best = &r;
      if (!baseline && r.candidate.gamma == 0) baseline = &r;
    }
    if (!best || !baseline)
      return Error{"variant " + study.soc.variants[v].name + " has no feasible candidate at alpha " + fixed(alpha, 2)};
    VariantResult row;
    row.variant = study.soc.variants[v].name;
    row.gamma = best->candidate.gamma;
    row.speculative = row.gamma > 0;
    row.target_pu = study.soc.pus[best->candidate.mapping.target.front()].id;
    if (row.speculative) {
      row.draft_pu = study.soc.pus[best->candidate.mapping.draft.front()].id;
      row.heterogeneous = row.draft_pu != row.target_pu;
      row.c = best->prediction.c;
    }
    row.speedup = baseline->prediction.time_per_token / best->prediction.time_per_token;
    rows.push_back(row);
  }
  return rows;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

// Table II's variants under the extended model: the best sequential and the best overlapped
// candidate, each over the variant's best non-speculative one.
struct ExtendedRow {
  std::string variant;
  std::optional<RankedCandidate> sequential, overlapped;
  double sequential_speedup = 1, overlapped_speedup = 0;
  std::string overlapped_reason;  // why no overlapped candidate is feasible
};

Result<std::vector<ExtendedRow>> extended_table(const Study& base, double alpha) {
  Study study = base;
  set_alpha(study.workload, alpha);
  SearchOptions opt = study.experiment.search;
  opt.mode = CostMode::extended;
  opt.granularity = Granularity::coarse;
  opt.objective = Objective::latency;
  opt.schedules = {Schedule::sequential, Schedule::overlapped};
  const LatencyOracle oracle(study.soc, study.profiles);
  const CostInputs in{study.soc, study.draft, study.target, study.workload, oracle, CostMode::extended};
  const SearchResult result = search(in, opt);
  std::vector<ExtendedRow> rows;
  for (std::size_t v = 0; v < study.soc.variants.size(); ++v) {
    ExtendedRow row;
    row.variant = study.soc.variants[v].name;
    const RankedCandidate* baseline = nullptr;
    for (const auto& r : result.ranked) {
      if (r.candidate.variant != static_cast<int>(v)) continue;
      const bool overlapped = r.candidate.schedule == Schedule::overlapped && r.candidate.gamma > 0;
      if (!r.prediction.feasible) {
        if (overlapped && row.overlapped_reason.empty()) row.overlapped_reason = r.prediction.infeasible_reason;
        continue;
      }
      if (!baseline && r.candidate.gamma == 0) baseline = &r;
      if (overlapped && !row.overlapped) row.overlapped = r;
      if (!overlapped && !row.sequential) row.sequential = r;
    }
    if (!baseline || !row.sequential)
      return Error{"variant " + row.variant + " has no feasible extended-mode candidate at alpha " + fixed(alpha, 2)};
    row.sequential_speedup = baseline->prediction.time_per_token / row.sequential->prediction.time_per_token;
    if (row.overlapped)
      row.overlapped_speedup = baseline->prediction.time_per_token / row.overlapped->prediction.time_per_token;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string pus_of(const Study& study, const Candidate& c) {
  if (c.gamma == 0) return "- | " + study.soc.pus[c.mapping.target.front()].id;
  return study.soc.pus[c.mapping.draft.front()].id + " | " + study.soc.pus[c.mapping.target.front()].id;
}

std::string extended_csv(const Study& study, const std::vector<ExtendedRow>& rows, double alpha) {
  std::ostringstream o;
  o << "variant,alpha,sequential_gamma,sequential_mapping,sequential_speedup,overlapped_gamma,overlapped_mapping,"
       "overlapped_speedup,draft_slowdown,target_slowdown,contention,paper_gamma,paper_speedup,estimated\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ExtendedRow& r = rows[i];
    const PaperRow paper = i < kTable2.size() ? kTable2[i] : PaperRow{false, 0, false, 1.0};
    o << r.variant << ',' << fixed(alpha, 2) << ',' << r.sequential->candidate.gamma << ','
      << pus_of(study, r.sequential->candidate) << ',' << fixed(r.sequential_speedup, 3) << ',';
    if (r.overlapped) {
      const Breakdown& b = r.overlapped->prediction.breakdown;
      o << r.overlapped->candidate.gamma << ',' << pus_of(study, r.overlapped->candidate) << ','
        << fixed(r.overlapped_speedup, 3) << ',' << fixed(b.draft_slowdown, 3) << ',' << fixed(b.target_slowdown, 3)
        << ',' << (b.contention_measured ? "measured" : "estimated from shared DRAM bandwidth") << ',';
    } else {
      o << ",,,,,none feasible,";
    }
    o << paper.gamma << ',' << fixed(paper.speedup, 2) << ",yes\n";
  }
  return o.str();
}

std::string extended_markdown(const Study& study, const std::vector<ExtendedRow>& rows) {
  std::ostringstream o;
  o << "| variant | extended, sequential: gamma | drafter \\| target | speedup | overlapped: gamma | drafter \\| "
       "target | speedup | contention (draft, target) | paper: gamma | speedup |\n"
       "|---|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ExtendedRow& r = rows[i];
    const PaperRow paper = i < kTable2.size() ? kTable2[i] : PaperRow{false, 0, false, 1.0};
    auto mapping = [&](const Candidate& c) {
      std::string text = pus_of(study, c);
      return text.replace(text.find(" | "), 3, " \\| ");
    };
    o << "| " << r.variant << " | " << r.sequential->candidate.gamma << " | " << mapping(r.sequential->candidate)
      << " | " << fixed(r.sequential_speedup, 3) << " | ";
    if (r.overlapped) {
      const Breakdown& b = r.overlapped->prediction.breakdown;
      o << r.overlapped->candidate.gamma << " | " << mapping(r.overlapped->candidate) << " | "
        << fixed(r.overlapped_speedup, 3) << " | " << fixed(b.draft_slowdown, 2) << ", " << fixed(b.target_slowdown, 2)
        << " | ";
    } else {
      o << "- | - | - | " << r.overlapped_reason << " | ";
    }
    o << (paper.speculative ? std::to_string(paper.gamma) : "-") << " | " << fixed(paper.speedup, 2) << " |\n";
  }
  return o.str();
}

std::string table_csv(const std::vector<VariantResult>& rows, double alpha, bool table2) {
  std::ostringstream o;
  o << "variant,alpha,speculative,gamma,heterogeneous,draft_pu,target_pu,c,speedup,paper_speculative,paper_gamma,"
       "paper_heterogeneous,paper_speedup,agrees\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const PaperRow paper = table2 && i < kTable2.size() ? kTable2[i] : PaperRow{false, 0, false, 1.0};
    const bool agrees = r.speculative == paper.speculative && r.gamma == paper.gamma &&
                        (!r.speculative || r.heterogeneous == paper.heterogeneous) &&
                        std::abs(r.speedup - paper.speedup) < 0.005 + 1e-9;
    o << r.variant << ',' << fixed(alpha, 2) << ',' << yes_no(r.speculative) << ',' << r.gamma << ','
      << (r.speculative ? yes_no(r.heterogeneous) : "n/a") << ',' << (r.speculative ? r.draft_pu : "-") << ','
      << r.target_pu << ',' << (r.speculative ? fixed(r.c, 4) : "") << ',' << fixed(r.speedup, 3) << ','
      << yes_no(paper.speculative) << ',' << paper.gamma << ','
      << (paper.speculative ? yes_no(paper.heterogeneous) : "n/a") << ',' << fixed(paper.speedup, 2) << ','
      << yes_no(agrees) << '\n';
  }
  return o.str();
}

// Fig. 7a: the validated mapping (variant 1: target on one CPU core, drafter on the
// GPU) against the CPU-only non-speculative baseline, over alpha and gamma.
struct Fig7a {
  std::string csv;
  std::string svg;
  double c = 0;
};

Result<Fig7a> fig7a(const Study& base) {
  const auto cpu = base.soc.pu_index("cpu"), gpu = base.soc.pu_index("gpu");
  if (!cpu || !gpu) return Error{"the paper SoC needs PUs 'cpu' and 'gpu'", base.soc.source_file};
  std::optional<int> variant;
  for (std::size_t v = 0; v < base.soc.variants.size(); ++v)
    if (base.soc.variants[v].name == "1") variant = static_cast<int>(v);
  if (!variant) return Error{"the paper SoC needs design variant '1'", base.soc.source_file};
  Study study = base;
  const LatencyOracle oracle(study.soc, study.profiles);
  const CostInputs in{study.soc, study.draft, study.target, study.workload, oracle, CostMode::paper};
  Candidate baseline{*variant, {{}, whole_model_on(*cpu, study.target.subgraphs.size())}, 0};
  baseline.mapping.draft.assign(study.draft.subgraphs.size(), -1);
  Fig7a out;
  std::ostringstream csv;
  csv << "alpha,gamma,predicted_speedup,eq1_speedup\n";
  PlotSpec plot{"Predicted speedup, target on 1 Cortex-A55 core, drafter on the Mali GPU", "alpha (Leviathan)",
                "speedup over CPU-only non-speculative", {}, {}, false};
  for (int gamma = 1; gamma <= 8; ++gamma) {
    PlotSeries s{"gamma = " + std::to_string(gamma), {}, {}, false};
    for (int a = 50; a <= 99; ++a) {
      const double alpha = a / 100.0;
      set_alpha(study.workload, alpha);
      const Prediction base_p = predict(in, baseline);
      Candidate cand{*variant,
                     {whole_model_on(*gpu, study.draft.subgraphs.size()),
                      whole_model_on(*cpu, study.target.subgraphs.size())},
                     gamma};
      const Prediction p = predict(in, cand);
      if (!p.feasible || !base_p.feasible)
        return Error{"the validated mapping is infeasible: " + p.infeasible_reason + base_p.infeasible_reason};
      const double speedup = base_p.time_per_token / p.time_per_token;
      out.c = p.c;
      csv << fixed(alpha, 2) << ',' << gamma << ',' << fixed(speedup, 6) << ','
          << fixed(eq1_speedup(alpha, gamma, p.c), 6) << '\n';
      s.x.push_back(alpha);
      s.y.push_back(speedup);
    }
    plot.series.push_back(std::move(s));
  }
  plot.guides = {{true, kAlphaTable2, "0.90 estimated"}, {true, kAlphaMeasured, "0.94 measured"}, {false, 1.0, "no gain"}};
  out.csv = csv.str();
  out.svg = svg_plot(plot);
  return out;
}

// Largest c for which gamma is the Eq. 1 optimum at alpha (bisection on c).
double max_c_for_gamma(double alpha, int gamma) {
  double lo = 0, hi = 1.5;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (eq1_best_gamma(alpha, mid, 16) >= gamma ? lo : hi) = mid;
  }
  return lo;
}

// c that makes Eq. 1 at (alpha, gamma) equal a published speedup.
double back_solve_c(double alpha, int gamma, double speedup) {
  double lo = 0, hi = 2;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (eq1_speedup(alpha, gamma, mid) > speedup ? lo : hi) = mid;
  }
  return lo;
}

std::string markdown_table(const std::vector<VariantResult>& rows, bool table2) {
  std::ostringstream o;
  o << "| variant | specmap: speculative | gamma | heterogeneous | c | speedup | paper: speculative | gamma | "
       "heterogeneous | speedup |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const PaperRow p = table2 && i < kTable2.size() ? kTable2[i] : PaperRow{false, 0, false, 1.0};
    o << "| " << r.variant << " | " << yes_no(r.speculative) << " | " << (r.speculative ? std::to_string(r.gamma) : "-")
      << " | " << (r.speculative ? yes_no(r.heterogeneous) : "n/a") << " | " << (r.speculative ? fixed(r.c, 3) : "-")
      << " | " << fixed(r.speedup, 3) << " | " << yes_no(p.speculative) << " | "
      << (p.speculative ? std::to_string(p.gamma) : "-") << " | " << (p.speculative ? yes_no(p.heterogeneous) : "n/a")
      << " | " << fixed(p.speedup, 2) << " |\n";
  }
  return o.str();
}

std::string report(const Study& study, const std::vector<VariantResult>& t2, const std::vector<VariantResult>& t3,
                   const Fig7a& fig, const std::vector<ExtendedRow>& extended) {
  const double c1 = fig.c;
  const int g_est = eq1_best_gamma(kAlphaTable2, c1, 16);
  const int g_meas = eq1_best_gamma(kAlphaMeasured, c1, 16);
  const double c_max5 = max_c_for_gamma(kAlphaTable2, 5);
  std::ostringstream o;
  o << "# Reproduction of the paper's Tables II and III and Fig. 7a\n\n"
    << "Generated by `specmap reproduce paper` from `" << study.experiment.source_file
    << "` (Eq. 1, coarse space: drafter | target, 6 design variants x 2 PUs). Inputs are the paper's own figures, "
       "normalised so that one forward pass of the target on one Cortex-A55 core is 1.0 (`profiles/paper.yaml`, "
       "every entry labelled derived, back-solved, bound or assumed). Nothing here was measured on a board.\n\n"
    << "## Table II (alpha = 0.90, S_L = 63)\n\n"
    << markdown_table(t2, true) << "\n"
    << "### Where and why the rows differ\n\n"
    << "- **Variant 1.** With the paper's c = " << fixed(c1, 2) << " (drafter on the GPU, target on one core), "
    << "Eq. 1 at alpha = 0.90 peaks at gamma = " << g_est << " with S = " << fixed(eq1_speedup(kAlphaTable2, g_est, c1), 3)
    << " (gamma = 5 gives " << fixed(eq1_speedup(kAlphaTable2, 5, c1), 3) << "), not gamma = 5 with 1.68. "
    << "No single c reconciles the row: gamma = 5 is the optimum at alpha = 0.90 only for c <= " << fixed(c_max5, 4)
    << ", and then S >= " << fixed(eq1_speedup(kAlphaTable2, 5, c_max5), 3) << ". "
    << "At the alpha the paper measured in its validation (0.94), Eq. 1 gives gamma = " << g_meas << " with S = "
    << fixed(eq1_speedup(kAlphaMeasured, g_meas, c1), 3) << " (gamma = 4: " << fixed(eq1_speedup(kAlphaMeasured, 4, c1), 3)
    << "), which matches the published 1.68 to within rounding: the row appears to report the measured operating "
       "point rather than Eq. 1 at 0.90. specmap reports Eq. 1 as the paper defines it.\n"
    << "- **Variant 2.** Reproduced by construction: the target's two-core time is back-solved from this row "
       "(Eq. 1 at gamma = 2 and S = 1.10 needs c = "
    << fixed(back_solve_c(kAlphaTable2, 2, 1.10), 4) << ").\n"
    << "- **Variants 3, 4, 6.** The paper only bounds these: no mapping gains, so every c >= 0.90 (speedup > 1 needs "
       "c < alpha). The profile places the CPU-only drafter at that bound and the GPU drafter is slower than the "
       "3..6-core target (c > 1, as the paper states), so speculation stays off.\n"
    << "- **Variant 5.** Reproduced by construction: c = " << fixed(back_solve_c(kAlphaTable2, 1, 1.02), 4)
    << " is back-solved from gamma = 1 and S = 1.02 with both models on the CPU.\n\n"
    << "## Table III (alpha = 0.17)\n\n"
    << markdown_table(t3, false) << "\n"
    << "At alpha = 0.17 a gain needs c < 0.17; the fastest drafter here has c = " << fixed(c1, 2)
    << ", so speculation is off in every variant, as in the paper.\n\n"
    << "## Fig. 7a (validated mapping: target on one CPU core, drafter on the GPU)\n\n"
    << "`fig7a.csv` and `fig7a.svg` give the predicted speedup over the CPU-only non-speculative baseline for "
       "gamma = 1..8 and alpha = 0.50..0.99 (c = "
    << fixed(c1, 2) << "; in paper mode this is Eq. 1 exactly, and the `eq1_speedup` column checks it). The paper "
       "reached the predicted acceleration at a measured alpha of 0.94 instead of the estimated 0.90 (about 4%); it "
       "attributes the gap to runtime orchestration overhead between modules, which Eq. 1 does not model. specmap's "
       "extended mode models dispatch overheads and transfers explicitly.\n\n"
    << "## Table II under the extended model, sequential and overlapped schedules (estimated)\n\n"
    << "`table2_extended.csv`: the same SoC, models, workload (alpha = 0.90) and profile, costed by specmap's "
       "extended model (prefill, draft steps at growing context, a (gamma+1)-token verification, dispatch "
       "overheads, memory) and by its overlapped schedule (the drafter drafts the next block while the target "
       "verifies, on a different PU; docs/cost-model.md). **Every figure here is an estimate**: the paper profile "
       "has only whole-pass figures at 63 tokens in relative units, so per-token decode passes are roofline-scaled "
       "from them, and the contention between the Cortex-A55 cluster and the Mali GPU while both run is estimated "
       "from the SoC's shared DRAM bandwidth (no concurrent measurement exists for the board). Speedups are over "
       "each variant's best non-speculative candidate under the same model.\n\n"
    << extended_markdown(study, extended);
  return o.str();
}

}  // namespace

Result<PaperReproduction> reproduce_paper(const Study& study) {
  auto t2 = table_at(study, kAlphaTable2);
  if (!t2) return t2.error();
  auto t3 = table_at(study, kAlphaTable3);
  if (!t3) return t3.error();
  auto fig = fig7a(study);
  if (!fig) return fig.error();
  auto extended = extended_table(study, kAlphaTable2);
  if (!extended) return extended.error();
  PaperReproduction out;
  out.table2_csv = table_csv(*t2, kAlphaTable2, true);
  out.table3_csv = table_csv(*t3, kAlphaTable3, false);
  out.fig7a_csv = fig->csv;
  out.fig7a_svg = fig->svg;
  out.table2_extended_csv = extended_csv(study, *extended, kAlphaTable2);
  out.report_md = report(study, *t2, *t3, *fig, *extended);
  return out;
}

}  // namespace specmap
