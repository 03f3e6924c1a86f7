// Ordering of the evaluated candidates and the non-speculative baseline.
#include <algorithm>
#include <tuple>

#include "search/search_internal.h"

namespace specmap::search_detail {

double objective_value(const Prediction& p, Objective objective) {
  return objective == Objective::latency ? p.time_per_token : p.energy_per_token;
}

bool candidate_less(const Candidate& a, const Candidate& b) {
  return std::tie(a.variant, a.gamma, a.mapping.draft, a.mapping.target, a.schedule) <
         std::tie(b.variant, b.gamma, b.mapping.draft, b.mapping.target, b.schedule);
}

bool same_candidate(const Candidate& a, const Candidate& b) {
  return !candidate_less(a, b) && !candidate_less(b, a);
}

void rank(std::vector<RankedCandidate>& ranked) {
  std::stable_sort(ranked.begin(), ranked.end(), [](const RankedCandidate& a, const RankedCandidate& b) {
    const bool fa = a.prediction.feasible, fb = b.prediction.feasible;
    if (fa != fb) return fa;
    if (fa && a.objective != b.objective) return a.objective < b.objective;
    return candidate_less(a.candidate, b.candidate);
  });
}

std::size_t best_baseline_index(const std::vector<RankedCandidate>& ranked) {
  for (std::size_t i = 0; i < ranked.size(); ++i)
    if (ranked[i].candidate.gamma == 0 && ranked[i].prediction.feasible) return i;
  // None feasible: the fastest over the latency bound still gives speedups a meaning.
  std::size_t best = ranked.size();
  for (std::size_t i = 0; i < ranked.size(); ++i)
    if (ranked[i].candidate.gamma == 0 && ranked[i].over_latency_bound &&
        (best == ranked.size() ||
         ranked[i].prediction.time_per_token < ranked[best].prediction.time_per_token))
      best = i;
  if (best < ranked.size()) return best;
  for (std::size_t i = 0; i < ranked.size(); ++i)
    if (ranked[i].candidate.gamma == 0) return i;
  return 0;
}

}  // namespace specmap::search_detail
