#pragma once
// Design-space search: design variants x subgraph-to-PU assignments x gamma.
// Pure and deterministic.
#include <cstdint>
#include <vector>

#include "cost/cost_model.h"
#include "describe/experiment.h"

namespace specmap {

struct RankedCandidate {
  Candidate candidate;
  Prediction prediction;
  double objective = 0;   // value minimised (seconds or joules per token)
  bool pareto = false;    // on the latency/energy Pareto front of feasible candidates
  // Infeasible only because it exceeds energy_under_latency's bound: its prediction keeps
  // its figures, so outputs can still show how far over the bound it is.
  bool over_latency_bound = false;
};

struct SearchResult {
  // Every evaluated candidate, best first (infeasible ones last, with reasons).
  // coarse: the whole space. fine: for each (variant, gamma, schedule) the exact
  // optimum plus every whole-model (coarse) mapping, so the sweep stays readable.
  std::vector<RankedCandidate> ranked;
  double design_space_size = 0;   // v * N^m * (gamma_max + 1): counted, not enumerated
  std::string design_space_formula;  // e.g. "v=6 * N=2^m=2 * 9 gammas"
  std::size_t evaluated = 0;      // candidates actually costed
  // Best gamma == 0 candidate (the non-speculative baseline) over all variants/mappings;
  // when none is feasible, the fastest one over the latency bound, if any.
  std::size_t best_baseline = 0;  // index into ranked
};

SearchResult search(const CostInputs& in, const SearchOptions& options);

// Exact minimum of a LinearCost over node->PU assignments respecting memory pools
// (branch and bound with a chain dynamic-programming lower bound).
// `objective_energy`: minimise energy instead of time. Empty result: nothing feasible.
std::vector<int> best_assignment(const LinearCost& cost, bool objective_energy,
                                 double max_time = kInfeasible);

}  // namespace specmap
