#include "runtime/measure/pass_stalls.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

namespace specmap::runtime {

PassStalls find_stalls(std::span<const PassTime> passes) {
  // The passes of each kind, in run order.
  std::map<std::tuple<bool, std::size_t, std::size_t>, std::vector<Seconds>> kinds;
  for (const PassTime& p : passes) kinds[{p.draft, p.tokens, p.rows}].push_back(p.seconds);

  PassStalls out;
  std::vector<Seconds> around;
  for (const auto& [kind, times] : kinds) {
    const std::size_t n = times.size();
    if (n < kStallMinNeighbours + 1) continue;
    const std::size_t window = std::min(kStallNeighbours, n - 1);
    for (std::size_t i = 1; i < n; ++i) {
      // The window of `window` others nearest to i: centred, shifted inward at the run's ends.
      std::size_t first = i >= window / 2 ? i - window / 2 : 0;
      if (first + window + 1 > n) first = n - window - 1;
      around.clear();
      for (std::size_t j = first; j <= first + window; ++j)
        if (j != i) around.push_back(times[j]);
      std::nth_element(around.begin(), around.begin() + static_cast<std::ptrdiff_t>(around.size() / 2),
                       around.end());
      const Seconds reference = around[around.size() / 2];
      if (times[i] > kStallFactor * reference && times[i] - reference > kStallMinExcess) {
        ++out.passes;
        out.excess += times[i] - reference;
      }
    }
  }
  return out;
}

}  // namespace specmap::runtime
