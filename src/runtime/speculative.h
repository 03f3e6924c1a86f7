#pragma once
// Speculative decoding over two TokenModels: a draft proposes gamma tokens one at a time,
// the target scores all of them in one call, and verify_drafts decides what is kept.
// gamma == 0 is plain autoregressive decoding with the target alone (the baseline).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "runtime/token_model.h"

namespace specmap::runtime {

// What happened in one draft-and-verify iteration, for progress display and tracing.
struct IterationRecord {
  std::int64_t index = 0;        // 0-based
  int gamma = 0;                 // drafts this iteration; below the requested gamma only at the end
  std::span<const int> drafted;  // x_1..x_gamma (valid during the callback only)
  std::size_t accepted = 0;      // drafted tokens kept
  int next_token = -1;           // replacement or bonus token emitted after them
  bool bonus = false;            // every drafted token was kept
  Tokens tokens_generated = 0;   // total so far, this iteration included
  Seconds draft_time = 0.0;      // spent in draft-model calls this iteration
  Seconds target_time = 0.0;     // spent in target-model calls this iteration
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
  IterationHook on_iteration;  // optional; its own run time is excluded from the stats
};

struct SpeculativeStats {
  int gamma = 0;  // requested draft length
  Tokens tokens_generated = 0;
  std::int64_t iterations = 0;
  std::int64_t drafted = 0;     // drafted tokens that were verified
  std::int64_t accepted = 0;    // of those, kept
  std::int64_t rejections = 0;  // iterations that stopped before their gamma
  // [k]: iterations that verified draft position k+1 / that kept it. Their ratio is the
  // position-dependent acceptance a_{k+1} of the generalised expected-tokens formula.
  std::vector<std::int64_t> position_reached;
  std::vector<std::int64_t> position_accepted;
  Seconds draft_time = 0.0;            // in draft-model calls (append and truncate)
  Seconds target_time = 0.0;           // in target-model calls (append and truncate)
  Seconds other_time = 0.0;            // everything else: softmax, verification, bookkeeping
  bool controlled_acceptance = false;  // acceptance was forced, not measured
  double controlled_alpha = 0.0;       // the forced probability when controlled_acceptance

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

class SpeculativeDecoder {
 public:
  // Both models must outlive the decoder; the draft is not touched when gamma == 0.
  SpeculativeDecoder(TokenModel& draft, TokenModel& target) : draft_(draft), target_(target) {}

  // Resets both models (truncate(0)), feeds `prompt` and generates exactly `new_tokens`
  // tokens. The last iteration drafts at most (tokens still missing - 1) so it never
  // produces tokens that would be thrown away. Errors: empty prompt, tokens outside the
  // vocabulary, gamma < 0, vocabularies that differ, temperature <= 0 when sampling,
  // controlled_alpha outside [0, 1], a model returning logits of the wrong size.
  Result<GenerationResult> generate(std::span<const int> prompt, std::size_t new_tokens, int gamma,
                                    const SpeculativeConfig& config);

 private:
  TokenModel& draft_;
  TokenModel& target_;
};

}  // namespace specmap::runtime
