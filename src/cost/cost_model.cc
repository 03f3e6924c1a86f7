#include "cost/cost_model.h"

#include <algorithm>
#include <cmath>

#include "cost/extended_terms.h"
#include "cost/predictors.h"
#include "cost/subgraph_timer.h"

namespace specmap {
namespace cost_internal {

std::string candidate_problem(const CostInputs& in, const Candidate& candidate) {
  if (candidate.variant < 0 || candidate.variant >= static_cast<int>(in.soc.variants.size()))
    return "design variant " + std::to_string(candidate.variant) + " does not exist";
  if (candidate.gamma < 0) return "gamma must not be negative";
  const int num_pus = static_cast<int>(in.soc.pus.size());
  auto check = [&](const ModelGraph& model, const std::vector<int>& mapping, int role) -> std::string {
    const std::string& name = role_name(role);
    if (mapping.size() != model.subgraphs.size())
      return name + " mapping has " + std::to_string(mapping.size()) + " entries for " +
             std::to_string(model.subgraphs.size()) + " subgraphs";
    for (std::size_t s = 0; s < mapping.size(); ++s) {
      if (mapping[s] < 0) return name + " subgraph " + model.subgraphs[s].name + " is not placed";
      if (mapping[s] >= num_pus)
        return name + " subgraph " + model.subgraphs[s].name + " is mapped to PU index " +
               std::to_string(mapping[s]) + ", the SoC has " + std::to_string(num_pus);
    }
    return {};
  };
  if (candidate.gamma > 0) {
    if (std::string problem = check(in.draft, candidate.mapping.draft, kDraft); !problem.empty())
      return problem;
  }
  return check(in.target, candidate.mapping.target, kTarget);
}

std::vector<int> candidate_assignment(const CostInputs& in, const Candidate& candidate) {
  std::vector<int> assignment;
  if (candidate.gamma > 0)
    assignment = candidate.mapping.draft;
  else
    assignment.assign(in.draft.subgraphs.size(), -1);
  assignment.insert(assignment.end(), candidate.mapping.target.begin(), candidate.mapping.target.end());
  return assignment;
}

Prediction infeasible_prediction(std::string reason) {
  Prediction p;
  p.feasible = false;
  p.infeasible_reason = std::move(reason);
  return p;
}

std::vector<std::string> memory_pool_names(const Soc& soc) {
  std::vector<std::string> names;
  for (const Memory& m : soc.memories) names.push_back(m.id);
  return names;
}

std::pair<Tokens, Tokens> paper_evaluation_point(const Workload& workload) {
  const Tokens prompt = std::max<Tokens>(std::llround(workload.mean_prompt_tokens()), 1);
  if (workload.kv_cache) return {1, prompt};
  return {prompt, 0};
}

}  // namespace cost_internal

Prediction predict(const CostInputs& in, const Candidate& candidate) {
  using namespace cost_internal;
  if (std::string problem = candidate_problem(in, candidate); !problem.empty())
    return infeasible_prediction(problem);
  const std::vector<int> assignment = candidate_assignment(in, candidate);
  if (candidate.schedule == Schedule::overlapped && candidate.gamma > 0) {
    if (in.mode == CostMode::paper)
      return infeasible_prediction("the paper's cost model (Eq. 1) has the sequential schedule only");
    return predict_overlapped(in, candidate, assignment);
  }
  if (in.mode == CostMode::paper) return predict_paper(in, candidate, assignment);
  return predict_extended(in, candidate, assignment);
}

PassPrediction predict_pass(const CostInputs& in, int variant, bool draft, const std::vector<int>& pus,
                            Tokens new_tokens, Tokens context) {
  using namespace cost_internal;
  SubgraphTimer timer(in, variant);
  const int role = draft ? kDraft : kTarget;
  PassPrediction out;
  out.seconds = single_pass_time(in, timer, role, pus, new_tokens, context);
  bool any = false;
  for (std::size_t s = 0; s < pus.size(); ++s) {
    const Provenance p = timer.pass(role, pus[s], new_tokens, context)[s].source;
    out.source = any ? std::max(out.source, p) : p;
    any = true;
  }
  return out;
}

LinearCost build_linear_cost(const CostInputs& in, int variant, int gamma) {
  cost_internal::SubgraphTimer timer(in, variant);
  return cost_internal::build_extended_terms(in, variant, std::max(gamma, 0), timer, nullptr).cost;
}

std::vector<int> flatten(const Mapping& m) {
  std::vector<int> assignment = m.draft;
  assignment.insert(assignment.end(), m.target.begin(), m.target.end());
  return assignment;
}

Mapping unflatten(const std::vector<int>& assignment, std::size_t num_draft) {
  Mapping m;
  const std::size_t split = std::min(num_draft, assignment.size());
  m.draft.assign(assignment.begin(), assignment.begin() + static_cast<std::ptrdiff_t>(split));
  m.target.assign(assignment.begin() + static_cast<std::ptrdiff_t>(split), assignment.end());
  return m;
}

}  // namespace specmap
