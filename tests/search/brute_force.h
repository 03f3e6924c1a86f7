#pragma once
// Independent reference evaluation of a LinearCost for the search tests: every term
// summed straight from its definition, and exhaustive enumeration of assignments.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "cost/linear_cost.h"

namespace specmap::testing_support {

struct Evaluation {
  bool feasible = false;
  double time = 0;
  double energy = 0;
};

inline double cell(const std::vector<std::vector<double>>& t, std::size_t a, std::size_t b) {
  if (a >= t.size() || b >= t[a].size()) return 0.0;
  return t[a][b];
}

inline Evaluation evaluate(const LinearCost& c, const std::vector<int>& a) {
  Evaluation ev;
  if (a.size() != c.node_time.size()) return ev;
  double time = c.constant_time;
  double energy = c.constant_energy;
  std::vector<double> resident(static_cast<std::size_t>(c.num_pus), 0.0);
  std::vector<double> largest_scratch(static_cast<std::size_t>(c.num_pus), 0.0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] < 0 || a[i] >= c.num_pus) return ev;
    const auto p = static_cast<std::size_t>(a[i]);
    const double t = c.node_time[i][p];
    const double e = cell(c.node_energy, i, p);
    const double m = cell(c.node_memory, i, p);
    const double scratch = cell(c.node_scratch, i, p);
    if (!std::isfinite(t) || !std::isfinite(e) || !std::isfinite(m) || !std::isfinite(scratch)) return ev;
    time += t;
    energy += e;
    resident[p] += m;
    largest_scratch[p] = std::max(largest_scratch[p], scratch);
  }
  // Tied weights: a second copy on b's PU when a and b are apart.
  for (const auto& shared : c.shared_weights) {
    const auto pb = static_cast<std::size_t>(a[shared.b]);
    if (a[shared.a] != a[shared.b]) resident[pb] += shared.bytes[pb];
  }
  std::vector<double> used(c.pool_capacity.size(), 0.0);
  for (std::size_t p = 0; p < resident.size(); ++p)
    if (p < c.pu_memory.size() && c.pu_memory[p] >= 0)
      used[static_cast<std::size_t>(c.pu_memory[p])] += resident[p] + largest_scratch[p];
  for (const auto& edge : c.edges) {
    const auto pu = static_cast<std::size_t>(a[edge.u]);
    const auto pv = static_cast<std::size_t>(a[edge.v]);
    const double t = cell(edge.time, pu, pv);
    const double e = cell(edge.energy, pu, pv);
    if (!std::isfinite(t) || !std::isfinite(e)) return ev;
    time += t;
    energy += e;
  }
  for (std::size_t k = 0; k < used.size(); ++k) {
    const double fixed = k < c.pool_fixed.size() ? c.pool_fixed[k] : 0.0;
    if (used[k] + fixed > c.pool_capacity[k]) return ev;
  }
  ev.feasible = true;
  ev.time = time;
  ev.energy = energy + c.idle_power * time;
  return ev;
}

struct BruteForceBest {
  std::vector<int> assignment;  // empty: nothing feasible
  double objective = 0;
};

inline BruteForceBest brute_force(const LinearCost& c, bool objective_energy, double max_time) {
  BruteForceBest best;
  const std::size_t n = c.node_time.size();
  std::vector<int> a(n, 0);
  while (true) {
    const Evaluation ev = evaluate(c, a);
    if (ev.feasible && ev.time <= max_time) {
      const double obj = objective_energy ? ev.energy : ev.time;
      if (best.assignment.empty() || obj < best.objective) {
        best.assignment = a;
        best.objective = obj;
      }
    }
    std::size_t i = 0;
    while (i < n && ++a[i] == c.num_pus) a[i++] = 0;
    if (i == n) break;
  }
  return best;
}

}  // namespace specmap::testing_support
