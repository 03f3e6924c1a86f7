#pragma once
// Hooks that exist so the tests can prove the distribution test has teeth: the same
// decoder with a deliberately wrong replacement rule must fail it. Not for other callers.
#include <cstddef>
#include <random>
#include <span>

#include "core/result.h"
#include "runtime/sampling.h"
#include "runtime/speculative.h"
#include "runtime/speculative_verify.h"
#include "runtime/token_model.h"

namespace specmap::runtime::internal {

// Which distribution the replacement token is drawn from after a rejection in
// speculative sampling. Only kPositivePart is correct.
enum class ResidualRule {
  kPositivePart,  // norm(max(0, p_i - q_i)): Leviathan Alg. 1, exact
  kTarget,        // p_i: wrong, over-represents tokens the draft also likes
  kDraft,         // q_i: wrong
};

Result<VerifyOutcome> verify_drafts_with_rule(std::span<const int> drafted, DistributionRows draft_probs,
                                              DistributionRows target_probs, const VerifyPolicy& policy,
                                              std::mt19937_64& rng, ResidualRule rule);

Result<GenerationResult> generate_with_rule(TokenModel& draft, TokenModel& target,
                                            std::span<const int> prompt, std::size_t new_tokens, int gamma,
                                            const SpeculativeConfig& config, ResidualRule rule);

}  // namespace specmap::runtime::internal
