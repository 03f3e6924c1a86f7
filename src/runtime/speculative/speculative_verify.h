#pragma once
// One verification step of speculative decoding (Leviathan et al. 2023, Alg. 1; Chen et
// al. 2023, Alg. 2): decide how many drafted tokens the target keeps and which token it
// emits after them. Pure apart from the random engine it draws from.
#include <cstddef>
#include <optional>
#include <random>
#include <span>

#include "core/result.h"
#include "runtime/speculative/sampling.h"

namespace specmap::runtime {

struct VerifyPolicy {
  // Greedy: keep x_i iff it is argmax p_i; replacement and bonus are argmaxes.
  // Otherwise speculative sampling, whose output is distributed exactly like the target's.
  bool greedy = true;
  // When set, each drafted token is kept with this probability regardless of p and q
  // (to sweep the acceptance rate, as in the paper's Fig. 7). A rejected position then
  // takes the target's own token: argmax p_i when greedy, else a sample from p_i.
  std::optional<double> controlled_alpha;
};

struct VerifyOutcome {
  std::size_t accepted = 0;  // drafted tokens kept: x_1 .. x_accepted
  int next_token = -1;       // replaces x_{accepted+1}, or the bonus token when all were kept
  bool bonus = false;        // true when every drafted token was kept
};

// drafted: x_1..x_gamma (gamma may be 0). draft_probs: q_1..q_gamma, where q_i is the
// distribution x_i was drawn from. target_probs: p_1..p_{gamma+1}, where p_i is the
// target's distribution at the position of x_i and p_{gamma+1} follows x_gamma.
// Errors: shape mismatches, tokens outside the vocabulary, controlled_alpha outside [0, 1].
Result<VerifyOutcome> verify_drafts(std::span<const int> drafted, DistributionRows draft_probs,
                                    DistributionRows target_probs, const VerifyPolicy& policy,
                                    std::mt19937_64& rng);

}  // namespace specmap::runtime
