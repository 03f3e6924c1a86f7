#include "runtime/speculative.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "runtime/sampling.h"
#include "runtime/speculative_internal.h"
#include "runtime/speculative_verify.h"

namespace specmap::runtime {
namespace {

using Clock = std::chrono::steady_clock;

Seconds seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Status validate(const TokenModel& draft, const TokenModel& target, std::span<const int> prompt, int gamma,
                const SpeculativeConfig& config) {
  if (gamma < 0) return Error{"speculative decoding: gamma must be >= 0, got " + std::to_string(gamma)};
  if (prompt.empty()) return Error{"speculative decoding: the prompt must contain at least one token"};
  const int vocab = target.vocab();
  if (vocab <= 0) return Error{"speculative decoding: the target's vocabulary is empty"};
  if (gamma > 0 && draft.vocab() != vocab) {
    return Error{"speculative decoding: draft vocabulary (" + std::to_string(draft.vocab()) +
                 ") differs from the target's (" + std::to_string(vocab) + ")"};
  }
  for (const int token : prompt) {
    if (token < 0 || token >= vocab) {
      return Error{"speculative decoding: prompt token " + std::to_string(token) +
                   " is outside the vocabulary"};
    }
  }
  if (!config.greedy && !(config.temperature > 0.0 && std::isfinite(config.temperature))) {
    return Error{"speculative decoding: temperature must be > 0 when sampling"};
  }
  if (config.controlled_alpha && !(*config.controlled_alpha >= 0.0 && *config.controlled_alpha <= 1.0)) {
    return Error{"speculative decoding: controlled acceptance probability must be in [0, 1]"};
  }
  return {};
}

// One call of generate(): the committed sequence, both models' catch-up state, the
// random engine and the statistics.
class Generation {
 public:
  Generation(TokenModel& draft, TokenModel& target, std::span<const int> prompt, int gamma,
             const SpeculativeConfig& config, internal::ResidualRule rule)
      : draft_(draft),
        target_(target),
        gamma_(gamma),
        config_(config),
        rule_(rule),
        vocab_(static_cast<std::size_t>(target.vocab())),
        rng_(config.seed),
        sequence_(prompt.begin(), prompt.end()),
        prompt_length_(prompt.size()) {
    policy_.greedy = config.greedy;
    policy_.controlled_alpha = config.controlled_alpha;
    stats_.gamma = gamma;
    stats_.position_reached.assign(static_cast<std::size_t>(gamma), 0);
    stats_.position_accepted.assign(static_cast<std::size_t>(gamma), 0);
    stats_.controlled_acceptance = config.controlled_alpha.has_value();
    stats_.controlled_alpha = config.controlled_alpha.value_or(0.0);
  }

  Result<GenerationResult> run(std::size_t new_tokens) {
    const Clock::time_point start = Clock::now();
    if (new_tokens > 0) {
      timed_truncate(target_, 0, stats_.target_time);
      if (gamma_ > 0) timed_truncate(draft_, 0, stats_.draft_time);
    }
    while (generated() < new_tokens) {
      const std::size_t missing = new_tokens - generated();
      const int gamma =
          static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(gamma_), missing - 1));
      if (Status status = iterate(gamma); !status) return status.error();
    }
    stats_.tokens_generated = static_cast<Tokens>(generated());
    stats_.other_time =
        std::max(0.0, seconds_since(start) - hook_time_ - stats_.draft_time - stats_.target_time);
    GenerationResult result;
    result.tokens.assign(sequence_.begin() + static_cast<std::ptrdiff_t>(prompt_length_), sequence_.end());
    result.stats = std::move(stats_);
    return result;
  }

 private:
  [[nodiscard]] std::size_t generated() const { return sequence_.size() - prompt_length_; }

  static void timed_truncate(TokenModel& model, std::size_t length, Seconds& clock) {
    const Clock::time_point start = Clock::now();
    model.truncate(length);
    clock += seconds_since(start);
  }

