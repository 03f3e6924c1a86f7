#include "plan/sweep_table.h"

#include <algorithm>
#include <sstream>

#include "core/format.h"
#include "plan/mapping_text.h"
#include "plan/plan_json.h"

namespace specmap {

namespace {

// The baseline's time, also when it is over energy_under_latency's bound (its figures are kept):
// 0 when there is no gamma-0 candidate with a time.
double baseline_time(const SearchResult& r) {
  if (r.ranked.empty()) return 0;
  const auto& b = r.ranked[r.best_baseline];
  return b.prediction.feasible || b.over_latency_bound ? b.prediction.time_per_token : 0;
}

// Why the speedup column is what it is: over which baseline, or why it is blank.
std::string speedup_note(const Study& study, const SearchResult& result, double base) {
  if (result.ranked.empty()) return "";
  const auto& b = result.ranked[result.best_baseline];
  const bool seconds = time_unit(study) == "s";
  if (base > 0) {
    std::string note = "speedup is over the best non-speculative candidate: variant " +
                       study.soc.variants[b.candidate.variant].name + ", target on " +
                       mapping_text(study.target, b.candidate.mapping.target, study.soc);
    if (b.over_latency_bound)
      note += ", which itself exceeds the latency bound (" +
              (seconds ? fixed(b.prediction.time_per_token * 1e3, 3) + " ms/token"
                       : sig(b.prediction.time_per_token, 4)) +
              "): no non-speculative candidate meets it";
    return note + "\n";
  }
  if (b.candidate.gamma != 0)
    return "speedup: blank, the search had no non-speculative (gamma 0) candidate\n";
  return "speedup: blank, no non-speculative (gamma 0) candidate is feasible (" +
         b.prediction.infeasible_reason + ")\n";
}

std::string draft_text(const Study& s, const Candidate& c) {
  return mapping_text(s.draft, c.gamma > 0 ? c.mapping.draft : std::vector<int>{}, s.soc);
}

}  // namespace

std::string sweep_csv(const Study& study, const SearchResult& result) {
  std::ostringstream out;
  const bool seconds = time_unit(study) == "s";
  const double base = baseline_time(result);
  out << "rank,variant,variant_units,schedule,gamma,draft_mapping,target_mapping,feasible,reason,"
         "time_per_token,time_unit,time_per_token_stddev,tokens_per_s,speedup_vs_best_baseline,"
         "energy_per_token_j,expected_tokens_per_iter,c,pareto,source,estimated\n";
  for (std::size_t i = 0; i < result.ranked.size(); ++i) {
    const auto& r = result.ranked[i];
    const auto& c = r.candidate;
    const auto& p = r.prediction;
    const auto& v = study.soc.variants[c.variant];
    out << i + 1 << ',' << csv_field(v.name) << ',' << csv_field(variant_units_text(v, study.soc)) << ','
        << schedule_name(c.schedule) << ',' << c.gamma << ',' << csv_field(draft_text(study, c)) << ','
        << csv_field(mapping_text(study.target, c.mapping.target, study.soc)) << ','
        << (p.feasible ? "yes" : "no") << ',' << csv_field(p.infeasible_reason) << ',';
    // Over the latency bound: infeasible, but its figures say by how much.
    if (p.feasible || r.over_latency_bound) {
      out << sig(p.time_per_token, 9) << ',' << time_unit(study) << ',' << sig(p.time_per_token_stddev, 6)
          << ',' << (seconds ? sig(p.tokens_per_second, 9) : "") << ','
          << (base > 0 ? fixed(base / p.time_per_token, 6) : "") << ','
          << (seconds ? sig(p.energy_per_token, 9) : "") << ',' << fixed(p.expected_tokens_per_iteration, 6)
          << ',' << (p.c > 0 ? fixed(p.c, 6) : "") << ',' << (r.pareto ? "yes" : "no") << ','
          << provenance_name(p.coarsest_source) << ',' << (p.estimated ? "yes" : "no") << '\n';
    } else {
      out << ",,,,,,,,,,\n";
    }
  }
  return out.str();
}

std::string ranked_table(const Study& study, const SearchResult& result, std::size_t rows) {
  const bool seconds = time_unit(study) == "s";
  const double base = baseline_time(result);
  std::vector<std::vector<std::string>> table;
  table.push_back({"rank", "variant", "gamma", "schedule", "draft", "target",
                   seconds ? "ms/token" : "time/token(rel)", seconds ? "tokens/s" : "", "speedup",
                   seconds ? "mJ/token" : "", "E[tok/iter]", "source"});
  for (std::size_t i = 0; i < result.ranked.size() && table.size() <= rows; ++i) {
    const auto& r = result.ranked[i];
    const auto& p = r.prediction;
    if (!p.feasible) break;
    const auto& c = r.candidate;
    table.push_back({std::to_string(i + 1), study.soc.variants[c.variant].name, std::to_string(c.gamma),
                     std::string(schedule_name(c.schedule)), draft_text(study, c),
                     mapping_text(study.target, c.mapping.target, study.soc),
                     seconds ? fixed(p.time_per_token * 1e3, 3) : fixed(p.time_per_token, 4),
                     seconds ? fixed(p.tokens_per_second, 2) : "",
                     base > 0 ? fixed(base / p.time_per_token, 3) + "x" : "",
                     seconds ? fixed(p.energy_per_token * 1e3, 2) : "",
                     fixed(p.expected_tokens_per_iteration, 3),
                     std::string(provenance_name(p.coarsest_source)) + (p.estimated ? " (estimated)" : "")});
  }
  std::vector<std::size_t> width(table.front().size(), 0);
  for (const auto& row : table)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::ostringstream out;
  for (const auto& row : table) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width[c] == 0) continue;
      line += row[c] + std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
  std::size_t infeasible = 0;
  for (const auto& r : result.ranked) infeasible += r.prediction.feasible ? 0 : 1;
  out << result.ranked.size() << " candidates listed (" << infeasible << " infeasible), design space "
      << result.design_space_formula << "\n";
  if (!study.profiles.entries.empty()) {
    out << "profiles: " << study.profiles.machine;
    if (!study.profiles.reference.empty()) out << "; time unit: " << study.profiles.reference;
    out << "\n";
  } else {
    out << "profiles: none; every figure is a roofline estimate from the SoC description\n";
  }
  out << speedup_note(study, result, base);
  for (const std::string& w : study.soc.warnings) out << "warning: " << w << "\n";
  return out.str();
}

}  // namespace specmap
