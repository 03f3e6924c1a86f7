#pragma once
// Wall time of every subgraph call, read by the caller to compare measured subgraph
// latencies with the cost model's per-subgraph predictions.
#include <cstddef>
#include <string>
#include <vector>

#include "core/units.h"

namespace specmap::runtime {

struct SubgraphTiming {
  std::string name;  // ModelGraph subgraph name, e.g. "block.3"
  std::size_t calls = 0;
  Seconds total_seconds = 0;
  std::vector<Seconds> per_call_seconds;  // one entry per call, in call order
};

class SubgraphTimings {
 public:
  SubgraphTimings() = default;
  // One entry per name, in this order (the ModelGraph's subgraph order).
  explicit SubgraphTimings(const std::vector<std::string>& names);

  void record(std::size_t subgraph, Seconds seconds);
  // Zeroes every entry, keeping the names.
  void reset();

  [[nodiscard]] const std::vector<SubgraphTiming>& entries() const { return entries_; }
  [[nodiscard]] const SubgraphTiming* find(const std::string& name) const;
  [[nodiscard]] Seconds total_seconds() const;

 private:
  std::vector<SubgraphTiming> entries_;
};

}  // namespace specmap::runtime
