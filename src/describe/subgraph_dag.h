#pragma once
// Orders the subgraphs of a model topologically and rejects cycles (Boost.Graph stays here).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace specmap {

// Returns a topological order of node indices 0..names.size()-1 given producer -> consumer
// edges. Among ready nodes the lowest original index comes first, so the order is stable and
// matches the file order whenever the file order is already valid. A cycle is an error naming
// one subgraph on it.
Result<std::vector<std::size_t>> topological_subgraph_order(
    const std::vector<std::string>& names, const std::vector<std::pair<std::size_t, std::size_t>>& edges);

}  // namespace specmap
