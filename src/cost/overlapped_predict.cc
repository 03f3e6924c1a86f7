// predict() for the overlapped schedule: the extended sequential terms split by model,
// turned into one draft step and one verification per iteration, then the renewal formula
// of cost/overlapped_schedule.h with the contention the profile measured.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "cost/extended_terms.h"
#include "cost/overlapped_schedule.h"
#include "cost/predictors.h"
#include "cost/subgraph_timer.h"

namespace specmap::cost_internal {
namespace {

// Decode seconds per generated token of one model: its subgraphs, launches and the transfers
// between its own subgraphs.
struct RoleDecode {
  Seconds seconds[kRoles] = {0, 0};
  Joules active_energy[kRoles] = {0, 0};
  std::map<int, Seconds> per_pu[kRoles];  // where each model spends its decode time
};

RoleDecode role_decode(const ExtendedTerms& terms, const std::vector<int>& assignment) {
  RoleDecode out;
  const LinearCost& cost = terms.cost;
  for (std::size_t node = 0; node < assignment.size(); ++node) {
    const int pu = assignment[node];
    if (pu < 0) continue;
    const int role = node < cost.num_draft ? kDraft : kTarget;
    const NodeTerms& t = terms.node[node][pu];
    const Seconds decode = t.compute.decode + t.dispatch.decode;
    out.seconds[role] += decode;
    out.per_pu[role][pu] += decode;
    const Seconds all = t.compute.decode + t.compute.prefill;
    if (all > 0) out.active_energy[role] += cost.node_energy[node][pu] * t.compute.decode / all;
  }
  for (std::size_t e = 0; e < cost.edges.size(); ++e) {
    const int pu_u = assignment[cost.edges[e].u];
    const int pu_v = assignment[cost.edges[e].v];
    if (pu_u < 0 || pu_v < 0) continue;
    const int role = cost.edges[e].u < cost.num_draft ? kDraft : kTarget;
    const Seconds decode = terms.edge[e].transfer[pu_u][pu_v].decode + terms.edge[e].dispatch[pu_u][pu_v].decode;
    out.seconds[role] += decode;
    out.per_pu[role][pu_v] += decode;
  }
  return out;
}

int busiest_pu(const std::map<int, Seconds>& per_pu) {
  return std::max_element(per_pu.begin(), per_pu.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

// The sequence length halfway through generation, where a mid-generation pass sits.
Tokens mid_generation_context(const Workload& workload) {
  double weighted = 0, weights = 0;
  for (const WorkloadSample& s : workload.samples) {
    weighted += s.weight * (static_cast<double>(s.prompt_tokens) + 0.5 * static_cast<double>(s.generate_tokens));
    weights += s.weight;
  }
  return weights > 0 ? std::llround(weighted / weights) : 0;
}

}  // namespace

Prediction predict_overlapped(const CostInputs& in, const Candidate& candidate, const std::vector<int>& assignment) {
  SubgraphTimer timer(in, candidate.variant);
  // Its drafter is fed the last draft beside the target's pass: no 2-token catch-up steps.
  const ExtendedTerms terms =
      build_extended_terms(in, candidate.variant, candidate.gamma, timer, &assignment, /*catch_up_pairs=*/false);
  Prediction p = predict_from_terms(in, candidate, assignment, timer, terms);
  if (!p.feasible) return p;

  const std::set<int> draft_pus(candidate.mapping.draft.begin(), candidate.mapping.draft.end());
  for (int pu : candidate.mapping.target)
    if (draft_pus.count(pu))
      return infeasible_prediction("overlapped schedule: draft and target both use " + in.soc.pus[pu].id +
                                   "; they must run on different PUs to overlap");
  const RoleDecode decode = role_decode(terms, assignment);
  const double iterations_per_token = terms.plan.iterations / terms.plan.generated_tokens;

  OverlapInputs o;
  o.gamma = candidate.gamma;
  o.alpha = iid_alpha_for(1.0 / iterations_per_token, candidate.gamma);
  o.draft_step = decode.seconds[kDraft] / iterations_per_token / candidate.gamma;
  o.verify_cold = decode.seconds[kTarget] / iterations_per_token;
  // A warm block verifies gamma tokens instead of gamma + 1: scale by the pass-time ratio at
  // mid-generation.
  const Tokens context = mid_generation_context(in.workload);
  const bool kv = in.workload.kv_cache;
  const Seconds pass_cold = single_pass_time(in, timer, kTarget, candidate.mapping.target,
                                             kv ? candidate.gamma + 1 : context + candidate.gamma, kv ? context : 0);
  const Seconds pass_warm = single_pass_time(in, timer, kTarget, candidate.mapping.target,
                                             kv ? candidate.gamma : context + candidate.gamma - 1, kv ? context : 0);
  o.verify_warm = pass_cold > 0 ? o.verify_cold * pass_warm / pass_cold : o.verify_cold;

  const int draft_pu = busiest_pu(decode.per_pu[kDraft]);
  const int target_pu = busiest_pu(decode.per_pu[kTarget]);
  // Each role's slowdown from its own work beside the other's (contention keyed per role).
  const Slowdown draft_slow =
      in.oracle.role_slowdown("draft", draft_pu, timer.units(draft_pu), target_pu, timer.units(target_pu));
  const Slowdown target_slow =
      in.oracle.role_slowdown("target", target_pu, timer.units(target_pu), draft_pu, timer.units(draft_pu));
  o.draft_slowdown = draft_slow.factor;
  o.target_slowdown = target_slow.factor;
  const OverlapResult r = overlapped_decode(o);

  const Seconds sequential_decode = decode.seconds[kDraft] + decode.seconds[kTarget];
  const Seconds sequential_time = p.time_per_token;
  p.time_per_token = sequential_time - sequential_decode + r.time_per_token;
  p.tokens_per_second = p.time_per_token > 0 ? 1.0 / p.time_per_token : 0.0;
  if (sequential_time > 0) p.time_per_token_stddev *= p.time_per_token / sequential_time;
  // Energy: idle draw over the new time, draft work scaled by the passes actually run.
  const double sequential_steps = candidate.gamma * iterations_per_token;
  p.energy_per_token += terms.cost.idle_power * (p.time_per_token - sequential_time) +
                        decode.active_energy[kDraft] * (r.draft_steps_per_token / sequential_steps - 1.0);

  Breakdown& b = p.breakdown;
  b.draft = r.critical_draft_per_token;
  b.target = r.target_per_token;
  b.hidden_draft = r.hidden_draft_per_token;
  b.transfers = b.overheads = 0;  // decode's are inside draft and target now
  b.draft_slowdown = o.draft_slowdown;
  b.target_slowdown = o.target_slowdown;
  b.contention_measured = draft_slow.measured && target_slow.measured;
  // The drafter's PU also runs the pre-drafts that get discarded.
  for (PuCost& pu : b.per_pu)
    if (pu.pu == draft_pu) pu.busy_seconds_per_token *= r.draft_steps_per_token / sequential_steps;
  return p;
}

}  // namespace specmap::cost_internal
