#include "cost/overlapped_schedule.h"

#include <algorithm>
#include <cmath>

namespace specmap {

namespace {

// One concurrent phase: the target's pass (alone: verify) beside the drafter's pre-draft
// (alone: predraft).
struct Phase {
  Seconds target_done = 0;  // when the verdict is known
  Seconds both_done = 0;    // when the pre-draft is complete too
  Seconds abort_wait = 0;   // expected wait for the drafter's in-flight step on a rejection
  Seconds target_busy = 0;  // = target_done: the target runs from the start
  Seconds draft_busy_until_verdict = 0;
};

Phase concurrent(Seconds verify, Seconds predraft, Seconds step, double s_draft, double s_target) {
  Phase p;
  if (verify * s_target <= predraft * s_draft) {
    // The target finishes first; the drafter then runs alone.
    p.target_done = verify * s_target;
    p.both_done = p.target_done + (predraft - p.target_done / s_draft);
    p.abort_wait = p.both_done > p.target_done ? 0.5 * step : 0.0;
    p.draft_busy_until_verdict = p.target_done;
  } else {
    const Seconds draft_done = predraft * s_draft;
    p.target_done = draft_done + (verify - draft_done / s_target);
    p.both_done = p.target_done;
    p.draft_busy_until_verdict = draft_done;
  }
  p.target_busy = p.target_done;
  return p;
}

}  // namespace

OverlapResult overlapped_decode(const OverlapInputs& in) {
  const int g = std::max(in.gamma, 1);
  const double a = std::clamp(in.alpha, 0.0, 1.0);
  const Seconds d = in.draft_step;
  const Seconds predraft = g * d;
  const Phase cold = concurrent(in.verify_cold, predraft, d, in.draft_slowdown, in.target_slowdown);
  const Phase warm = concurrent(in.verify_warm, predraft, d, in.draft_slowdown, in.target_slowdown);

  OverlapResult r;
  if (a >= 1.0 - 1e-12) {
    // Every block is warm in the limit: each yields gamma tokens in one full phase.
    r.time_per_token = warm.both_done / g;
    r.critical_draft_per_token = (warm.both_done - warm.target_done) / g;
    r.target_per_token = warm.target_done / g;
    r.hidden_draft_per_token = (predraft * in.draft_slowdown) / g - r.critical_draft_per_token;
    r.draft_steps_per_token = 1.0;
    r.warm_block_share = 1.0;
    return r;
  }
  const double ag = std::pow(a, g);
  const double ag1 = std::pow(a, g - 1);
  const double warm_blocks = std::pow(a, g + 1) / (1.0 - ag);  // expected warm passes per cycle
  const double tokens = 1.0 / (1.0 - a);

  auto block_time = [](const Phase& p, double full) {
    return full * p.both_done + (1.0 - full) * (p.target_done + p.abort_wait);
  };
  const Seconds cycle = predraft + block_time(cold, ag) + warm_blocks * block_time(warm, ag1);
  const Seconds target = cold.target_busy + warm_blocks * warm.target_busy;
  // Draft time the target waits for: the cold drafting, then whatever of a phase outlasts the pass.
  auto waited = [](const Phase& p, double full) {
    return full * (p.both_done - p.target_done) + (1.0 - full) * p.abort_wait;
  };
  const Seconds critical = predraft + waited(cold, ag) + warm_blocks * waited(warm, ag1);
  // Pre-draft steps run: all gamma when accepted, else those started before the verdict.
  auto steps = [&](const Phase& p, double full) {
    const double before_verdict = d > 0 ? std::min<double>(g, std::ceil(p.draft_busy_until_verdict / (d * in.draft_slowdown))) : g;
    return full * g + (1.0 - full) * before_verdict;
  };
  const double draft_steps = g + steps(cold, ag) + warm_blocks * steps(warm, ag1);

  r.time_per_token = cycle / tokens;
  r.target_per_token = target / tokens;
  r.critical_draft_per_token = critical / tokens;
  r.hidden_draft_per_token = std::max(0.0, (draft_steps - g) * d * in.draft_slowdown / tokens -
                                               (critical - predraft) / tokens);
  r.draft_steps_per_token = draft_steps / tokens;
  r.warm_block_share = warm_blocks / (1.0 + warm_blocks);
  return r;
}

double iid_alpha_for(double expected_tokens, int gamma) {
  if (gamma <= 0) return 0.0;
  const double target = std::clamp(expected_tokens, 1.0, static_cast<double>(gamma + 1));
  auto expected = [gamma](double a) {
    double sum = 0, power = 1;
    for (int k = 0; k <= gamma; ++k) {
      sum += power;
      power *= a;
    }
    return sum;
  };
  double lo = 0, hi = 1;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (expected(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace specmap
