#include "runtime/measure/pass_points.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <span>

#include "runtime/speculative/sampling.h"

namespace specmap::runtime {

std::size_t sampled_rows(bool kv_cache, const PassPoint& point) {
  if (point.rows > 0) return static_cast<std::size_t>(point.rows);
  return kv_cache && point.context > 0 ? static_cast<std::size_t>(point.new_tokens) : 1;
}

namespace {

Status check_point(bool kv, const PassPoint& p) {
  if (p.new_tokens < 1 || p.context < 0) return Error{"a pass point needs new tokens >= 1 and context >= 0"};
  if (!kv && p.context > 0) return Error{"without a KV cache a pass point has context 0"};
  if (p.rows > p.new_tokens) return Error{"a pass point cannot sample more rows than it appends"};
  return {};
}

// Synthetic tokens for every prefix of up to `longest` tokens: one sequence, so a pass at
// (n, c) continues the prefix any earlier pass left.
std::vector<int> synthetic_tokens(const TransformerExecutor& executor, std::size_t longest,
                                  std::uint64_t seed) {
  std::mt19937_64 engine(seed ^ 0x2545f4914f6cdd1dULL);
  std::vector<int> tokens(longest);
  for (int& t : tokens) t = static_cast<int>(engine() % static_cast<std::uint64_t>(executor.vocab()));
  return tokens;
}

// Brings the executor to `context` tokens of `tokens`: rolled back, or the missing part
// appended (untimed).
Status prepare_context(TransformerExecutor& executor, const std::vector<int>& tokens, std::size_t context) {
  if (executor.length() > context) executor.truncate(context);
  if (executor.length() < context) {
    const std::size_t have = executor.length();
    auto r = executor.try_append(std::span<const int>(tokens.data() + have, context - have), 1);
    if (!r) return r.error();
  }
  return {};
}

// One pass at `p` on an executor already at p.context: appends, samples its rows, and times
// both (per subgraph too; the sampling counts to the head). The executor is left at
// context + new tokens.
Result<PassPointTiming> time_one_pass(TransformerExecutor& executor, const std::vector<int>& tokens,
                                      const PassPoint& p, std::vector<double>& scratch) {
  const auto context = static_cast<std::size_t>(p.context);
  const std::size_t rows = sampled_rows(executor.options().kv_cache, p);
  executor.reset_timings();
  const auto start = std::chrono::steady_clock::now();
  auto logits = executor.try_append(
      std::span<const int>(tokens.data() + context, static_cast<std::size_t>(p.new_tokens)), rows);
  if (!logits) return logits.error();
  const auto sampled = std::chrono::steady_clock::now();
  volatile int token = softmax_and_argmax_rows(*logits, rows, scratch);
  (void)token;
  const auto end = std::chrono::steady_clock::now();
  PassPointTiming timing;
  timing.point = p;
  timing.forward = std::chrono::duration<double>(end - start).count();
  for (const SubgraphTiming& e : executor.timings().entries())
    timing.subgraphs.push_back(e.calls > 0 ? e.total_seconds : -1);
  if (!timing.subgraphs.empty() && timing.subgraphs.back() >= 0)
    timing.subgraphs.back() += std::chrono::duration<double>(end - sampled).count();
  return timing;
}

// One untimed pass at `p`, then back to the pass's context. The first pass after other work
// in the process (another group's cases on other cores, another model) runs cold: on this
// project's 2-core VM a drafter pass that takes 1.0 ms in the loop took 5.3 ms as the first
// pass of its group's sequence, every round. Its point stands for every iteration the plan
// places there, so a cold first timing would be multiplied into the prediction; the loop pays
// that cold start once per case at most.
Status warm_up(TransformerExecutor& executor, const std::vector<int>& tokens, const PassPoint& p,
               std::vector<double>& scratch) {
  if (Status s = prepare_context(executor, tokens, static_cast<std::size_t>(p.context)); !s) return s;
  auto timing = time_one_pass(executor, tokens, p, scratch);
  if (!timing) return timing.error();
  return prepare_context(executor, tokens, static_cast<std::size_t>(p.context));
}

}  // namespace

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
    if (Status s = check_point(kv, p); !s) return s.error();
    longest = std::max(longest, static_cast<std::size_t>(p.new_tokens + p.context));
  }
  const std::vector<int> tokens = synthetic_tokens(executor, longest, seed);

  std::vector<PassPointTiming> out;
  std::vector<double> scratch;
  // Where the decode loop runs this model's passes (pin_to_head_cores).
  const ScopedAffinityRestore restore_affinity;
  pin_to_head_cores(executor);
  executor.truncate(0);
  if (!points.empty())
    if (Status s = warm_up(executor, tokens, points.front(), scratch); !s) return s.error();
  for (const PassPoint& p : points) {
    // Grow (or cut) the untimed prefix to the point's context.
    if (Status s = prepare_context(executor, tokens, static_cast<std::size_t>(p.context)); !s)
      return s.error();
    auto timing = time_one_pass(executor, tokens, p, scratch);
    if (!timing) return timing.error();
    executor.truncate(static_cast<std::size_t>(p.context));
    out.push_back(std::move(timing).value());
  }
  executor.truncate(0);
  return out;
}