  Result<std::vector<float>> timed_append(TokenModel& model, std::span<const int> tokens, std::size_t rows,
                                          Seconds& clock, const char* which) {
    const Clock::time_point start = Clock::now();
    std::vector<float> logits = model.append(tokens, rows);
    clock += seconds_since(start);
    if (logits.size() != rows * vocab_) {
      return Error{std::string("speculative decoding: the ") + which + " model returned " +
                   std::to_string(logits.size()) + " logits, expected " + std::to_string(rows * vocab_)};
    }
    return logits;
  }

  // Tokens of the committed sequence that `model` has not seen yet. A model holding
  // more than was committed (a truncate that did not take effect) is an error, not
  // something to index past.
  Result<std::span<const int>> unseen_by(const TokenModel& model, const char* which) const {
    const std::size_t seen = model.length();
    if (seen >= sequence_.size()) {
      return Error{std::string("speculative decoding: the ") + which + " model holds " +
                   std::to_string(seen) + " tokens but can have seen at most " +
                   std::to_string(sequence_.size() - 1) + " (did truncate() take effect?)"};
    }
    return std::span<const int>(sequence_).subspan(seen);
  }

  [[nodiscard]] double effective_temperature() const { return config_.greedy ? 1.0 : config_.temperature; }

  // The draft catches up on the tokens it has not seen, then proposes `gamma` tokens,
  // appending each one before proposing the next. The last proposal is not appended: the
  // target may reject it, and if not it is caught up next iteration.
  Status draft_tokens(int gamma, Seconds& clock) {
    drafted_.clear();
    draft_probs_.assign(static_cast<std::size_t>(gamma) * vocab_, 0.0);
    for (int i = 0; i < gamma; ++i) {
      std::span<const int> input;
      if (i == 0) {
        Result<std::span<const int>> unseen = unseen_by(draft_, "draft");
        if (!unseen) return unseen.error();
        input = *unseen;
      } else {
        input = std::span<const int>(&drafted_.back(), 1);
      }
      Result<std::vector<float>> logits = timed_append(draft_, input, 1, clock, "draft");
      if (!logits) return logits.error();
      const std::span<double> q =
          std::span<double>(draft_probs_).subspan(static_cast<std::size_t>(i) * vocab_, vocab_);
      softmax_into(*logits, effective_temperature(), q);
      drafted_.push_back(config_.greedy ? argmax(std::span<const float>(*logits)) : sample_index(q, rng_));
    }
    return {};
  }

  // The target sees its missing tokens plus every draft in one call and returns
  // p_1..p_{gamma+1}.
  Status score_drafts(int gamma, Seconds& clock) {
    Result<std::span<const int>> unseen = unseen_by(target_, "target");
    if (!unseen) return unseen.error();
    std::vector<int> input(unseen->begin(), unseen->end());
    input.insert(input.end(), drafted_.begin(), drafted_.end());
    const std::size_t rows = static_cast<std::size_t>(gamma) + 1;
    Result<std::vector<float>> logits = timed_append(target_, input, rows, clock, "target");
    if (!logits) return logits.error();
    target_probs_.assign(rows * vocab_, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      softmax_into(std::span<const float>(*logits).subspan(r * vocab_, vocab_), effective_temperature(),
                   std::span<double>(target_probs_).subspan(r * vocab_, vocab_));
    }
    return {};
  }

