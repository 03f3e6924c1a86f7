#pragma once
// Expected decode time per token of the overlapped schedule (runtime/speculative/speculative_overlapped.h
// implements the same algorithm):
//
//   cold block:  the drafter drafts gamma tokens alone (gamma * d); then the target's pass
//                over gamma + 1 tokens runs while the drafter pre-drafts the next gamma tokens.
//   verdict:     a rejection ends the block when the pass ends (plus the drafter's in-flight
//                step, d / 2 on average, when it was still drafting); the pre-draft is
//                discarded and the next block is cold. With every draft accepted the block
//                ends when both are done, and the first pre-drafted token is checked against
//                the pass's last row (no bonus token is sampled): rejected, the next block is
//                cold; accepted, a warm block follows at once.
//   warm block:  the target's pass over the gamma pre-drafted tokens runs while the drafter
//                pre-drafts again; its remaining gamma - 1 checks decide as above.
//
// Every check (accepted draft or replacement) yields one token, so between two cold blocks
// the tokens are the checks up to and including the first rejection: 1 / (1 - alpha) on
// average with i.i.d. acceptance alpha. The expected time of that renewal cycle is
//
//   gamma d + a^g F(1) + (1 - a^g) R(1) + a^(g+1) / (1 - a^g) (a^(g-1) F(w) + (1 - a^(g-1)) R(w))
//
// with F / R the full-acceptance / rejection duration of a cold (1) or warm (w) block's
// concurrent phase. While both run, each is slowed by its contention factor (shared cores,
// memory bandwidth); whichever finishes first leaves the other alone at full speed.
#include "core/units.h"

namespace specmap {

struct OverlapInputs {
  int gamma = 1;
  double alpha = 0;          // i.i.d. acceptance per draft position
  Seconds draft_step = 0;    // one draft pass (d), alone
  Seconds verify_cold = 0;   // target pass over gamma + 1 tokens, alone
  Seconds verify_warm = 0;   // target pass over gamma tokens, alone
  double draft_slowdown = 1;   // >= 1 while the target runs beside it
  double target_slowdown = 1;  // >= 1 while the drafter runs beside it
};

struct OverlapResult {
  Seconds time_per_token = 0;          // decode only (prefill is added by the caller)
  Seconds critical_draft_per_token = 0;  // draft time the target waits for
  Seconds hidden_draft_per_token = 0;  // draft work done while the target verifies (incl. discarded)
  Seconds target_per_token = 0;        // target passes, contention included
  double draft_steps_per_token = 0;    // draft passes run, discarded pre-drafts included
  double warm_block_share = 0;         // warm blocks / all blocks with a target pass
};

OverlapResult overlapped_decode(const OverlapInputs& in);

// The i.i.d. alpha whose expected tokens per sequential iteration at `gamma` equals
// `expected_tokens` (in [1, gamma + 1]); how a per-position or mixed acceptance enters the
// overlapped formula.
double iid_alpha_for(double expected_tokens, int gamma);

}  // namespace specmap
