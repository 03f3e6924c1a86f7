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
  // A pass of an untimed lead round: the round's index among the lead rounds before the timed
  // round they lead (0, 1, ...); -1 for every other pass. See kLeadSeconds.
  int lead_round = -1;
  bool operator==(const SequencedPass&) const = default;
};

// Lead rounds repeat a round before the one that is timed until the caches hold what that
// round's pattern leaves in them. How many that takes depends on the round's length more than
// on a count: on this project's 2-core VM, host-target-40m's gamma-0 steps on two cores took
// 2.2-3.1 ms for the first ten or so steps of a run after drafting rounds and settled at
// 2.0 ms after about fifteen (about 30 ms of steps), so two lead steps left the timed one a
// half slower than the loop's, while two rounds of a 110M verification already run 15 ms.
// time_pass_sequence runs lead rounds 0 .. kMinLeadRounds - 1 always, and skips a later one
// when the lead rounds before it in its run of lead rounds took kLeadSeconds.
inline constexpr int kMinLeadRounds = 2;
inline constexpr Seconds kLeadSeconds = 0.040;

struct SequenceTimings {
  std::vector<PassPointTiming> draft;   // the draft's timed passes, in sequence order
  std::vector<PassPointTiming> target;  // the target's
  int lead_rounds_run = 0;              // lead rounds run, and skipped (kLeadSeconds)
  int lead_rounds_skipped = 0;
};

// Runs `sequence` in its order, each pass timed as time_pass_points times one. Right after a
// pass, its executor is brought to the context of its own next pass (rolled back, or the
// missing prefix appended untimed), so between two passes of one model only the other model's
// passes run, as in the loop: a timed pass that follows the other model's pass finds what that
// pass left behind, not its own untimed prefill. Without a KV cache every context must be 0.
// `draft` may be null when no pass is the draft's. Both executors end rolled back to length 0.
// Lead rounds past kMinLeadRounds run until the run of lead rounds took `lead_seconds`.
Result<SequenceTimings> time_pass_sequence(TransformerExecutor* draft, TransformerExecutor& target,
                                           const std::vector<SequencedPass>& sequence, std::uint64_t seed,
                                           Seconds lead_seconds = kLeadSeconds);

}  // namespace specmap::runtime