  Status iterate(int gamma) {
    Seconds draft_time = 0.0;
    Seconds target_time = 0.0;
    const std::size_t committed = sequence_.size();
    if (Status s = draft_tokens(gamma, draft_time); !s) return s;
    if (Status s = score_drafts(gamma, target_time); !s) return s;
    Result<VerifyOutcome> outcome =
        internal::verify_drafts_with_rule(drafted_, DistributionRows{draft_probs_, vocab_},
                                          DistributionRows{target_probs_, vocab_}, policy_, rng_, rule_);
    if (!outcome) return outcome.error();

    // Roll both models back to the kept prefix; the new token is fed to them next time.
    const std::size_t kept = committed + outcome->accepted;
    timed_truncate(target_, kept, target_time);
    if (gamma > 0 && draft_.length() > kept) timed_truncate(draft_, kept, draft_time);
    sequence_.insert(sequence_.end(), drafted_.begin(),
                     drafted_.begin() + static_cast<std::ptrdiff_t>(outcome->accepted));
    sequence_.push_back(outcome->next_token);

    record(gamma, *outcome, draft_time, target_time);
    return {};
  }

  void record(int gamma, const VerifyOutcome& outcome, Seconds draft_time, Seconds target_time) {
    stats_.iterations += 1;
    stats_.drafted += gamma;
    stats_.accepted += static_cast<std::int64_t>(outcome.accepted);
    if (outcome.accepted < static_cast<std::size_t>(gamma)) stats_.rejections += 1;
    // Positions 1..accepted were kept; position accepted+1 was reached and rejected.
    const std::size_t reached = std::min(outcome.accepted + 1, static_cast<std::size_t>(gamma));
    for (std::size_t k = 0; k < reached; ++k) stats_.position_reached[k] += 1;
    for (std::size_t k = 0; k < outcome.accepted; ++k) stats_.position_accepted[k] += 1;
    stats_.draft_time += draft_time;
    stats_.target_time += target_time;
    if (!config_.on_iteration) return;

    IterationRecord entry;
    entry.index = stats_.iterations - 1;
    entry.gamma = gamma;
    entry.drafted = drafted_;
    entry.accepted = outcome.accepted;
    entry.next_token = outcome.next_token;
    entry.bonus = outcome.bonus;
    entry.tokens_generated = static_cast<Tokens>(generated());
    entry.draft_time = draft_time;
    entry.target_time = target_time;
    const Clock::time_point start = Clock::now();
    config_.on_iteration(entry);
    hook_time_ += seconds_since(start);
  }

  TokenModel& draft_;
  TokenModel& target_;
  int gamma_;
  const SpeculativeConfig& config_;
  internal::ResidualRule rule_;
  std::size_t vocab_;
  std::mt19937_64 rng_;
  VerifyPolicy policy_;
  std::vector<int> sequence_;  // prompt + generated tokens committed so far
  std::size_t prompt_length_;
  std::vector<int> drafted_;
  std::vector<double> draft_probs_;
  std::vector<double> target_probs_;
  SpeculativeStats stats_;
  Seconds hook_time_ = 0.0;
};

}  // namespace

std::optional<double> SpeculativeStats::accept_ratio() const {
  if (drafted == 0) return std::nullopt;
  return static_cast<double>(accepted) / static_cast<double>(drafted);
}

std::optional<double> SpeculativeStats::alpha_estimate() const {
  const std::int64_t trials = accepted + rejections;
  if (trials == 0) return std::nullopt;
  return static_cast<double>(accepted) / static_cast<double>(trials);
}

namespace internal {

Result<GenerationResult> generate_with_rule(TokenModel& draft, TokenModel& target,
                                            std::span<const int> prompt, std::size_t new_tokens, int gamma,
                                            const SpeculativeConfig& config, ResidualRule rule) {
  if (Status status = validate(draft, target, prompt, gamma, config); !status) return status.error();
  return Generation(draft, target, prompt, gamma, config, rule).run(new_tokens);
}

}  // namespace internal

Result<GenerationResult> SpeculativeDecoder::generate(std::span<const int> prompt, std::size_t new_tokens,
                                                      int gamma, const SpeculativeConfig& config) {
  return internal::generate_with_rule(draft_, target_, prompt, new_tokens, gamma, config,
                                      internal::ResidualRule::kPositivePart);
}

}  // namespace specmap::runtime