Result<SequenceTimings> time_pass_sequence(TransformerExecutor* draft, TransformerExecutor& target,
                                           const std::vector<SequencedPass>& sequence, std::uint64_t seed,
                                           Seconds lead_seconds) {
  std::size_t longest[2] = {0, 0};
  for (const SequencedPass& s : sequence) {
    if (s.draft && draft == nullptr) return Error{"a pass of the draft, but the group runs no draft"};
    TransformerExecutor& executor = s.draft ? *draft : target;
    if (Status st = check_point(executor.options().kv_cache, s.point); !st) return st.error();
    std::size_t& l = longest[s.draft ? 0 : 1];
    l = std::max(l, static_cast<std::size_t>(s.point.new_tokens + s.point.context));
  }
  // Each model has its own tokens (the vocabularies may differ).
  std::vector<int> tokens[2];
  if (draft != nullptr) tokens[0] = synthetic_tokens(*draft, longest[0], seed);
  tokens[1] = synthetic_tokens(target, longest[1], seed + 1);
  auto executor_of = [&](bool is_draft) -> TransformerExecutor& { return is_draft ? *draft : target; };
  // The context of each model's next pass after position i (none: the sequence has no more).
  auto next_context = [&](bool is_draft, std::size_t from) -> std::optional<std::size_t> {
    for (std::size_t j = from; j < sequence.size(); ++j)
      if (sequence[j].draft == is_draft) return static_cast<std::size_t>(sequence[j].point.context);
    return std::nullopt;
  };

  SequenceTimings out;
  std::vector<double> scratch;
  // The loop's thread placement: where the target's head samples (pin_to_head_cores).
  const ScopedAffinityRestore restore_affinity;
  pin_to_head_cores(target);
  auto roll_back = [&] {
    target.truncate(0);
    if (draft != nullptr) draft->truncate(0);
  };
  roll_back();
  // Each model runs its first pass once untimed (warm_up) and starts at that pass's context;
  // the target's comes last, so the sequence starts after a target pass, as a round does.
  for (bool is_draft : {true, false}) {
    if (is_draft && draft == nullptr) continue;
    const auto first = std::find_if(sequence.begin(), sequence.end(),
                                    [&](const SequencedPass& s) { return s.draft == is_draft; });
    if (first == sequence.end()) continue;
    if (Status s = warm_up(executor_of(is_draft), tokens[is_draft ? 0 : 1], first->point, scratch); !s) {
      roll_back();
      return s.error();
    }
  }
  // The lead rounds of the current run of them: the one in progress, whether it is skipped,
  // and the time the ones run so far took.
  int lead_round = -1;
  bool skipping = false;
  Seconds lead_spent = 0;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const SequencedPass& s = sequence[i];
    if (s.lead_round != lead_round) {  // a round starts: decided once for all its passes
      if (s.lead_round <= 0) lead_spent = 0;
      lead_round = s.lead_round;
      skipping = lead_round >= kMinLeadRounds && lead_spent >= lead_seconds;
      if (lead_round >= 0) ++(skipping ? out.lead_rounds_skipped : out.lead_rounds_run);
    }
    if (skipping) continue;
    TransformerExecutor& executor = executor_of(s.draft);
    const std::vector<int>& own = tokens[s.draft ? 0 : 1];
    // Normally prepared after this model's previous pass; a no-op then.
    Status ready = prepare_context(executor, own, static_cast<std::size_t>(s.point.context));
    auto timing =
        ready ? time_one_pass(executor, own, s.point, scratch) : Result<PassPointTiming>(ready.error());
    if (!timing) {
      roll_back();
      return timing.error();
    }
    if (s.lead_round >= 0) lead_spent += timing->forward;
    if (s.timed) (s.draft ? out.draft : out.target).push_back(std::move(timing).value());
    // Ready for this model's next pass now, while only this model has run since its last pass.
    if (auto c = next_context(s.draft, i + 1))
      if (Status st = prepare_context(executor, own, *c); !st) {
        roll_back();
        return st.error();
      }
  }
  roll_back();
  return out;
}

}  // namespace specmap::runtime
