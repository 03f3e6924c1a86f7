#pragma once
// Speculative decoding over two TokenModels: a draft proposes gamma tokens one at a time,
// the target scores all of them in one call, and verify_drafts decides what is kept.
// gamma == 0 is plain autoregressive decoding with the target alone (the baseline).
//
// Two schedules (SpeculativeConfig::schedule):
//  - sequential: draft gamma tokens, then one target pass verifies them, on the calling thread.
//  - overlapped: the drafter runs on a worker thread and drafts the next block while the
//    target verifies the current one; a pre-drafted block is thrown away on a rejection.
//    The algorithm, its statistics and why its output is still exactly the target's are in
//    runtime/speculative/speculative_overlapped.h and docs/runtime-overlap.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "describe/experiment.h"
#include "runtime/cpu/core_set.h"
#include "runtime/measure/pass_stalls.h"
#include "runtime/executor/token_model.h"

namespace specmap::runtime {

// What happened in one draft-and-verify iteration (a block, in the overlapped schedule),
// for progress display and tracing. The hook runs on the calling thread while the drafter
// is idle, so it may inspect both models.
struct IterationRecord {
  std::int64_t index = 0;        // 0-based
  int gamma = 0;                 // drafts this iteration; below the requested gamma only at the end
  std::span<const int> drafted;  // x_1..x_gamma (valid during the callback only)
  std::size_t accepted = 0;      // drafted tokens kept
  // Replacement or bonus token emitted after them; -1 when handed_over.
  int next_token = -1;
  bool bonus = false;            // every drafted token was kept
  // Overlapped schedule only. warm: x_1..x_gamma were pre-drafted during the previous
  // iteration's target pass and x_1 was checked against that pass's last row. handed_over:
  // every draft was kept and no token follows them here; the next iteration is warm and its
  // x_1 takes the place of the bonus token.
  bool warm = false;
  bool handed_over = false;
  Tokens tokens_generated = 0;   // total so far, this iteration included
  // Draft-model time this iteration. Overlapped: only what the calling thread waited for
  // (see SpeculativeStats::draft_time).
  Seconds draft_time = 0.0;
  Seconds target_time = 0.0;     // spent in target-model calls this iteration
  Seconds overlapped_draft_time = 0.0;  // overlapped: pre-drafting hidden behind this iteration's target pass
};
using IterationHook = std::function<void(const IterationRecord&)>;

struct SpeculativeConfig {
  bool greedy = true;        // the paper's setting; false = temperature sampling
  double temperature = 1.0;  // used when !greedy; must be > 0
  std::uint64_t seed = 0;    // seeds the one std::mt19937_64 behind every random choice
  // Accept each drafted token with this probability regardless of the models (sweeps
  // alpha like the paper's Fig. 7); both models still run in full. Output is then not
  // the target's distribution.
  std::optional<double> controlled_alpha;
  // sequential or overlapped (see the top of this file). With gamma 0 both are plain
  // decoding with the target alone.
  Schedule schedule = Schedule::sequential;
  // Overlapped schedule: the cores the drafter's thread is pinned to (its PU's); empty:
  // wherever the thread starts.
  CoreSet drafter_cores;
  IterationHook on_iteration;  // optional; its own run time is excluded from the stats
  // Generation ends once this token (the tokenizer's EOS) is emitted: no further iteration
  // runs, and the result's tokens end with it. Tokens an iteration kept after it are
  // dropped; the statistics still count that iteration's drafts as verified.
  std::optional<int> stop_token;
};

struct SpeculativeStats {
  int gamma = 0;  // requested draft length
  Tokens tokens_generated = 0;
  // Iterations: draft-and-verify rounds; in the overlapped schedule, blocks
  // (iterations == cold_blocks + warm_blocks in both schedules).
  std::int64_t iterations = 0;
  std::int64_t drafted = 0;     // drafted tokens that were verified (the gamma of every iteration, summed)
  std::int64_t accepted = 0;    // of those, kept
  std::int64_t rejections = 0;  // iterations that stopped before their gamma
  // [k]: iterations that verified draft position k+1 / that kept it. Their ratio is the
  // position-dependent acceptance a_{k+1} of the generalised expected-tokens formula.
  // In a warm block, position 1 is the check of the pre-drafted first token.
  std::vector<std::int64_t> position_reached;
  std::vector<std::int64_t> position_accepted;
  // Wall time = draft_time + target_time + other_time in both schedules (total_time()).
  // draft_time: draft-model calls on the critical path. Sequential: every draft call (append
  // and truncate). Overlapped: the time the calling thread waited for the drafter (cold
  // drafting, the rest of a pre-draft still running when verification ended, the in-flight
  // step after an abort) plus the draft's rollbacks; the drafter's softmax and sampling are
  // part of its steps there.
  Seconds draft_time = 0.0;
  Seconds target_time = 0.0;           // in target-model calls (append and truncate)
  Seconds other_time = 0.0;            // everything else: softmax, verification, bookkeeping
  bool controlled_acceptance = false;  // acceptance was forced, not measured
  double controlled_alpha = 0.0;       // the forced probability when controlled_acceptance

