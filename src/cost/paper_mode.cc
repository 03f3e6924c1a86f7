// predict() in paper mode: the paper's Eq. 1 with c from one forward pass of each
// whole model on its PU.
#include <algorithm>
#include <cmath>

#include "cost/cost_memo.h"
#include "cost/eq1.h"
#include "cost/memory_terms.h"
#include "cost/placement.h"
#include "cost/predictors.h"

namespace specmap::cost_internal {
namespace {

// The PU a whole model sits on, or -1 when its subgraphs are spread over several.
int single_pu(const std::vector<int>& mapping) {
  if (mapping.empty()) return -1;
  for (int pu : mapping)
    if (pu != mapping.front()) return -1;
  return mapping.front();
}

// First reason a whole model cannot sit on `pu` in `variant`, or empty.
std::string placement_reason(const CostInputs& in, int variant, int role, int pu) {
  if (units_in_variant(in.soc, variant, pu) <= 0) return pu_off_reason(in.soc, variant, pu);
  const ModelGraph& model = role == kDraft ? in.draft : in.target;
  for (std::size_t s = 0; s < model.subgraphs.size(); ++s)
    if (std::string problem = dtype_problem(in.soc.pus[pu], model, role_name(role), s); !problem.empty())
      return problem;
  return {};
}

// The same memory terms the extended model uses (weights, KV cache, activation buffers).
LinearCost memory_form(const CostInputs& in, int variant, int gamma) {
  LinearCost cost;
  cost.num_pus = static_cast<int>(in.soc.pus.size());
  cost.num_draft = in.draft.subgraphs.size();
  fill_memory_terms(in, variant, gamma, plan_passes(in.workload, gamma), cost);
  return cost;
}

// The three helpers below go through the search's memo when there is one.
const std::string& placement_reason_memo(const CostInputs& in, int variant, int role, int pu, std::string& local) {
  if (!in.memo) return local = placement_reason(in, variant, role, pu);
  const auto key = std::make_tuple(variant, role, pu);
  auto it = in.memo->placement.find(key);
  if (it == in.memo->placement.end()) it = in.memo->placement.emplace(key, placement_reason(in, variant, role, pu)).first;
  return it->second;
}

const LinearCost& memory_form_memo(const CostInputs& in, int variant, int gamma, LinearCost& local) {
  if (!in.memo) return local = memory_form(in, variant, gamma);
  const auto key = std::make_pair(variant, gamma);
  auto it = in.memo->memory.find(key);
  if (it == in.memo->memory.end()) it = in.memo->memory.emplace(key, memory_form(in, variant, gamma)).first;
  return it->second;
}

TimeEstimate forward_memo(const CostInputs& in, int role, int pu, int units, Tokens new_tokens, Tokens context) {
  const ModelGraph& model = role == kDraft ? in.draft : in.target;
  if (!in.memo) return in.oracle.forward(model, pu, units, new_tokens, context);
  const auto key = std::make_tuple(role, pu, units);
  auto it = in.memo->forward.find(key);
  if (it == in.memo->forward.end())
    it = in.memo->forward.emplace(key, in.oracle.forward(model, pu, units, new_tokens, context)).first;
  return it->second;
}

}  // namespace

Prediction predict_paper(const CostInputs& in, const Candidate& candidate,
                         const std::vector<int>& assignment) {
  const int variant = candidate.variant;
  const int gamma = candidate.gamma;
  const int target_pu = single_pu(candidate.mapping.target);
  const int draft_pu = gamma > 0 ? single_pu(candidate.mapping.draft) : -1;
  if (target_pu < 0 || (gamma > 0 && draft_pu < 0))
    return infeasible_prediction("paper mode maps whole models only");
  std::string local_reason;
  if (gamma > 0) {
    if (const std::string& why = placement_reason_memo(in, variant, kDraft, draft_pu, local_reason); !why.empty())
      return infeasible_prediction(why);
  }
  if (const std::string& why = placement_reason_memo(in, variant, kTarget, target_pu, local_reason); !why.empty())
    return infeasible_prediction(why);
  LinearCost local_memory;
  const LinearCost& memory = memory_form_memo(in, variant, gamma, local_memory);
  if (std::string overflow = memory.memory_violation(assignment, memory_pool_names(in.soc));
      !overflow.empty())
    return infeasible_prediction(overflow);

  const auto [new_tokens, context] = paper_evaluation_point(in.workload);
  const TimeEstimate target =
      forward_memo(in, kTarget, target_pu, units_in_variant(in.soc, variant, target_pu), new_tokens, context);
  if (target.source == Provenance::unavailable)
    return infeasible_prediction("target forward pass on " + in.soc.pus[target_pu].id + ": " + target.why);
  TimeEstimate draft;
  if (gamma > 0) {
    draft = forward_memo(in, kDraft, draft_pu, units_in_variant(in.soc, variant, draft_pu), new_tokens, context);
    if (draft.source == Provenance::unavailable)
      return infeasible_prediction("draft forward pass on " + in.soc.pus[draft_pu].id + ": " + draft.why);
  }
  if (!std::isfinite(target.median) || (gamma > 0 && !std::isfinite(draft.median)))
    return infeasible_prediction(
        "no finite forward-pass time: the SoC description gives no throughput for a "
        "data type of the models");
  if (!(target.median > 0)) return infeasible_prediction("target forward pass takes no time");

  Prediction p;
  const double alpha = in.workload.mean_alpha();
  p.c = gamma > 0 ? draft.median / target.median : 0.0;
  const double speedup = eq1_speedup(alpha, gamma, p.c);
  p.time_per_token = target.median / speedup;
  p.tokens_per_second = 1.0 / p.time_per_token;
  // Eq. 1's numerator: (1 - a^(gamma+1)) / (1 - a), i.e. speedup * (gamma c + 1).
  const double expected = speedup * (gamma * p.c + 1.0);
  p.expected_tokens_per_iteration = expected;

  Breakdown& b = p.breakdown;
  b.draft = gamma * draft.median / expected;
  b.target = target.median / expected;
  p.time_per_token_stddev = std::hypot(gamma * draft.stddev / expected, target.stddev / expected);
  std::vector<Seconds> busy(in.soc.pus.size(), 0.0);
  busy[target_pu] += b.target;
  if (gamma > 0) busy[draft_pu] += b.draft;

  const std::vector<Bytes> resident = resident_bytes_per_pu(memory, assignment);
  Joules above_idle = 0;
  Watts idle = 0;
  for (int pu = 0; pu < static_cast<int>(in.soc.pus.size()); ++pu) {
    const int units = units_in_variant(in.soc, variant, pu);
    if (units <= 0) continue;
    const ProcessingUnit& unit = in.soc.pus[pu];
    above_idle += busy[pu] * (unit.active_power(units) - unit.idle_power(units));
    idle += unit.idle_power(units);
    b.per_pu.push_back(PuCost{pu, busy[pu], resident[pu]});
  }
  p.energy_per_token = above_idle + idle * p.time_per_token;

  p.coarsest_source = target.source;
  b.per_subgraph.push_back(SubgraphCost{role_name(kTarget), "forward", target_pu, b.target, target.source});
  if (gamma > 0) {
    p.coarsest_source = std::max(p.coarsest_source, draft.source);
    b.per_subgraph.insert(b.per_subgraph.begin(),
                          SubgraphCost{role_name(kDraft), "forward", draft_pu, b.draft, draft.source});
  }
  p.estimated = is_estimated(p.coarsest_source);
  return p;
}

}  // namespace specmap::cost_internal
