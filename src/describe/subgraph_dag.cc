#include "describe/subgraph_dag.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <functional>
#include <iterator>
#include <queue>

namespace specmap {

namespace {

using Dag = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

// Boost's topological_sort reports only that some back edge exists; find a node that lies on a
// cycle so the message can name it: the first node that can reach itself.
std::size_t node_on_cycle(const Dag& dag) {
  std::size_t count = boost::num_vertices(dag);
  for (std::size_t start = 0; start < count; ++start) {
    std::vector<bool> seen(count, false);
    std::vector<std::size_t> stack;
    for (auto [e, end] = boost::out_edges(start, dag); e != end; ++e) stack.push_back(boost::target(*e, dag));
    while (!stack.empty()) {
      std::size_t v = stack.back();
      stack.pop_back();
      if (v == start) return start;
      if (seen[v]) continue;
      seen[v] = true;
      for (auto [e, end] = boost::out_edges(v, dag); e != end; ++e) stack.push_back(boost::target(*e, dag));
    }
  }
  return 0;
}

}  // namespace

Result<std::vector<std::size_t>> topological_subgraph_order(
    const std::vector<std::string>& names, const std::vector<std::pair<std::size_t, std::size_t>>& edges) {
  Dag dag(names.size());
  for (const auto& [from, to] : edges) boost::add_edge(from, to, dag);

  try {
    // Validates acyclicity with Boost; the order itself is recomputed below to be stable.
    std::vector<std::size_t> reverse_order;
    boost::topological_sort(dag, std::back_inserter(reverse_order));
  } catch (const boost::not_a_dag&) {
    std::size_t culprit = node_on_cycle(dag);
    return Error{"the subgraph graph has a cycle through '" + names[culprit] + "'", "", 0, 0, ""};
  }

  // Kahn's algorithm with a min-heap: deterministic and keeps file order where possible.
  std::vector<std::size_t> in_degree(names.size(), 0);
  for (std::size_t v = 0; v < names.size(); ++v) in_degree[v] = boost::in_degree(v, dag);
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t v = 0; v < names.size(); ++v)
    if (in_degree[v] == 0) ready.push(v);
  std::vector<std::size_t> order;
  order.reserve(names.size());
  while (!ready.empty()) {
    std::size_t v = ready.top();
    ready.pop();
    order.push_back(v);
    for (auto [e, end] = boost::out_edges(v, dag); e != end; ++e) {
      std::size_t w = boost::target(*e, dag);
      if (--in_degree[w] == 0) ready.push(w);
    }
  }
  return order;
}

}  // namespace specmap
