#include "runtime/speculative/speculative.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <utility>

#include "runtime/speculative/sampling.h"
#include "runtime/speculative/speculative_internal.h"
#include "runtime/speculative/speculative_overlapped.h"
#include "runtime/speculative/speculative_verify.h"

namespace specmap::runtime {
namespace internal {

Status validate_request(const TokenModel& draft, const TokenModel& target, std::span<const int> prompt, int gamma,
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

GenerationBase::GenerationBase(TokenModel& draft, TokenModel& target, std::span<const int> prompt, int gamma,
                               const SpeculativeConfig& config, ResidualRule rule)
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

Seconds GenerationBase::seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void GenerationBase::timed_truncate(TokenModel& model, std::size_t length, Seconds& clock) {
  const Clock::time_point start = Clock::now();
  model.truncate(length);
  clock += seconds_since(start);
}

Result<std::vector<float>> GenerationBase::timed_append(TokenModel& model, std::span<const int> tokens,
                                                        std::size_t rows, Seconds& clock, const char* which) {
  const Clock::time_point start = Clock::now();
  std::vector<float> logits = model.append(tokens, rows);
  const Seconds took = seconds_since(start);
  clock += took;
  stats_.passes.push_back(PassTime{std::strcmp(which, "draft") == 0, tokens.size(), rows, took});
  if (logits.size() != rows * vocab_) {
    return Error{std::string("speculative decoding: the ") + which + " model returned " +
                 std::to_string(logits.size()) + " logits, expected " + std::to_string(rows * vocab_)};
  }
  return logits;
}

Result<std::span<const int>> GenerationBase::unseen_by(const TokenModel& model, const char* which) const {
  const std::size_t seen = model.length();
  if (seen >= sequence_.size()) {
    return Error{std::string("speculative decoding: the ") + which + " model holds " + std::to_string(seen) +
                 " tokens but can have seen at most " + std::to_string(sequence_.size() - 1) +
                 " (did truncate() take effect?)"};
  }
  return std::span<const int>(sequence_).subspan(seen);
}

void GenerationBase::softmax_rows(std::span<const float> logits, std::size_t rows,
                                  std::vector<double>& out) const {
  // softmax_into writes every entry: no zero fill (rows x vocab doubles, megabytes at a
  // large gamma, would cost time and push the models' data out of the caches every
  // iteration).
  out.resize(rows * vocab_);
  for (std::size_t r = 0; r < rows; ++r) {
    softmax_into(logits.subspan(r * vocab_, vocab_), effective_temperature(),
                 std::span<double>(out).subspan(r * vocab_, vocab_));
  }
}

void GenerationBase::record(const Block& block) {
  stats_.iterations += 1;
  (block.warm ? stats_.warm_blocks : stats_.cold_blocks) += 1;
  stats_.drafted += block.gamma;
  stats_.accepted += static_cast<std::int64_t>(block.accepted);
  if (block.accepted < static_cast<std::size_t>(block.gamma)) stats_.rejections += 1;
  // Positions 1..accepted were kept; position accepted+1 was reached and rejected.
  const std::size_t reached = std::min(block.accepted + 1, static_cast<std::size_t>(block.gamma));
  for (std::size_t k = 0; k < reached; ++k) stats_.position_reached[k] += 1;
  for (std::size_t k = 0; k < block.accepted; ++k) stats_.position_accepted[k] += 1;
  stats_.draft_time += block.draft_time;
  stats_.target_time += block.target_time;
  stats_.overlapped_draft_time += block.overlapped_draft_time;
  if (!config_.on_iteration) return;

  IterationRecord entry;
  entry.index = stats_.iterations - 1;
  entry.gamma = block.gamma;
  entry.drafted = block.drafted;
  entry.accepted = block.accepted;
  entry.next_token = block.next_token;
  entry.bonus = block.accepted == static_cast<std::size_t>(block.gamma);
  entry.warm = block.warm;
  entry.handed_over = block.handed_over;
  entry.tokens_generated = static_cast<Tokens>(generated());
  entry.draft_time = block.draft_time;
  entry.target_time = block.target_time;
  entry.overlapped_draft_time = block.overlapped_draft_time;
  const Clock::time_point start = Clock::now();
  config_.on_iteration(entry);
  hook_time_ += seconds_since(start);
}

bool GenerationBase::stop_reached(std::size_t from) {
  if (stopped_) return true;
  if (!config_.stop_token) return false;
  from = std::max(from, prompt_length_);
  for (std::size_t i = from; i < sequence_.size(); ++i) {
    if (sequence_[i] != *config_.stop_token) continue;
    sequence_.resize(i + 1);
    stopped_ = true;
    return true;
  }
  return false;
}

bool GenerationBase::start(std::size_t new_tokens) {
  start_time_ = Clock::now();
  if (new_tokens == 0) return false;
  timed_truncate(target_, 0, stats_.target_time);
  if (gamma_ > 0) timed_truncate(draft_, 0, stats_.draft_time);
  return true;
}

GenerationResult GenerationBase::finish() {
  stats_.tokens_generated = static_cast<Tokens>(generated());
  stats_.other_time =
      std::max(0.0, seconds_since(start_time_) - hook_time_ - stats_.draft_time - stats_.target_time);
  GenerationResult result;
  result.tokens.assign(sequence_.begin() + static_cast<std::ptrdiff_t>(prompt_length_), sequence_.end());
  result.stats = std::move(stats_);
  return result;
}

}  // namespace internal

namespace {

// The sequential schedule: each iteration drafts gamma tokens, then one target pass
// verifies them, all on the calling thread.
class Generation : public internal::GenerationBase {
 public:
  Generation(TokenModel& draft, TokenModel& target, std::span<const int> prompt, int gamma,
             const SpeculativeConfig& config, internal::ResidualRule rule)
      : GenerationBase(draft, target, prompt, gamma, config, rule) {}

