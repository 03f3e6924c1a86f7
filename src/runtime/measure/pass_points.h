#pragma once
// Times single forward passes of already built executors at chosen (new tokens, context)
// points, the way the profiler measures a profile point: the context is prefilled untimed,
// the pass appends `new_tokens` and samples its rows (softmax and argmax, as the decoder
// does), then the sequence rolls back. Validation uses it to re-measure, beside its cases
// and in separate passes, the profile points a group of cases needs: either one model's
// points back to back, or both models' passes in the order the speculative loop runs them.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "profile/pass_point.h"
#include "runtime/executor/transformer_executor.h"

namespace specmap::runtime {

struct PassPointTiming {
  PassPoint point;
  Seconds forward = 0;             // the whole pass, sampling included
  std::vector<Seconds> subgraphs;  // per subgraph of the same pass (head: with the sampling); -1: not run
};

// Rows a profile point samples: its rows when set; else with a KV cache, every appended row of
// a decoding step or verification (context > 0) and the last row of a prefill (context 0);
// without a cache, the last row (the profiler's convention, see runtime/measure/profiler.h).
std::size_t sampled_rows(bool kv_cache, const PassPoint& point);

// One timed pass per point, in ascending context so each prefix grows from the previous
// one (untimed) instead of being prefilled again. Without a KV cache the context must be 0.
// `seed` picks the synthetic tokens. The executor is rolled back to length 0 afterwards.
Result<std::vector<PassPointTiming>> time_pass_points(TransformerExecutor& executor,
                                                      std::vector<PassPoint> points, std::uint64_t seed);

// One pass of a sequence of both models' passes: on the draft's executor or the target's, at
// `point`, timed or only run (so the caches, the device and the thread pools are left as the
// other model's pass leaves them in the speculative loop).
struct SequencedPass {
  bool draft = false;
  PassPoint point;
  bool timed = true;
  bool operator==(const SequencedPass&) const = default;
};

struct SequenceTimings {
  std::vector<PassPointTiming> draft;   // the draft's timed passes, in sequence order
  std::vector<PassPointTiming> target;  // the target's
};

// Runs `sequence` in its order, each pass timed as time_pass_points times one. Right after a
// pass, its executor is brought to the context of its own next pass (rolled back, or the
// missing prefix appended untimed), so between two passes of one model only the other model's
// passes run, as in the loop: a timed pass that follows the other model's pass finds what that
// pass left behind, not its own untimed prefill. Without a KV cache every context must be 0.
// `draft` may be null when no pass is the draft's. Both executors end rolled back to length 0.
Result<SequenceTimings> time_pass_sequence(TransformerExecutor* draft, TransformerExecutor& target,
                                           const std::vector<SequencedPass>& sequence, std::uint64_t seed);

}  // namespace specmap::runtime
