#pragma once
// What the machine was doing while a run was timed, to explain drift instead of averaging it
// away: the process's CPU time (all of the runtime's threads: its own, OpenBLAS's, pocl's)
// against the wall time, the steal time and busy time of the cores from /proc/stat, the load
// average, and the cores' clock where /sys exposes it. Busy time on the run's cores beyond
// the process's own CPU time is work of other processes: such runs are flagged.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/units.h"
#include "runtime/cpu/core_set.h"

namespace specmap::runtime {

// A snapshot; two of them bracket a run.
struct MachineSample {
  Seconds wall = 0;         // steady clock
  Seconds process_cpu = 0;  // user + system time of every thread of this process
  // Per logical CPU id (index): busy and steal time in seconds since boot; -1 where unreadable.
  std::vector<double> busy;
  std::vector<double> steal;
  double load_average = -1;           // 1-minute, /proc/loadavg; -1 unreadable
  std::vector<double> frequency_mhz;  // per CPU id, scaling_cur_freq; -1 unreadable
};

MachineSample sample_machine();

struct RunConditions {
  Seconds wall = 0;
  Seconds process_cpu = 0;
  Seconds cores_busy = 0;               // busy time of the run's cores (all processes)
  Seconds others_busy = 0;              // cores_busy - process_cpu, at least 0: other processes' work
  Seconds steal = 0;                    // on the run's cores
  double load_average = -1;             // at the end of the run
  std::optional<double> frequency_mhz;  // mean over the run's cores at both ends, when readable
  bool proc_stat_readable = false;
  // Other processes kept the run's cores busy for more than kDisturbedShare of their time.
  bool disturbed = false;

  [[nodiscard]] double cpu_per_wall() const { return wall > 0 ? process_cpu / wall : 0; }
  // others_busy over the capacity of the run's cores during the run.
  double others_share = 0;
};

// Share of the run's core time used by other processes above which a run is flagged. /proc/stat
// counts in 10 ms ticks, so shorter runs carry up to a tick of error per core and boundary.
inline constexpr double kDisturbedShare = 0.05;

// Conditions between two samples on `cores` (empty: every CPU in the samples).
RunConditions conditions_between(const MachineSample& before, const MachineSample& after,
                                 const std::vector<int>& cores);

// The parsing, separate so it can be tested on fixed text: "cpuN ..." lines of /proc/stat into
// busy and steal seconds per CPU id (ticks of `ticks_per_second`).
void parse_proc_stat(const std::string& text, double ticks_per_second, std::vector<double>& busy,
                     std::vector<double>& steal);

}  // namespace specmap::runtime
