#pragma once
// Internal to src/cost: bytes each subgraph keeps resident on a PU (weights in the type
// the PU stores them in, KV cache, activation buffers) and per-PU totals of an assignment.
#include <vector>

#include "cost/cost_model.h"
#include "cost/linear_cost.h"
#include "cost/workload_passes.h"

namespace specmap::cost_internal {

// Fills node_memory, node_scratch, shared_weights, pu_memory, pool_capacity and pool_fixed
// of `cost` (whose node lists are already sized: draft nodes, then target nodes).
void fill_memory_terms(const CostInputs& in, int variant, int gamma, const PassPlan& plan, LinearCost& cost);

// Bytes resident on each PU for an assignment (-1 entries hold nothing).
std::vector<Bytes> resident_bytes_per_pu(const LinearCost& cost, const std::vector<int>& assignment);

}  // namespace specmap::cost_internal
