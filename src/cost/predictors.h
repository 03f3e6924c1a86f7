#pragma once
// Internal to src/cost: the two predictors behind predict() and what they share.
#include <string>
#include <utility>
#include <vector>

#include "cost/cost_model.h"

namespace specmap::cost_internal {

// Empty when the candidate is well formed for these models and SoC, else why not.
std::string candidate_problem(const CostInputs& in, const Candidate& candidate);
// Draft nodes then target nodes; draft entries are -1 at gamma 0 (the draft is not loaded).
std::vector<int> candidate_assignment(const CostInputs& in, const Candidate& candidate);

Prediction infeasible_prediction(std::string reason);
std::vector<std::string> memory_pool_names(const Soc& soc);

// Where the paper evaluates one forward pass: without KV cache the whole prompt
// (new tokens = mean prompt, context 0); with KV cache one token after the prompt.
std::pair<Tokens, Tokens> paper_evaluation_point(const Workload& workload);

Prediction predict_paper(const CostInputs& in, const Candidate& candidate,
                         const std::vector<int>& assignment);
Prediction predict_extended(const CostInputs& in, const Candidate& candidate,
                            const std::vector<int>& assignment);
// The overlapped schedule (cost/overlapped_schedule.h) on top of the extended sequential terms.
Prediction predict_overlapped(const CostInputs& in, const Candidate& candidate,
                              const std::vector<int>& assignment);

class SubgraphTimer;
struct ExtendedTerms;
// The extended sequential prediction of `candidate` from terms already built for its
// assignment (build_extended_terms with `only`), so a caller that needs the terms too
// builds them once.
Prediction predict_from_terms(const CostInputs& in, const Candidate& candidate, const std::vector<int>& assignment,
                              SubgraphTimer& timer, const ExtendedTerms& terms);
// One forward pass of a model (role kDraft / kTarget) on its mapped PUs: subgraphs, boundary
// transfers and launches; what the paper's c compares, here for a split mapping too.
Seconds single_pass_time(const CostInputs& in, SubgraphTimer& timer, int role, const std::vector<int>& pus,
                         Tokens new_tokens, Tokens context);

}  // namespace specmap::cost_internal
