#pragma once
// Passes that stalled: a model pass that took several times as long as the passes of the same
// kind around it in the same run. On this project's 2-core VM, single-core passes of a small
// model (a few ms) took 50-150 ms of user-mode CPU time every second or two, without page
// faults, context switches or steal time, while the kernel's DAMON reclaim daemon was on and
// the process had run for a minute or more (docs/validation.md, "Stalls"). The cost model
// cannot predict such passes and a profile's medians never see them, so a validation reports
// how much of each run they took instead of hiding them in the deviation.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/units.h"

namespace specmap::runtime {

// One model pass on the decoding thread, in the order it ran.
struct PassTime {
  bool draft = false;
  std::size_t tokens = 0;  // tokens appended
  std::size_t rows = 0;    // rows sampled
  Seconds seconds = 0;
};

struct PassStalls {
  std::int64_t passes = 0;  // passes that stalled
  Seconds excess = 0;       // their time beyond their neighbours' median, summed
  // Every pass's time minus the median of its neighbours of its own kind, summed with its sign
  // over the passes that have such neighbours (stalled or not), and the excess of the stalls
  // found against passes of a similar size: the run's tail. Had every pass
  // taken its neighbours' median, the run would have been this much shorter. A median of
  // neighbours follows a cost that changes along the run, so what this removes is the passes'
  // scatter around it, which on a machine with hiccups is skewed towards the slow side.
  Seconds beyond_neighbours = 0;
};

// A pass stalled when it took more than kStallFactor times the median of its neighbours (the
// kStallNeighbours nearest passes of the same model, token count and row count in the run,
// half before and half after it where the run has them) and more than kStallMinExcess beyond
// it. Neighbours rather than all passes of the kind: without a KV cache a pass's cost grows
// with the sequence, and with one the attention's does. A kind with fewer than
// kStallMinNeighbours other passes in the run (a generation's last rounds draft fewer tokens;
// where they stall, a tenth of a 200 ms run can hide in one of them) is compared with the same
// model's passes whose token and row counts are each within kStallSimilarWork of its own, and
// it stalled only beyond kStallFactorAcrossKinds times their median: their costs differ (in
// the committed decode benchmark 16 rows cost up to 3.2x 4 rows, q4_0; a pass without a
// cache recomputes a sequence of nearly the same length). The first pass of each model in a run is never a stall: a cold start
// belongs to the run, and the cost model's profile points are timed warm. A pass with no
// reference (a lone prefill) has no stall.
inline constexpr double kStallFactor = 3.0;
inline constexpr std::size_t kStallNeighbours = 8;
inline constexpr std::size_t kStallMinNeighbours = 4;
inline constexpr Seconds kStallMinExcess = 1e-3;
inline constexpr double kStallSimilarWork = 4.0;
inline constexpr double kStallFactorAcrossKinds = 6.0;

PassStalls find_stalls(std::span<const PassTime> passes);

}  // namespace specmap::runtime
