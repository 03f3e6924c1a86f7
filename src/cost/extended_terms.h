#pragma once
// Internal to src/cost: the extended sequential cost of one design variant and gamma as
// per-node and per-edge terms, with the split into phases that predict() reports.
// build_linear_cost() returns `cost`; predict() evaluates the same `cost` for one mapping,
// so both give identical figures.
#include <string>
#include <vector>

#include "cost/cost_model.h"
#include "cost/subgraph_timer.h"
#include "cost/workload_passes.h"

namespace specmap::cost_internal {

struct PhaseSplit {
  Seconds decode = 0;   // drafting and verification iterations
  Seconds prefill = 0;  // filling the KV caches with the prompt
};

// One node on one PU, per generated token.
struct NodeTerms {
  PhaseSplit compute;   // the subgraph's own time
  PhaseSplit dispatch;  // launching its model's first run of subgraphs when it is node 0
  Seconds stddev = 0;   // profile spread, weighted like compute (errors of one figure add up)
  Provenance source = Provenance::unavailable;  // least-measured figure used
  bool evaluated = false;
  bool apportioned = false;  // a share of a measured forward pass
  std::string problem;       // why it cannot run there; empty when it can
};

// One edge, [pu of u][pu of v], per generated token.
struct EdgeTerms {
  std::vector<std::vector<PhaseSplit>> transfer;
  std::vector<std::vector<PhaseSplit>> dispatch;  // starting a new run on v's PU
};

struct ExtendedTerms {
  PassPlan plan;
  LinearCost cost;
  std::vector<std::vector<NodeTerms>> node;  // [node][pu]
  std::vector<EdgeTerms> edge;               // parallel to cost.edges
};

// only == nullptr: every PU for every node (the search's linear form). Otherwise only the
// entries of that assignment are evaluated (what predict() needs), with identical values.
// `catch_up_pairs`: plan_passes' (false for the overlapped schedule).
ExtendedTerms build_extended_terms(const CostInputs& in, int variant, int gamma, SubgraphTimer& timer,
                                   const std::vector<int>* only, bool catch_up_pairs = true);

}  // namespace specmap::cost_internal
