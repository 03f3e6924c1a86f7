#include "plan/plan_json.h"

#include <nlohmann/json.hpp>

#include "plan/mapping_text.h"
#include "specmap_version.h"

namespace specmap {

using nlohmann::ordered_json;

std::string time_unit(const Study& study) { return study.profiles.time_unit == "relative" ? "relative" : "s"; }

namespace {

// Figures that only mean something in seconds are null with a relative profile.
ordered_json seconds_only(const Study& study, double v) {
  return time_unit(study) == "s" ? ordered_json(v) : ordered_json(nullptr);
}

ordered_json assignment(const ModelGraph& model, const std::vector<int>& pus, const Soc& soc) {
  ordered_json out = ordered_json::array();
  for (std::size_t i = 0; i < model.subgraphs.size(); ++i) {
    const int pu = i < pus.size() ? pus[i] : -1;
    out.push_back({{"subgraph", model.subgraphs[i].name},
                   {"pu", pu >= 0 ? ordered_json(soc.pus[pu].id) : ordered_json(nullptr)}});
  }
  return out;
}

ordered_json breakdown(const Study& study, const Breakdown& b) {
  ordered_json per_pu = ordered_json::array();
  for (const auto& p : b.per_pu)
    per_pu.push_back({{"pu", study.soc.pus[p.pu].id},
                      {"busy_per_token", p.busy_seconds_per_token},
                      {"resident_bytes", p.resident_bytes}});
  ordered_json per_subgraph = ordered_json::array();
  for (const auto& s : b.per_subgraph)
    per_subgraph.push_back({{"model", s.model},
                            {"subgraph", s.subgraph},
                            {"pu", study.soc.pus[s.pu].id},
                            {"per_token", s.seconds_per_token},
                            {"source", provenance_name(s.source)}});
  return {{"draft", b.draft},         {"target", b.target},     {"prefill", b.prefill},
          {"transfers", b.transfers}, {"overheads", b.overheads}, {"sampling", b.sampling},
          {"per_pu", per_pu},         {"per_subgraph", per_subgraph}};
}

ordered_json candidate_summary(const Study& study, const RankedCandidate& r, double baseline_time) {
  const Candidate& c = r.candidate;
  const Prediction& p = r.prediction;
  return {{"variant", study.soc.variants[c.variant].name},
          {"gamma", c.gamma},
          {"schedule", schedule_name(c.schedule)},
          {"draft", mapping_text(study.draft, c.gamma > 0 ? c.mapping.draft : std::vector<int>{}, study.soc)},
          {"target", mapping_text(study.target, c.mapping.target, study.soc)},
          {"time_per_token", p.time_per_token},
          {"speedup_vs_best_baseline", baseline_time / p.time_per_token},
          {"energy_per_token_j", seconds_only(study, p.energy_per_token)}};
}

}  // namespace

Result<std::string> plan_json(const Study& study, const SearchResult& result) {
  if (result.ranked.empty() || !result.ranked.front().prediction.feasible)
    return Error{"no feasible candidate: every mapping is infeasible (see sweep.csv for the reasons)"};
  const RankedCandidate& best = result.ranked.front();
  const Candidate& c = best.candidate;
  const Prediction& p = best.prediction;
  const RankedCandidate& base = result.ranked[result.best_baseline];
  const double base_time =
      base.prediction.feasible || base.over_latency_bound ? base.prediction.time_per_token : p.time_per_token;
  const Experiment& e = study.experiment;

  ordered_json plan;
  plan["schema_version"] = kPlanSchemaVersion;
  plan["generator"] = std::string("specmap ") + SPECMAP_VERSION;
  plan["experiment"] = e.name;
  ordered_json inputs = ordered_json::array();
  for (const auto& in : study.inputs)
    inputs.push_back({{"role", in.role}, {"path", in.path}, {"fnv1a64", in.fingerprint}});
  plan["inputs"] = inputs;
  plan["overrides"] = study.overrides;
  std::vector<std::string> schedules;
  for (auto s : e.search.schedules) schedules.emplace_back(schedule_name(s));
  plan["search"] = {{"mode", cost_mode_name(e.search.mode)},
                    {"granularity", granularity_name(e.search.granularity)},
                    {"objective", objective_name(e.search.objective)},
                    {"gamma_max", e.search.gamma_max},
                    {"schedules", schedules},
                    {"design_space_size", result.design_space_size},
                    {"design_space_formula", result.design_space_formula},
                    {"evaluated", result.evaluated}};
  plan["workload"] = {{"name", study.workload.name},
                      {"kv_cache", study.workload.kv_cache},
                      {"mean_prompt_tokens", study.workload.mean_prompt_tokens()},
                      {"mean_generate_tokens", study.workload.mean_generate_tokens()},
                      {"mean_alpha", study.workload.mean_alpha()},
                      {"acceptance_note", study.workload.acceptance_note}};
  plan["soc"] = study.soc.name;
  if (!study.soc.warnings.empty()) plan["soc_warnings"] = study.soc.warnings;
  plan["draft_model"] = study.draft.name;
  plan["target_model"] = study.target.name;
  plan["time_unit"] = time_unit(study);
  plan["profiles"] = {{"machine", study.profiles.machine},
                      {"reference", study.profiles.reference},
                      {"entries", study.profiles.entries.size()}};

  const DesignVariant& v = study.soc.variants[c.variant];
  ordered_json units = ordered_json::object();
  for (std::size_t i = 0; i < study.soc.pus.size() && i < v.units.size(); ++i)
    if (v.units[i] > 0) units[study.soc.pus[i].id] = v.units[i];
  const std::vector<int> no_draft;
  const std::vector<int>& draft_pus = c.gamma > 0 ? c.mapping.draft : no_draft;
  plan["gamma"] = c.gamma;  // the chosen draft length, also under choice, for tools that read one number
  plan["choice"] = {{"variant", v.name},
                    {"variant_units", units},
                    {"gamma", c.gamma},
                    {"schedule", schedule_name(c.schedule)},
                    {"speculative", c.gamma > 0},
                    {"mapping_text",
                     {{"draft", mapping_text(study.draft, draft_pus, study.soc)},
                      {"target", mapping_text(study.target, c.mapping.target, study.soc)}}},
                    {"assignment",
                     {{"draft", assignment(study.draft, draft_pus, study.soc)},
                      {"target", assignment(study.target, c.mapping.target, study.soc)}}}};
  plan["prediction"] = {{"time_per_token", p.time_per_token},
                        {"time_per_token_stddev", p.time_per_token_stddev},
                        {"tokens_per_second", seconds_only(study, p.tokens_per_second)},
                        {"speedup_vs_best_baseline", base_time / p.time_per_token},
                        {"expected_tokens_per_iteration", p.expected_tokens_per_iteration},
                        {"c", p.c},
                        {"energy_per_token_j", seconds_only(study, p.energy_per_token)},
                        {"estimated", p.estimated},
                        {"coarsest_source", provenance_name(p.coarsest_source)}};
  plan["baseline"] = candidate_summary(study, base, base_time);
  plan["breakdown"] = breakdown(study, p.breakdown);
  ordered_json alternatives = ordered_json::array();
  for (std::size_t i = 1; i < result.ranked.size(); ++i) {
    if (static_cast<int>(alternatives.size()) >= e.search.alternatives) break;
    if (!result.ranked[i].prediction.feasible) break;
    alternatives.push_back(candidate_summary(study, result.ranked[i], base_time));
  }
  plan["alternatives"] = alternatives;
  return plan.dump(2) + "\n";
}

}  // namespace specmap
