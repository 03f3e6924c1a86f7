// Ordering of the evaluated candidates and the non-speculative baseline.
#include <algorithm>
#include <tuple>

#include "cost/eq1.h"
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
  // Eq. 1's tie rule (cost/eq1.h): among the candidates within kRelativeTie of the one at a
  // position, the smallest gamma goes first. A tolerance cannot live in the sort's comparison
  // (it would not be transitive), hence this pass over the sorted list.
  for (std::size_t i = 0; i < ranked.size() && ranked[i].prediction.feasible; ++i) {
    std::size_t pick = i;
    for (std::size_t j = i + 1; j < ranked.size() && ranked[j].prediction.feasible &&
                                ties_or_beats_min(ranked[j].objective, ranked[i].objective);
         ++j)
      if (ranked[j].candidate.gamma < ranked[pick].candidate.gamma) pick = j;
    if (pick != i) std::rotate(ranked.begin() + i, ranked.begin() + pick, ranked.begin() + pick + 1);
  }
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
