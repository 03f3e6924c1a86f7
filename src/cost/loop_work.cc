#include "cost/loop_work.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace specmap::cost_internal {

LoopWork loop_work(const ProfileDb& db, std::int64_t vocab, int drafts) {
  LoopWork out;
  if (db.time_unit == "relative" || db.loops.empty() || vocab <= 0) return out;
  // The measured vocabulary nearest to `vocab` (ties: the larger, the one measured closer to
  // the memory-bound regime a large vocabulary is in).
  std::int64_t nearest = db.loops.front().vocab;
  for (const LoopEntry& e : db.loops) {
    const std::int64_t gap = std::llabs(e.vocab - vocab), best = std::llabs(nearest - vocab);
    if (gap < best || (gap == best && e.vocab > nearest)) nearest = e.vocab;
  }
  std::vector<const LoopEntry*> series;
  for (const LoopEntry& e : db.loops)
    if (e.vocab == nearest) series.push_back(&e);
  std::sort(series.begin(), series.end(), [](const LoopEntry* a, const LoopEntry* b) { return a->drafts < b->drafts; });
  const double scale = static_cast<double>(vocab) / static_cast<double>(nearest);
  out.measured = true;
  auto at = [&](const LoopEntry& e, double factor) {
    out.median = std::max(0.0, e.stats.median * factor) * scale;
    out.stddev = e.stats.stddev * std::abs(factor) * scale;
  };
  if (series.size() == 1) {
    const double rows = 2.0 * drafts + 1.0, measured_rows = 2.0 * series.front()->drafts + 1.0;
    at(*series.front(), rows / measured_rows);
    return out;
  }
  for (const LoopEntry* e : series)
    if (e->drafts == drafts) {
      at(*e, 1.0);
      return out;
    }
  // The two entries around `drafts`, or the two nearest at either end.
  std::size_t hi = 1;
  while (hi + 1 < series.size() && series[hi]->drafts < drafts) ++hi;
  const LoopEntry& a = *series[hi - 1];
  const LoopEntry& b = *series[hi];
  const double t = static_cast<double>(drafts - a.drafts) / static_cast<double>(b.drafts - a.drafts);
  out.median = std::max(0.0, a.stats.median + t * (b.stats.median - a.stats.median)) * scale;
  out.stddev = std::max(a.stats.stddev, b.stats.stddev) * scale;
  return out;
}

std::int64_t model_vocab(const ModelGraph& model) {
  if (model.arch && model.arch->vocab > 0) return model.arch->vocab;
  std::int64_t vocab = 0;
  for (const Subgraph& s : model.subgraphs)
    for (const Op& op : s.ops)
      if (op.kind == OpKind::embedding) vocab = std::max(vocab, op.vocab);
  return vocab;
}

}  // namespace specmap::cost_internal
