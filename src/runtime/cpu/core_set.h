#pragma once
// A CPU processing unit at run time: the set of cores a piece of work may run on, and
// pinning of threads to such a set.
#include <compare>
#include <string>
#include <vector>

#include "core/result.h"

namespace specmap::runtime {

struct CoreSet {
  std::vector<int> cores;  // logical CPU ids, sorted, no duplicates (see make_core_set)

  [[nodiscard]] std::size_t size() const { return cores.size(); }
  [[nodiscard]] bool empty() const { return cores.empty(); }
  [[nodiscard]] std::string to_string() const;  // "{0,1}"
  auto operator<=>(const CoreSet&) const = default;
};

// Sorted and deduplicated.
CoreSet make_core_set(std::vector<int> cores);
// Cores that are online on this host (/sys/devices/system/cpu/online), ascending; the
// calling thread's affinity if that file cannot be read. Not the calling thread's mask:
// a thread pinned to {0} may still build a model for {0,1}.
std::vector<int> online_cores();
// Ok when the set is non-empty and every core is in online_cores().
Status check_core_set(const CoreSet& cores);
// The kernel's CPU list format ("0-3,6", as in /sys/devices/system/cpu/online), ascending;
// parsing stops at the first malformed range.
std::vector<int> parse_cpu_list(const std::string& text);
// Restricts the calling thread to `cores` (pthread_setaffinity_np, skipped when the thread
// is already there: see core_set.cc); fails when the process's cpuset allows none of them.
Status pin_current_thread(const CoreSet& cores);

// Remembers the calling thread's affinity and puts it back on destruction, so running a
// model on a core set does not leave the caller's thread pinned.
class ScopedAffinityRestore {
 public:
  ScopedAffinityRestore();
  ~ScopedAffinityRestore();
  ScopedAffinityRestore(const ScopedAffinityRestore&) = delete;
  ScopedAffinityRestore& operator=(const ScopedAffinityRestore&) = delete;

 private:
  std::vector<int> saved_;
};

}  // namespace specmap::runtime