  Result<GenerationResult> run(std::size_t new_tokens) {
    if (start(new_tokens)) {
      while (generated() < new_tokens) {
        const std::size_t missing = new_tokens - generated();
        const int gamma =
            static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(gamma_), missing - 1));
        const std::size_t before = sequence_.size();
        if (Status status = iterate(gamma); !status) return status.error();
        if (stop_reached(before)) break;
      }
    }
    return finish();
  }

 private:
  // The draft catches up on the tokens it has not seen, then proposes `gamma` tokens,
  // appending each one before proposing the next. The last proposal is not appended: the
  // target may reject it, and if not it is caught up next iteration.
  Status draft_tokens(int gamma, Seconds& clock) {
    drafted_.clear();
    draft_probs_.resize(static_cast<std::size_t>(gamma) * vocab_);  // every row written below
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
    softmax_rows(*logits, rows, target_probs_);
    return {};
  }

  Status iterate(int gamma) {
    Seconds draft_time = 0.0;
    Seconds target_time = 0.0;
    const std::size_t committed = sequence_.size();
    if (Status s = draft_tokens(gamma, draft_time); !s) return s;
    if (Status s = score_drafts(gamma, target_time); !s) return s;
    stats_.target_passes += 1;
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

    Block block;
    block.gamma = gamma;
    block.drafted = drafted_;
    block.accepted = outcome->accepted;
    block.next_token = outcome->next_token;
    block.draft_time = draft_time;
    block.target_time = target_time;
    record(block);
    return {};
  }

  std::vector<int> drafted_;
  std::vector<double> draft_probs_;
  std::vector<double> target_probs_;
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
  if (config.schedule == Schedule::overlapped && gamma > 0)
    return generate_overlapped(draft, target, prompt, new_tokens, gamma, config, rule, OverlapFault::kNone);
  if (Status status = validate_request(draft, target, prompt, gamma, config); !status) return status.error();
  return Generation(draft, target, prompt, gamma, config, rule).run(new_tokens);
}

}  // namespace internal

SpeculativeDecoder::SpeculativeDecoder(TokenModel& draft, TokenModel& target) : draft_(draft), target_(target) {}

SpeculativeDecoder::~SpeculativeDecoder() = default;

Result<GenerationResult> SpeculativeDecoder::generate(std::span<const int> prompt, std::size_t new_tokens,
                                                      int gamma, const SpeculativeConfig& config) {
  if (config.schedule == Schedule::overlapped && gamma > 0) {
    if (!drafter_) drafter_ = std::make_unique<internal::Drafter>(draft_);
    return internal::generate_overlapped(draft_, target_, prompt, new_tokens, gamma, config,
                                         internal::ResidualRule::kPositivePart, internal::OverlapFault::kNone,
                                         drafter_.get());
  }
  return internal::generate_with_rule(draft_, target_, prompt, new_tokens, gamma, config,
                                      internal::ResidualRule::kPositivePart);
}

}  // namespace specmap::runtime
