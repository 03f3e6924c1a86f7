// The latency/energy Pareto front of the feasible candidates.
#include <algorithm>

#include "search/search_internal.h"

namespace specmap::search_detail {

void mark_pareto(std::vector<RankedCandidate>& ranked) {
  std::vector<std::size_t> feasible;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    ranked[i].pareto = false;
    if (ranked[i].prediction.feasible) feasible.push_back(i);
  }
  auto time = [&](std::size_t i) { return ranked[i].prediction.time_per_token; };
  auto energy = [&](std::size_t i) { return ranked[i].prediction.energy_per_token; };
  std::stable_sort(feasible.begin(), feasible.end(), [&](std::size_t a, std::size_t b) {
    return time(a) != time(b) ? time(a) < time(b) : energy(a) < energy(b);
  });
  // Walk by increasing time: a point is on the front when it is cheaper in energy than
  // every strictly faster point, and the cheapest among equally fast ones (equal points
  // share their fate).
  double least_energy_faster = kInfeasible;
  for (std::size_t g = 0; g < feasible.size();) {
    std::size_t end = g;
    while (end < feasible.size() && time(feasible[end]) == time(feasible[g])) ++end;
    const double group_best = energy(feasible[g]);
    if (group_best < least_energy_faster) {
      for (std::size_t k = g; k < end && energy(feasible[k]) == group_best; ++k)
        ranked[feasible[k]].pareto = true;
      least_energy_faster = group_best;
    }
    g = end;
  }
}

}  // namespace specmap::search_detail
