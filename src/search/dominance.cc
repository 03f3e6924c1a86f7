#include "search/dominance.h"

#include <algorithm>

namespace specmap::search_detail {
namespace {

// States kept per (depth, context). A full list still prunes; it just stops learning.
constexpr std::size_t kMaxStatesPerContext = 32;

bool no_more(const std::vector<double>& a, const std::vector<double>& b) {
  for (std::size_t k = 0; k < a.size(); ++k)
    if (a[k] > b[k]) return false;
  return true;
}

bool dominates(const PartialState& a, const PartialState& b) {
  return a.objective <= b.objective && a.time <= b.time && no_more(a.resident, b.resident) &&
         no_more(a.scratch, b.scratch);
}

}  // namespace

bool DominanceMemo::dominated(std::size_t depth, const std::vector<int>& context, const PartialState& state) {
  std::vector<PartialState>& states = seen_[depth][context];
  for (const PartialState& s : states)
    if (dominates(s, state)) return true;
  // Keep the list to states nothing else dominates.
  states.erase(std::remove_if(states.begin(), states.end(),
                              [&](const PartialState& s) { return dominates(state, s); }),
               states.end());
  if (states.size() < kMaxStatesPerContext) states.push_back(state);
  return false;
}

}  // namespace specmap::search_detail
