#include "cost/linear_cost.h"

#include <cstdio>

#include "cost/memory_terms.h"

namespace specmap {
namespace {

bool node_is_free(const LinearCost& cost, std::size_t node) {
  for (double t : cost.node_time[node])
    if (t != 0.0) return false;
  return true;
}

}  // namespace

Seconds LinearCost::time(const std::vector<int>& assignment) const {
  if (assignment.size() != node_time.size()) return kInfeasible;
  Seconds total = 0;
  for (std::size_t node = 0; node < assignment.size(); ++node) {
    const int pu = assignment[node];
    if (pu < 0) {
      // "Not placed" is fine only for a node that does no work anywhere (a draft at gamma 0).
      if (!node_is_free(*this, node)) return kInfeasible;
      continue;
    }
    if (pu >= num_pus) return kInfeasible;
    const double t = node_time[node][pu];
    if (t == kInfeasible) return kInfeasible;
    total += t;
  }
  for (const Edge& edge : edges) {
    const int pu_u = assignment[edge.u];
    const int pu_v = assignment[edge.v];
    if (pu_u < 0 || pu_v < 0 || edge.time.empty()) continue;
    total += edge.time[pu_u][pu_v];
  }
  return total + constant_time;
}

Joules LinearCost::energy(const std::vector<int>& assignment) const {
  const Seconds t = time(assignment);
  if (t == kInfeasible) return kInfeasible;
  Joules total = 0;
  for (std::size_t node = 0; node < assignment.size(); ++node) {
    const int pu = assignment[node];
    if (pu < 0 || node >= node_energy.size()) continue;
    total += node_energy[node][pu];
  }
  for (const Edge& edge : edges) {
    const int pu_u = assignment[edge.u];
    const int pu_v = assignment[edge.v];
    if (pu_u < 0 || pu_v < 0 || edge.energy.empty()) continue;
    total += edge.energy[pu_u][pu_v];
  }
  return total + constant_energy + idle_power * t;
}

std::string LinearCost::memory_violation(const std::vector<int>& assignment,
                                         const std::vector<std::string>& pool_names) const {
  const std::vector<Bytes> resident = cost_internal::resident_bytes_per_pu(*this, assignment);
  std::vector<Bytes> used = pool_fixed;
  used.resize(pool_capacity.size(), 0.0);
  for (int pu = 0; pu < num_pus; ++pu) {
    if (pu >= static_cast<int>(pu_memory.size())) break;
    const int pool = pu_memory[pu];
    if (pool < 0 || pool >= static_cast<int>(used.size())) continue;
    used[pool] += resident[pu];
  }
  for (std::size_t pool = 0; pool < used.size(); ++pool) {
    if (used[pool] <= pool_capacity[pool]) continue;
    const std::string name = pool < pool_names.size() ? pool_names[pool] : "pool " + std::to_string(pool);
    char figures[96];
    std::snprintf(figures, sizeof figures, "needs %.2f GB > %.2f GB capacity", used[pool] / 1e9,
                  pool_capacity[pool] / 1e9);
    return "memory " + name + ": " + figures;
  }
  return {};
}

}  // namespace specmap