  // The overlapped schedule ran (false for gamma 0, where it is the sequential one).
  bool overlapped = false;
  // Draft work hidden behind the target: the drafter's busy time during pre-drafts minus
  // what the calling thread waited for (not part of total_time(); discarded pre-drafts included).
  Seconds overlapped_draft_time = 0.0;
  // Iterations whose drafts were drafted with the target idle (every sequential iteration)
  // / pre-drafted during the previous iteration's target pass (overlapped only).
  std::int64_t cold_blocks = 0;
  std::int64_t warm_blocks = 0;
  // Target calls that verified drafts (one per iteration, except a warm block whose first
  // token was rejected: that check uses the previous pass's last row).
  std::int64_t target_passes = 0;
  // Overlapped: pre-drafts started; those thrown away, however far they got, because the
  // block they were drafted beside ended in a rejection; and the tokens those had drafted.
  // Every other pre-draft becomes a warm block: predrafts == warm_blocks + discarded_predrafts.
  std::int64_t predrafts = 0;
  std::int64_t discarded_predrafts = 0;
  std::int64_t discarded_predraft_tokens = 0;
  // Every model pass of the decoding thread, in order (the overlapped drafter's are not):
  // what runtime/measure/pass_stalls.h looks for stalls in.
  std::vector<PassTime> passes;

  // accepted / drafted: the "acceptance rate" runtimes such as llama.cpp print.
  // Empty when nothing was drafted.
  [[nodiscard]] std::optional<double> accept_ratio() const;
  // Leviathan's alpha, the maximum-likelihood estimate under i.i.d. acceptance: each
  // verified position is a Bernoulli trial, ending at the first failure, so
  // alpha = accepted / (accepted + rejections). Empty when nothing was verified.
  [[nodiscard]] std::optional<double> alpha_estimate() const;
  [[nodiscard]] Seconds total_time() const { return draft_time + target_time + other_time; }
};

struct GenerationResult {
  std::vector<int> tokens;  // the generated tokens only, prompt excluded
  SpeculativeStats stats;
};

namespace internal {
class Drafter;
}

class SpeculativeDecoder {
 public:
  // Both models must outlive the decoder; the draft is not touched when gamma == 0.
  SpeculativeDecoder(TokenModel& draft, TokenModel& target);
  ~SpeculativeDecoder();  // joins the drafter's thread, if an overlapped generation started one
  SpeculativeDecoder(const SpeculativeDecoder&) = delete;
  SpeculativeDecoder& operator=(const SpeculativeDecoder&) = delete;

  // Resets both models (truncate(0)), feeds `prompt` and generates exactly `new_tokens`
  // tokens, or fewer when config.stop_token is emitted first. The last iteration drafts at most (tokens still missing - 1) so it never
  // produces tokens that would be thrown away (the overlapped schedule clips its
  // pre-drafts the same way). Errors: empty prompt, tokens outside the
  // vocabulary, gamma < 0, vocabularies that differ, temperature <= 0 when sampling,
  // controlled_alpha outside [0, 1], a model returning logits of the wrong size.
  // The overlapped schedule (gamma > 0) runs the draft on a worker thread the decoder starts
  // with its first overlapped generation and keeps, idle between calls, until it is
  // destroyed; the target stays on the calling thread. One generate() at a time.
  Result<GenerationResult> generate(std::span<const int> prompt, std::size_t new_tokens, int gamma,
                                    const SpeculativeConfig& config);

 private:
  TokenModel& draft_;
  TokenModel& target_;
  std::unique_ptr<internal::Drafter> drafter_;  // created by the first overlapped generation
};

}  // namespace specmap::runtime
