#pragma once
// Internals shared by the two schedules of speculative decoding (speculative.cc,
// speculative_overlapped.cc), and hooks that exist so the tests can prove the distribution
// test has teeth: the same decoder with a deliberately wrong rule must fail it. Not for
// other callers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "core/result.h"
#include "runtime/speculative/sampling.h"
#include "runtime/speculative/speculative.h"
#include "runtime/speculative/speculative_verify.h"
#include "runtime/executor/token_model.h"

namespace specmap::runtime::internal {

// Which distribution the replacement token is drawn from after a rejection in
// speculative sampling. Only kPositivePart is correct.
enum class ResidualRule {
  kPositivePart,  // norm(max(0, p_i - q_i)): Leviathan Alg. 1, exact
  kTarget,        // p_i: wrong, over-represents tokens the draft also likes
  kDraft,         // q_i: wrong
};

// A deliberate mistake in the overlapped schedule. Only kNone is correct.
enum class OverlapFault {
  kNone,
  kKeepFirstPredraft,  // keeps a warm block's first token unchecked: wrong, the draft's distribution leaks in
};

Result<VerifyOutcome> verify_drafts_with_rule(std::span<const int> drafted, DistributionRows draft_probs,
                                              DistributionRows target_probs, const VerifyPolicy& policy,
                                              std::mt19937_64& rng, ResidualRule rule);

// The per-position checks of verify_drafts without the bonus: x_1..x_gamma against the first
// gamma rows of `target_probs` (it may hold more). When every draft is kept the outcome has
// accepted == gamma, bonus == false and next_token == -1; the caller decides what follows.
Result<VerifyOutcome> check_drafts(std::span<const int> drafted, DistributionRows draft_probs,
                                   DistributionRows target_probs, const VerifyPolicy& policy, std::mt19937_64& rng,
                                   ResidualRule rule);

// The token after a fully accepted block, from the target row that follows it: its argmax
// when greedy, else a sample (also under controlled acceptance).
int sample_bonus(std::span<const double> p, const VerifyPolicy& policy, std::mt19937_64& rng);

// Checks a request before any model is touched (both schedules).
Status validate_request(const TokenModel& draft, const TokenModel& target, std::span<const int> prompt, int gamma,
                        const SpeculativeConfig& config);

Result<GenerationResult> generate_with_rule(TokenModel& draft, TokenModel& target,
                                            std::span<const int> prompt, std::size_t new_tokens, int gamma,
                                            const SpeculativeConfig& config, ResidualRule rule);

class Drafter;  // speculative_overlapped.h

// The overlapped schedule whatever config.schedule says (gamma 0 falls back to the
// sequential one), with a fault to inject. `drafter`: a worker for `draft` to reuse (it is
// idle again when this returns); null: one started and joined within the call.
Result<GenerationResult> generate_overlapped(TokenModel& draft, TokenModel& target, std::span<const int> prompt,
                                             std::size_t new_tokens, int gamma, const SpeculativeConfig& config,
                                             ResidualRule rule, OverlapFault fault, Drafter* drafter = nullptr);

// One call of generate(), whatever the schedule: the committed sequence, the random engine,
// timed model calls and the statistics. The schedules derive from it; everything here runs
// on the calling thread.
class GenerationBase {
 protected:
  using Clock = std::chrono::steady_clock;

  GenerationBase(TokenModel& draft, TokenModel& target, std::span<const int> prompt, int gamma,
                 const SpeculativeConfig& config, ResidualRule rule);

  static Seconds seconds_since(Clock::time_point start);
  [[nodiscard]] std::size_t generated() const { return sequence_.size() - prompt_length_; }
  [[nodiscard]] double effective_temperature() const { return config_.greedy ? 1.0 : config_.temperature; }

  static void timed_truncate(TokenModel& model, std::size_t length, Seconds& clock);
  // model.append, timed into `clock` and recorded in stats_.passes (the decoding thread's
  // passes only), with the logits' size checked.
  Result<std::vector<float>> timed_append(TokenModel& model, std::span<const int> tokens, std::size_t rows,
                                          Seconds& clock, const char* which);
  // Tokens of the committed sequence that `model` has not seen yet. A model holding
  // more than was committed (a truncate that did not take effect) is an error, not
  // something to index past.
  Result<std::span<const int>> unseen_by(const TokenModel& model, const char* which) const;
  // softmax(row / temperature) of each of the `rows` rows of `logits` into `out`.
  void softmax_rows(std::span<const float> logits, std::size_t rows, std::vector<double>& out) const;

  // One finished iteration (block): statistics, then the hook.
  struct Block {
    int gamma = 0;
    std::span<const int> drafted;
    std::size_t accepted = 0;
    int next_token = -1;  // -1 when handed over
    bool warm = false;
    bool handed_over = false;
    Seconds draft_time = 0.0;
    Seconds target_time = 0.0;
    Seconds overlapped_draft_time = 0.0;
  };
  void record(const Block& block);

  // With a stop token: true once it is in the generated tokens from `from` (an index of
  // sequence_) on, which are then cut right after it. Later calls return true at once.
  bool stop_reached(std::size_t from);
  [[nodiscard]] bool stopped() const { return stopped_; }

  // Resets both models; true when there is anything to generate.
  bool start(std::size_t new_tokens);
  // The result once the loop is done: other_time from the wall clock since start().
  GenerationResult finish();

  TokenModel& draft_;
  TokenModel& target_;
  int gamma_;
  const SpeculativeConfig& config_;
  ResidualRule rule_;
  std::size_t vocab_;
  std::mt19937_64 rng_;
  VerifyPolicy policy_;
  std::vector<int> sequence_;  // prompt + generated tokens committed so far
  std::size_t prompt_length_;
  SpeculativeStats stats_;
  Seconds hook_time_ = 0.0;
  Clock::time_point start_time_;
  bool stopped_ = false;
};

}  // namespace specmap::runtime::internal
