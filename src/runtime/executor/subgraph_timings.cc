#include "runtime/executor/subgraph_timings.h"

namespace specmap::runtime {

SubgraphTimings::SubgraphTimings(const std::vector<std::string>& names) {
  entries_.reserve(names.size());
  for (const std::string& name : names) entries_.push_back(SubgraphTiming{name, 0, 0, {}});
}

void SubgraphTimings::record(std::size_t subgraph, Seconds seconds) {
  SubgraphTiming& entry = entries_.at(subgraph);
  ++entry.calls;
  entry.total_seconds += seconds;
  entry.per_call_seconds.push_back(seconds);
}

void SubgraphTimings::reset() {
  for (SubgraphTiming& entry : entries_) {
    entry.calls = 0;
    entry.total_seconds = 0;
    entry.per_call_seconds.clear();
  }
}

const SubgraphTiming* SubgraphTimings::find(const std::string& name) const {
  for (const SubgraphTiming& entry : entries_)
    if (entry.name == name) return &entry;
  return nullptr;
}

Seconds SubgraphTimings::total_seconds() const {
  Seconds total = 0;
  for (const SubgraphTiming& entry : entries_) total += entry.total_seconds;
  return total;
}

}  // namespace specmap::runtime
