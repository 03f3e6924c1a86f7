#pragma once
// Per-search cache of terms shared by many candidates: whole-model placement checks,
// memory terms per (variant, gamma) and whole-model forward passes. predict() gives
// identical results with or without it; a search passes one so the paper space
// (hundreds of candidates) does not rebuild the same terms for each of them.
// Valid for one CostInputs only: create it next to the inputs and drop it with them.
#include <array>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "cost/linear_cost.h"
#include "profile/latency_oracle.h"

namespace specmap {

struct CostMemo {
  std::map<std::tuple<int, int, int>, std::string> placement;  // (variant, role, pu) -> reason
  std::map<std::pair<int, int>, LinearCost> memory;            // (variant, gamma) -> memory terms
  std::map<std::tuple<int, int, int>, TimeEstimate> forward;   // (role, pu, units) -> forward pass
  // (role, subgraph, pu) -> {weights stored there, weights reused from a tied subgraph, KV bytes per token}
  std::map<std::tuple<int, std::size_t, int>, std::array<Bytes, 3>> subgraph_bytes;
};

}  // namespace specmap
