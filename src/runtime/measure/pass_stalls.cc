#include "runtime/measure/pass_stalls.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

namespace specmap::runtime {

namespace {

// a and b within kStallSimilarWork of each other (both positive, or both zero).
bool similar(std::size_t a, std::size_t b) {
  if (a == 0 || b == 0) return a == b;
  const double ratio = static_cast<double>(std::max(a, b)) / static_cast<double>(std::min(a, b));
  return ratio <= kStallSimilarWork;
}

// The median of the `window` entries of `times` nearest to position i (i itself left out):
// centred, shifted inward at the run's ends. times.size() > window.
Seconds neighbours_median(const std::vector<Seconds>& times, std::size_t i, std::vector<Seconds>& scratch) {
  const std::size_t n = times.size(), window = std::min(kStallNeighbours, n - 1);
  std::size_t first = i >= window / 2 ? i - window / 2 : 0;
  if (first + window + 1 > n) first = n - window - 1;
  scratch.clear();
  for (std::size_t j = first; j <= first + window; ++j)
    if (j != i) scratch.push_back(times[j]);
  std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(scratch.size() / 2),
                   scratch.end());
  return scratch[scratch.size() / 2];
}

}  // namespace

PassStalls find_stalls(std::span<const PassTime> passes) {
  using Kind = std::tuple<bool, std::size_t, std::size_t>;
  // Each kind's passes in run order, and where each pass sits among them.
  std::map<Kind, std::vector<Seconds>> kinds;
  std::vector<std::size_t> rank(passes.size());
  for (std::size_t i = 0; i < passes.size(); ++i) {
    std::vector<Seconds>& times = kinds[{passes[i].draft, passes[i].tokens, passes[i].rows}];
    rank[i] = times.size();
    times.push_back(passes[i].seconds);
  }

  PassStalls out;
  std::vector<Seconds> scratch, similar_times;
  bool seen[2] = {false, false};  // the draft's / the target's first pass has run
  for (std::size_t i = 0; i < passes.size(); ++i) {
    const PassTime& p = passes[i];
    if (!seen[p.draft ? 1 : 0]) {
      seen[p.draft ? 1 : 0] = true;
      continue;
    }
    const std::vector<Seconds>& times = kinds[{p.draft, p.tokens, p.rows}];
    Seconds reference = 0;
    double factor = kStallFactor;
    if (times.size() >= kStallMinNeighbours + 1) {
      reference = neighbours_median(times, rank[i], scratch);
      out.beyond_neighbours += p.seconds - reference;
    } else {
      // A kind this run has too few of (a generation's last, shorter rounds): the same model's
      // passes of a similar size around it, each model's first pass left out.
      similar_times.clear();
      std::size_t own = 0;
      bool first_of_model = true;
      for (std::size_t j = 0; j < passes.size(); ++j) {
        const PassTime& q = passes[j];
        if (q.draft != p.draft) continue;
        if (std::exchange(first_of_model, false)) continue;
        if (j != i && !(similar(q.tokens, p.tokens) && similar(q.rows, p.rows))) continue;
        if (j == i) own = similar_times.size();
        similar_times.push_back(q.seconds);
      }
      if (similar_times.size() < kStallMinNeighbours + 1) continue;
      reference = neighbours_median(similar_times, own, scratch);
      factor = kStallFactorAcrossKinds;
    }
    if (p.seconds > factor * reference && p.seconds - reference > kStallMinExcess) {
      ++out.passes;
      out.excess += p.seconds - reference;
      if (factor == kStallFactorAcrossKinds) out.beyond_neighbours += p.seconds - reference;
    }
  }
  return out;
}

}  // namespace specmap::runtime
