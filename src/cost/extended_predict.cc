// predict() in extended mode: evaluates the same linear form build_linear_cost() returns,
// restricted to the candidate's mapping, and explains it.
#include <cmath>
#include <map>

#include "cost/extended_terms.h"
#include "cost/memory_terms.h"
#include "cost/placement.h"
#include "cost/predictors.h"
#include "cost/subgraph_timer.h"

namespace specmap::cost_internal {
namespace {

// Independent errors add in quadrature; the shares of one measured forward pass on one PU
// come from a single figure, so their spreads add linearly first.
Seconds combined_stddev(const ExtendedTerms& terms, const std::vector<int>& assignment) {
  std::map<std::pair<bool, int>, Seconds> forward_groups;  // (is target, pu) -> summed stddev
  double variance = 0;
  for (std::size_t node = 0; node < assignment.size(); ++node) {
    if (assignment[node] < 0) continue;
    const NodeTerms& t = terms.node[node][assignment[node]];
    if (t.apportioned)
      forward_groups[{node >= terms.cost.num_draft, assignment[node]}] += t.stddev;
    else
      variance += t.stddev * t.stddev;
  }
  for (const auto& [group, stddev] : forward_groups) variance += stddev * stddev;
  return std::sqrt(variance);
}

void fill_breakdown(const CostInputs& in, const ExtendedTerms& terms, const std::vector<int>& assignment,
                    int variant, Prediction& p) {
  const LinearCost& cost = terms.cost;
  Breakdown& b = p.breakdown;
  std::vector<Seconds> busy(cost.num_pus, 0.0);
  bool any_source = false;
  for (std::size_t node = 0; node < assignment.size(); ++node) {
    const int pu = assignment[node];
    if (pu < 0) continue;
    const NodeTerms& t = terms.node[node][pu];
    const bool draft = node < cost.num_draft;
    (draft ? b.draft : b.target) += t.compute.decode;
    b.prefill += t.compute.prefill + t.dispatch.prefill;
    b.overheads += t.dispatch.decode;
    busy[pu] += t.compute.decode + t.compute.prefill;
    const ModelGraph& model = draft ? in.draft : in.target;
    const std::size_t s = draft ? node : node - cost.num_draft;
    b.per_subgraph.push_back(SubgraphCost{role_name(draft ? kDraft : kTarget), model.subgraphs[s].name, pu,
                                          t.compute.decode + t.compute.prefill, t.source});
    if (t.evaluated) {
      p.coarsest_source = any_source ? std::max(p.coarsest_source, t.source) : t.source;
      any_source = true;
    }
  }
  for (std::size_t e = 0; e < cost.edges.size(); ++e) {
    const int pu_u = assignment[cost.edges[e].u];
    const int pu_v = assignment[cost.edges[e].v];
    if (pu_u < 0 || pu_v < 0) continue;
    const PhaseSplit& transfer = terms.edge[e].transfer[pu_u][pu_v];
    const PhaseSplit& dispatch = terms.edge[e].dispatch[pu_u][pu_v];
    b.transfers += transfer.decode;
    b.overheads += dispatch.decode;
    b.prefill += transfer.prefill + dispatch.prefill;
  }
  b.sampling = cost.constant_time;  // the loop's own work per token (cost/loop_work.h)
  const std::vector<Bytes> resident = resident_bytes_per_pu(cost, assignment);
  for (int pu = 0; pu < cost.num_pus; ++pu)
    if (units_in_variant(in.soc, variant, pu) > 0) b.per_pu.push_back(PuCost{pu, busy[pu], resident[pu]});
}

}  // namespace

// One forward pass of a model on its mapped PUs (subgraphs, boundary transfers, launches):
// what the paper's c compares, here for a split mapping too.
Seconds single_pass_time(const CostInputs& in, SubgraphTimer& timer, int role, const std::vector<int>& pus,
                         Tokens new_tokens, Tokens context) {
  const ModelGraph& model = timer.model(role);
  const bool seconds_units = in.oracle.db().time_unit != "relative";
  Seconds total = 0;
  for (std::size_t s = 0; s < pus.size(); ++s) {
    const SubgraphTime t = timer.pass(role, pus[s], new_tokens, context)[s];
    total += t.median;
    // The first run's launch is inside a pass timed whole (extended_terms.cc, add()).
    if (seconds_units && (s == 0 ? !launch_measured(t.source) : pus[s] != pus[s - 1]))
      total += from_us(in.soc.pus[pus[s]].dispatch_overhead_us);
  }
  if (!seconds_units) return total;
  for (const auto& [u, v] : model.edges) {
    if (u >= pus.size() || v >= pus.size() || pus[u] == pus[v]) continue;
    total += in.oracle.transfer(pus[u], pus[v],
                                model.subgraphs[u].output_bytes_per_token * static_cast<double>(new_tokens));
  }
  return total;
}

Prediction predict_extended(const CostInputs& in, const Candidate& candidate,
                            const std::vector<int>& assignment) {
  SubgraphTimer timer(in, candidate.variant);
  const ExtendedTerms terms =
      build_extended_terms(in, candidate.variant, candidate.gamma, timer, &assignment);
  return predict_from_terms(in, candidate, assignment, timer, terms);
}

Prediction predict_from_terms(const CostInputs& in, const Candidate& candidate, const std::vector<int>& assignment,
                              SubgraphTimer& timer, const ExtendedTerms& terms) {
  for (std::size_t node = 0; node < assignment.size(); ++node)
    if (assignment[node] >= 0 && !terms.node[node][assignment[node]].problem.empty())
      return infeasible_prediction(terms.node[node][assignment[node]].problem);
  for (const LinearCost::Edge& edge : terms.cost.edges) {
    const int pu_u = assignment[edge.u];
    const int pu_v = assignment[edge.v];
    if (pu_u < 0 || pu_v < 0 || edge.time[pu_u][pu_v] != kInfeasible) continue;
    return infeasible_prediction(terms.cost.node_names[edge.u] + " on " + in.soc.pus[pu_u].id +
                                 " cannot hand over to " + terms.cost.node_names[edge.v] + " on " +
                                 in.soc.pus[pu_v].id + ": the SoC describes no transfer between them");
  }
  if (terms.plan.generated_tokens <= 0) return infeasible_prediction("the workload generates no tokens");
  if (std::string overflow = terms.cost.memory_violation(assignment, memory_pool_names(in.soc));
      !overflow.empty())
    return infeasible_prediction(overflow);

  Prediction p;
  p.time_per_token = terms.cost.time(assignment);
  p.energy_per_token = terms.cost.energy(assignment);
  p.tokens_per_second = p.time_per_token > 0 ? 1.0 / p.time_per_token : 0.0;
  p.time_per_token_stddev = combined_stddev(terms, assignment);
  p.expected_tokens_per_iteration =
      terms.plan.iterations > 0 ? terms.plan.generated_tokens / terms.plan.iterations : 1.0;
  fill_breakdown(in, terms, assignment, candidate.variant, p);
  p.estimated = is_estimated(p.coarsest_source);

  if (candidate.gamma > 0) {
    const auto [new_tokens, context] = paper_evaluation_point(in.workload);
    const Seconds t_target =
        single_pass_time(in, timer, kTarget, candidate.mapping.target, new_tokens, context);
    const Seconds t_draft = single_pass_time(in, timer, kDraft, candidate.mapping.draft, new_tokens, context);
    p.c = t_target > 0 ? t_draft / t_target : 0.0;
  }
  return p;
}

}  // namespace specmap::cost_internal
