#pragma once
// Pieces of the search, internal to src/search: the design space's size and the
// whole-model candidates, the ranking and the Pareto front.
#include <string>
#include <vector>

#include "cost/mapping.h"
#include "describe/experiment.h"
#include "search/search.h"

namespace specmap::search_detail {

// Sizes the space is counted from.
struct SpaceShape {
  std::size_t variants = 0;
  std::size_t pus = 0;
  std::size_t draft_subgraphs = 0;
  std::size_t target_subgraphs = 0;
  int gamma_max = 0;
  std::size_t schedules = 1;
  Granularity granularity = Granularity::coarse;  // as searched (after any fallback)
  bool fell_back_to_coarse = false;               // fine asked for in paper mode
};

// v * N^m * (gamma_max + 1) [* schedules]; m = 2 when coarse, draft + target subgraphs when fine.
double design_space_size(const SpaceShape& shape);
// e.g. "v=6 x N=2^m=2 x 9 gammas = 216".
std::string design_space_formula(const SpaceShape& shape);

// Whole-model mappings of one (variant, gamma, schedule): every (draft PU, target PU),
// draft PU outer; at gamma 0 the draft is not placed (all -1) and only the target PU varies.
std::vector<Candidate> whole_model_candidates(int variant, int gamma, Schedule schedule, std::size_t pus,
                                              std::size_t draft_subgraphs, std::size_t target_subgraphs);

// The value minimised for an objective (seconds or joules per token).
double objective_value(const Prediction& p, Objective objective);

// Candidate identity order: variant, gamma, draft mapping, target mapping, schedule.
bool candidate_less(const Candidate& a, const Candidate& b);
bool same_candidate(const Candidate& a, const Candidate& b);

// Feasible first by objective (ties in candidate order), then infeasible in candidate order.
void rank(std::vector<RankedCandidate>& ranked);
// Sets `pareto` on feasible candidates no other feasible candidate dominates in
// (time_per_token, energy_per_token); equal points are all on the front.
void mark_pareto(std::vector<RankedCandidate>& ranked);
// Index of the best feasible gamma == 0 candidate in a ranked list; failing that the
// first gamma == 0 candidate, failing that 0.
std::size_t best_baseline_index(const std::vector<RankedCandidate>& ranked);

}  // namespace specmap::search_detail
