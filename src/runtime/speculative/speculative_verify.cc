#include "runtime/speculative/speculative_verify.h"

#include <string>
#include <vector>

#include "runtime/speculative/speculative_internal.h"

namespace specmap::runtime {
namespace {

// bonus_row: the target distributions must be exactly gamma + 1 (the last one for the bonus
// token); otherwise at least gamma (check_drafts ignores any beyond).
Status check_shapes(std::span<const int> drafted, DistributionRows draft_probs, DistributionRows target_probs,
                    const VerifyPolicy& policy, bool bonus_row) {
  const std::size_t gamma = drafted.size();
  const std::size_t vocab = target_probs.vocab;
  if (vocab == 0) return Error{"verify_drafts: the target's vocabulary is empty"};
  const std::size_t values = target_probs.values.size();
  const bool rows_ok = bonus_row ? values == (gamma + 1) * vocab : values % vocab == 0 && values >= gamma * vocab;
  if (!rows_ok) {
    return Error{"verify_drafts: expected " + std::string(bonus_row ? "" : "at least ") +
                 std::to_string(bonus_row ? gamma + 1 : gamma) + " target distributions of " +
                 std::to_string(vocab) + " entries, got " + std::to_string(values) + " values"};
  }
  if (gamma > 0 && (draft_probs.vocab != vocab || draft_probs.values.size() != gamma * vocab)) {
    return Error{"verify_drafts: expected " + std::to_string(gamma) + " draft distributions of " +
                 std::to_string(vocab) + " entries"};
  }
  for (const int token : drafted) {
    if (token < 0 || static_cast<std::size_t>(token) >= vocab) {
      return Error{"verify_drafts: drafted token " + std::to_string(token) + " is outside the vocabulary"};
    }
  }
  if (policy.controlled_alpha && !(*policy.controlled_alpha >= 0.0 && *policy.controlled_alpha <= 1.0)) {
    return Error{"verify_drafts: controlled acceptance probability must be in [0, 1]"};
  }
  return {};
}

int sample_residual(std::span<const double> p, std::span<const double> q, std::mt19937_64& rng,
                    internal::ResidualRule rule) {
  switch (rule) {
    case internal::ResidualRule::kTarget:
      return sample_index(p, rng);
    case internal::ResidualRule::kDraft:
      return sample_index(q, rng);
    case internal::ResidualRule::kPositivePart:
      break;
  }
  std::vector<double> residual(p.size());
  double mass = 0.0;
  for (std::size_t j = 0; j < p.size(); ++j) {
    residual[j] = p[j] > q[j] ? p[j] - q[j] : 0.0;
    mass += residual[j];
  }
  // A rejection needs p(x) < q(x), which forces mass > 0 when both sum to 1; only
  // rounding (p == q up to the last bit) can leave nothing, and then p itself is the
  // right distribution.
  if (!(mass > 0.0)) return sample_index(p, rng);
  return sample_index(residual, rng);  // sample_index normalises
}

}  // namespace

namespace internal {

Result<VerifyOutcome> check_drafts(std::span<const int> drafted, DistributionRows draft_probs,
                                   DistributionRows target_probs, const VerifyPolicy& policy, std::mt19937_64& rng,
                                   ResidualRule rule) {
  if (Status status = check_shapes(drafted, draft_probs, target_probs, policy, false); !status)
    return status.error();
  const std::size_t gamma = drafted.size();
  for (std::size_t i = 0; i < gamma; ++i) {
    const int token = drafted[i];
    const std::span<const double> p = target_probs.row(i);
    const std::span<const double> q = draft_probs.row(i);
    bool keep = false;
    if (policy.controlled_alpha) {
      keep = uniform_unit(rng) < *policy.controlled_alpha;
    } else if (policy.greedy) {
      keep = token == argmax(p);
    } else {
      // Accept with probability min(1, p/q), written without dividing so q(x) == 0
      // (a token the draft could not have produced) cannot yield inf or NaN.
      keep = uniform_unit(rng) * q[token] < p[token];
    }
    if (keep) continue;
    VerifyOutcome outcome;
    outcome.accepted = i;
    if (policy.greedy) {
      outcome.next_token = argmax(p);
    } else if (policy.controlled_alpha) {
      outcome.next_token = sample_index(p, rng);
    } else {
      outcome.next_token = sample_residual(p, q, rng, rule);
    }
    return outcome;
  }
  VerifyOutcome outcome;
  outcome.accepted = gamma;
  return outcome;
}

int sample_bonus(std::span<const double> p, const VerifyPolicy& policy, std::mt19937_64& rng) {
  return policy.greedy ? argmax(p) : sample_index(p, rng);
}

Result<VerifyOutcome> verify_drafts_with_rule(std::span<const int> drafted, DistributionRows draft_probs,
                                              DistributionRows target_probs, const VerifyPolicy& policy,
                                              std::mt19937_64& rng, ResidualRule rule) {
  if (Status status = check_shapes(drafted, draft_probs, target_probs, policy, true); !status)
    return status.error();
  Result<VerifyOutcome> outcome = check_drafts(drafted, draft_probs, target_probs, policy, rng, rule);
  if (!outcome || outcome->accepted < drafted.size()) return outcome;
  outcome->bonus = true;
  outcome->next_token = sample_bonus(target_probs.row(drafted.size()), policy, rng);
  return outcome;
}

}  // namespace internal

Result<VerifyOutcome> verify_drafts(std::span<const int> drafted, DistributionRows draft_probs,
                                    DistributionRows target_probs, const VerifyPolicy& policy,
                                    std::mt19937_64& rng) {
  return internal::verify_drafts_with_rule(drafted, draft_probs, target_probs, policy, rng,
                                           internal::ResidualRule::kPositivePart);
}

}  // namespace specmap::runtime
