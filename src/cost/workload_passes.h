#pragma once
// Internal to src/cost: which forward passes a workload makes each model run, and how
// often per generated token. Shared by predict() and build_linear_cost() so both cost
// exactly the same passes.
#include <string>
#include <vector>

#include "core/units.h"
#include "describe/workload.h"

namespace specmap::cost_internal {

enum Role { kDraft = 0, kTarget = 1 };
inline constexpr int kRoles = 2;
// "draft" / "target".
const std::string& role_name(int role);

struct Pass {
  int role = kTarget;
  bool prefill = false;
  Tokens new_tokens = 1;
  Tokens context = 0;
  // Rows of logits sampled when not the ones (new_tokens, context) imply (ProfileEntry::rows):
  // gamma + 1 for a verification without a KV cache, which runs the whole sequence; else 0.
  Tokens rows = 0;
  double per_token = 0;  // expected occurrences of this pass per generated token
};

struct PassPlan {
  std::vector<Pass> passes;     // merged by (role, prefill, new_tokens, context, rows), in that order
  double generated_tokens = 0;  // sum_i w_i G_i
  double iterations = 0;        // sum_i w_i (expected iterations of sample i)
  // [d]: expected iterations drafting d tokens, per generated token (they add up to
  // iterations / generated_tokens): the loop's own work is priced per iteration by d.
  std::vector<double> iterations_by_drafts;
  Tokens max_pass_tokens[kRoles] = {0, 0};  // largest new_tokens of any pass (activation buffers)
  Tokens max_prompt_tokens = 0;
  Tokens max_generate_tokens = 0;
};

// Quadrature nodes per sample: the iterations that draft gamma tokens are costed at
// K = min(G, kMaxQuadraturePoints) sequence lengths p + o_k, the offsets o_k (tokens generated
// when an iteration starts) spaced evenly over [0, G - 1], ends included. Each iteration's
// expected visits are split between the two nodes around its own offset, in proportion to its
// distance from them, so the nodes carry the iterations' true spread of lengths (its mean
// exactly): the iterations drafting gamma end at offset G - gamma - 1, and a cost that grows
// with the length (a no-cache pass recomputes the whole sequence) is not charged at lengths
// the generation's last iterations have. The clipped last ones (IterationCounts::ending) are
// costed at their own lengths.
inline constexpr int kMaxQuadraturePoints = 4;

// The node offsets for a generation of `generate` tokens (empty when it generates none).
std::vector<Tokens> quadrature_nodes(Tokens generate);

// Expected iterations of generating `generate` tokens at acceptance `alphas` (per draft
// position, as Workload's) with up to gamma drafts. The runtime drafts min(gamma, m - 1)
// tokens when m are still missing (runtime/speculative/speculative.cc), so a generation's last
// iterations draft fewer and verify fewer rows than gamma + 1: counted exactly by the
// expected visits of each number of missing tokens, rather than generate / E[tokens per
// iteration] iterations of gamma drafts each.
struct IterationCounts {
  double full = 0;             // iterations drafting gamma tokens (m > gamma missing)
  std::vector<double> ending;  // [m] for m = 1..gamma: iterations starting with m missing
  // The `full` iterations by where they start: at_node[k] of them stand at nodes[k]
  // (quadrature_nodes(generate)); they add up to `full`.
  std::vector<Tokens> nodes;
  std::vector<double> at_node;
  // The parts of at_node and ending that start right after an iteration which kept every one
  // of its d >= 1 drafts: the sequential loop never appended that iteration's last draft to
  // the drafter, so its first step then catches up on 2 tokens (that draft and the bonus).
  std::vector<double> at_node_after_all_kept;
  std::vector<double> ending_after_all_kept;
  [[nodiscard]] double total() const {
    double sum = full;
    for (double e : ending) sum += e;
    return sum;
  }
};
IterationCounts count_iterations(const std::vector<double>& alphas, int gamma, Tokens generate);

// The passes of the sequential loop (runtime/speculative/speculative.cc), which has no
// separate prefill. With a KV cache the first iteration's first drafting step appends the
// whole prompt (p tokens at context 0, one row) and its verification the prompt and its d
// drafts (p + d tokens at context 0, d + 1 rows): both are marked `prefill`. Every later
// iteration at sequence length L appends 1 + d tokens to the target at context L - 1, and
// drafts d steps of one token at contexts L - 1 .. L + d - 2, except that after an iteration
// which kept all its drafts the first step appends 2 tokens at context L - 2 (one row).
// `catch_up_pairs` false: the overlapped schedule, whose drafter is fed the last draft beside
// the target's pass (runtime/speculative/speculative_overlapped.cc) and never catches up on 2.
PassPlan plan_passes(const Workload& workload, int gamma, bool catch_up_pairs = true);

}  // namespace specmap::cost_internal
