#pragma once
// Times single forward passes of an already built executor at chosen (new tokens, context)
// points, the way the profiler measures a profile point: the context is prefilled untimed,
// the pass appends `new_tokens` and samples its rows (softmax and argmax, as the decoder
// does), then the sequence rolls back. Validation uses it to re-measure, beside its cases
// and in separate passes, the profile points a group of cases needs.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "runtime/transformer_executor.h"

namespace specmap::runtime {

struct PassPoint {
  Tokens new_tokens = 1;
  Tokens context = 0;
  Tokens rows = 0;  // rows sampled when not the implied ones (ProfileEntry::rows)
  auto operator<=>(const PassPoint&) const = default;
};

struct PassPointTiming {
  PassPoint point;
  Seconds forward = 0;             // the whole pass, sampling included
  std::vector<Seconds> subgraphs;  // per subgraph of the same pass (head: with the sampling); -1: not run
};

// Rows a profile point samples: its rows when set; else with a KV cache, every appended row of
// a decoding step or verification (context > 0) and the last row of a prefill (context 0);
// without a cache, the last row (the profiler's convention, see runtime/profiler.h).
std::size_t sampled_rows(bool kv_cache, const PassPoint& point);

// One timed pass per point, in ascending context so each prefix grows from the previous
// one (untimed) instead of being prefilled again. Without a KV cache the context must be 0.
// `seed` picks the synthetic tokens. The executor is rolled back to length 0 afterwards.
Result<std::vector<PassPointTiming>> time_pass_points(TransformerExecutor& executor,
                                                      std::vector<PassPoint> points, std::uint64_t seed);

}  // namespace specmap::runtime
