// The sweep over design variants x gamma x schedules x mappings.
//
// Coarse (the paper's space): whole models, every (draft PU, target PU). Fine (extended
// cost only): per (variant, gamma) the exact optimum over subgraph-level mappings from
// best_assignment on the cost's linear form, next to the whole-model points so that the
// sweep stays readable. Every candidate kept is costed by predict(), so the figures
// reported are the cost model's, whatever produced the mapping.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/format.h"
#include "cost/cost_memo.h"
#include "search/search_internal.h"

namespace specmap {
namespace {

using search_detail::candidate_less;

constexpr double kMsPerSecond = 1000.0;
constexpr double kBoundSlack = 1e-12;

// Schedules in the order given, each once; sequential when none is given.
std::vector<Schedule> distinct_schedules(const std::vector<Schedule>& given) {
  std::vector<Schedule> out;
  for (Schedule s : given)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  if (out.empty()) out.push_back(Schedule::sequential);
  return out;
}

// The latency bound of energy_under_latency, in seconds per token; none otherwise
// (and none when the bound is not positive: there is nothing to respect).
double latency_bound_seconds(const SearchOptions& options) {
  if (options.objective != Objective::energy_under_latency) return kInfeasible;
  if (!(options.latency_bound_ms_per_token > 0)) return kInfeasible;
  return options.latency_bound_ms_per_token / kMsPerSecond;
}

class Sweep {
 public:
  Sweep(const CostInputs& in, const SearchOptions& options)
      : in_(in), options_(options), bound_s_(latency_bound_seconds(options)) {}

  void add(const Candidate& candidate) {
    if (!seen_.insert(candidate).second) return;  // already costed
    RankedCandidate r{candidate, predict(in_, candidate), 0, false};
    ++evaluated_;
    Prediction& p = r.prediction;
    r.objective = search_detail::objective_value(p, options_.objective);
    if (p.feasible && !std::isfinite(r.objective)) {
      p.feasible = false;
      p.infeasible_reason = "the cost model gives no finite " +
                            std::string(options_.objective == Objective::latency ? "time" : "energy");
    }
    // The same relative slack as best_assignment, so that its optimum at the bound stays feasible.
    if (p.feasible && p.time_per_token > bound_s_ + kBoundSlack * bound_s_) {
      p.feasible = false;
      r.over_latency_bound = true;
      p.infeasible_reason = "exceeds latency bound " + sig(options_.latency_bound_ms_per_token) +
                            " ms/token (" + sig(p.time_per_token * kMsPerSecond, 4) + " ms/token)";
    }
    ranked_.push_back(std::move(r));
  }

  [[nodiscard]] double bound_seconds() const { return bound_s_; }
  [[nodiscard]] std::size_t evaluated() const { return evaluated_; }
  std::vector<RankedCandidate> take() { return std::move(ranked_); }

 private:
  struct CandidateOrder {
    bool operator()(const Candidate& a, const Candidate& b) const { return candidate_less(a, b); }
  };
  const CostInputs& in_;
  const SearchOptions& options_;
  double bound_s_;
  std::set<Candidate, CandidateOrder> seen_;
  std::vector<RankedCandidate> ranked_;
  std::size_t evaluated_ = 0;
};

}  // namespace

SearchResult search(const CostInputs& caller_inputs, const SearchOptions& options) {
  // The options decide the cost mode of the whole search.
  // One memo for the whole search: candidates share placement checks, memory terms and
  // whole-model forward passes (predict() returns the same figures without it).
  CostMemo memo;
  const CostInputs in{caller_inputs.soc,      caller_inputs.draft,  caller_inputs.target,
                      caller_inputs.workload, caller_inputs.oracle, options.mode,
                      &memo};
  const std::size_t pus = in.soc.pus.size();
  const std::size_t draft_subgraphs = in.draft.subgraphs.size();
  const std::size_t target_subgraphs = in.target.subgraphs.size();
  const int gamma_max = std::max(options.gamma_max, 0);
  const std::vector<Schedule> schedules = distinct_schedules(options.schedules);
  const bool fine = options.granularity == Granularity::fine && options.mode == CostMode::extended;
  const bool objective_energy = options.objective != Objective::latency;

  Sweep sweep(in, options);
  for (int variant = 0; variant < static_cast<int>(in.soc.variants.size()); ++variant) {
    for (int gamma = 0; gamma <= gamma_max; ++gamma) {
      std::vector<int> optimum;
      if (fine)
        optimum =
            best_assignment(build_linear_cost(in, variant, gamma), objective_energy, sweep.bound_seconds());
      for (Schedule schedule : schedules) {
        // Without drafting there is nothing to overlap: gamma 0 is costed once, sequentially.
        if (gamma == 0 && schedule != schedules.front()) continue;
        const Schedule used = gamma == 0 ? Schedule::sequential : schedule;
        for (const Candidate& c : search_detail::whole_model_candidates(variant, gamma, used, pus,
                                                                        draft_subgraphs, target_subgraphs))
          sweep.add(c);
        if (!optimum.empty()) {
          Candidate c{variant, unflatten(optimum, draft_subgraphs), gamma, used};
          if (gamma == 0) c.mapping.draft.assign(draft_subgraphs, -1);  // the draft is not loaded
          sweep.add(c);
        }
      }
    }
  }

  SearchResult result;
  result.evaluated = sweep.evaluated();
  result.ranked = sweep.take();
  search_detail::rank(result.ranked);
  search_detail::mark_pareto(result.ranked);
  result.best_baseline = search_detail::best_baseline_index(result.ranked);

  search_detail::SpaceShape shape;
  shape.variants = in.soc.variants.size();
  shape.pus = pus;
  shape.draft_subgraphs = draft_subgraphs;
  shape.target_subgraphs = target_subgraphs;
  shape.gamma_max = gamma_max;
  shape.schedules = schedules.size();
  shape.granularity = fine ? Granularity::fine : Granularity::coarse;
  shape.fell_back_to_coarse = options.granularity == Granularity::fine && !fine;
  result.design_space_size = search_detail::design_space_size(shape);
  result.design_space_formula = search_detail::design_space_formula(shape);
  return result;
}

}  // namespace specmap
