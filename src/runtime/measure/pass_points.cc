#include "runtime/measure/pass_points.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <span>

#include "runtime/sampling.h"

namespace specmap::runtime {

std::size_t sampled_rows(bool kv_cache, const PassPoint& point) {
  if (point.rows > 0) return static_cast<std::size_t>(point.rows);
  return kv_cache && point.context > 0 ? static_cast<std::size_t>(point.new_tokens) : 1;
}

Result<std::vector<PassPointTiming>> time_pass_points(TransformerExecutor& executor,
                                                      std::vector<PassPoint> points, std::uint64_t seed) {
  const bool kv = executor.options().kv_cache;
  std::sort(points.begin(), points.end(), [](const PassPoint& a, const PassPoint& b) {
    if (a.context != b.context) return a.context < b.context;
    return a.new_tokens != b.new_tokens ? a.new_tokens < b.new_tokens : a.rows < b.rows;
  });
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::size_t longest = 0;
  for (const PassPoint& p : points) {
    if (p.new_tokens < 1 || p.context < 0)
      return Error{"a pass point needs new tokens >= 1 and context >= 0"};
    if (!kv && p.context > 0) return Error{"without a KV cache a pass point has context 0"};
    if (p.rows > p.new_tokens) return Error{"a pass point cannot sample more rows than it appends"};
    longest = std::max(longest, static_cast<std::size_t>(p.new_tokens + p.context));
  }
  std::mt19937_64 engine(seed ^ 0x2545f4914f6cdd1dULL);
  std::vector<int> tokens(longest);
  for (int& t : tokens) t = static_cast<int>(engine() % static_cast<std::uint64_t>(executor.vocab()));

  std::vector<PassPointTiming> out;
  std::vector<double> scratch;
  executor.truncate(0);
  for (const PassPoint& p : points) {
    const auto context = static_cast<std::size_t>(p.context);
    // Grow (or cut) the untimed prefix to the point's context.
    if (executor.length() > context) executor.truncate(context);
    if (executor.length() < context) {
      const std::size_t have = executor.length();
      auto r = executor.try_append(std::span<const int>(tokens.data() + have, context - have), 1);
      if (!r) return r.error();
    }
    const std::size_t rows = sampled_rows(kv, p);
    executor.reset_timings();
    const auto start = std::chrono::steady_clock::now();
    auto logits = executor.try_append(
        std::span<const int>(tokens.data() + context, static_cast<std::size_t>(p.new_tokens)), rows);
    if (!logits) return logits.error();
    const auto sampled = std::chrono::steady_clock::now();
    volatile int token = softmax_and_argmax_rows(*logits, rows, scratch);
    (void)token;
    const auto end = std::chrono::steady_clock::now();
    executor.truncate(context);
    PassPointTiming timing;
    timing.point = p;
    timing.forward = std::chrono::duration<double>(end - start).count();
    for (const SubgraphTiming& e : executor.timings().entries())
      timing.subgraphs.push_back(e.calls > 0 ? e.total_seconds : -1);
    if (!timing.subgraphs.empty() && timing.subgraphs.back() >= 0)
      timing.subgraphs.back() += std::chrono::duration<double>(end - sampled).count();
    out.push_back(std::move(timing));
  }
  executor.truncate(0);
  return out;
}

}  // namespace specmap::runtime
