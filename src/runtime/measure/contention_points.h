#pragma once
// Times the overlapped schedule's contention beside a validation's cases, per role, with both
// models' own work as runtime/speculative/speculative_overlapped.h runs it: the drafter on a worker thread
// pinned to the drafter's cores, the target's verification on the calling thread.
//  - target role: one verification pass timed alone, and timed while the worker drafts steps
//    in a loop;
//  - draft role: one drafting step timed alone on the calling thread (as the sequential
//    schedule and the fresh profile points run it), and timed on the worker while the calling
//    thread verifies in a loop (as the overlapped schedule runs it): the ratio carries what the
//    drafter's own pinned thread changes, not only the other role's load.
// Alone and beside alternate (ABBA), so a slow phase of the machine lands in both halves of the
// ratio. Both executors are prefilled (untimed) to their points' contexts first and left rolled
// back to length 0; the passes sample their rows as the decoder does.
#include <cstdint>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "runtime/measure/pass_points.h"
#include "runtime/executor/transformer_executor.h"

namespace specmap::runtime {

struct ContentionShape {
  PassPoint draft_step;    // the drafter's step (1 new token at the context, or the whole sequence)
  PassPoint verification;  // the target's pass over gamma + 1 tokens
  int pairs = 2;           // alone/beside pairs per role
  int passes = 2;          // timed passes per phase (each phase alone or beside)
};

struct ContentionTimings {
  std::vector<Seconds> draft_alone, draft_beside;    // one drafting step
  std::vector<Seconds> target_alone, target_beside;  // one verification pass
};

Result<ContentionTimings> time_contention(TransformerExecutor& draft, TransformerExecutor& target,
                                          const ContentionShape& shape, std::uint64_t seed);

}  // namespace specmap::runtime
