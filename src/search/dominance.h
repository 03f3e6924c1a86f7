#pragma once
// Dominance between partial assignments of the same depth, for best_assignment.
//
// Two partial assignments of nodes 0..i-1 face the same remaining problem when the PUs that
// still matter to nodes i.. are equal (the previous node's, for its chain edge; the earlier
// ends of loose edges and tied weights still open). Then every completion costs the first
// at most what it costs the second, and fits the first wherever it fits the second, if the
// first has no more objective, time, resident bytes per pool and scratch per PU. A state so
// dominated by one whose subtree is already searched cannot lead anywhere better: it is cut.
// This collapses the many equivalent placements of identical decoder blocks.
#include <map>
#include <vector>

namespace specmap::search_detail {

struct PartialState {
  double objective = 0;
  double time = 0;
  std::vector<double> resident;  // per pool, without scratch
  std::vector<double> scratch;   // per PU, largest buffer
};

class DominanceMemo {
 public:
  explicit DominanceMemo(std::size_t depths) : seen_(depths) {}
  // True when a state recorded earlier at `depth` with the same context dominates `state`;
  // otherwise records it (up to a bounded number per context) and returns false.
  bool dominated(std::size_t depth, const std::vector<int>& context, const PartialState& state);

 private:
  std::vector<std::map<std::vector<int>, std::vector<PartialState>>> seen_;
};

}  // namespace specmap::search_detail
