#pragma once
// What the models are asked to do: prompt lengths, tokens generated, KV cache,
// and how often drafted tokens are accepted.
#include <string>
#include <vector>

#include "core/units.h"

namespace specmap {

// One kind of request in the workload mix. Acceptance is Leviathan's alpha per
// draft position (alphas[k] = P(token k+1 accepted | tokens 1..k accepted));
// positions beyond the list reuse its last value.
struct WorkloadSample {
  double weight = 1;  // share of requests; weights of a workload sum to 1
  Tokens prompt_tokens = 0;
  Tokens generate_tokens = 0;
  std::vector<double> alphas;
};

struct Workload {
  std::string name;
  std::string description;
  bool kv_cache = true;
  std::vector<WorkloadSample> samples;
  // How the acceptance in the file was given and converted, for the outputs.
  std::string acceptance_note;
  std::string source_file;

  [[nodiscard]] double mean_prompt_tokens() const;
  [[nodiscard]] double mean_generate_tokens() const;
  // Weighted mean of the first-position alpha (what Eq. 1 is fed in paper mode).
  [[nodiscard]] double mean_alpha() const;
};

// Expected tokens one iteration yields with gamma drafted tokens:
// 1 + sum_{k=1..gamma} prod_{i=1..k} a_i  (== (1 - a^(gamma+1)) / (1 - a) for constant a).
double expected_tokens_per_iteration(const std::vector<double>& alphas, int gamma);
// Leviathan alpha <-> accepted/drafted ratio r at a fixed gamma (i.i.d. model):
// r = (E[tokens] - 1) / gamma.
double accept_ratio_from_alpha(double alpha, int gamma);
double alpha_from_accept_ratio(double ratio, int gamma);

}  // namespace specmap
