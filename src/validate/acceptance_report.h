#pragma once
// What `specmap acceptance` writes: acceptance.json (the measurement with its context) and
// workload.yaml (the experiment's workload with the measured acceptance: one sample per
// prompt, weighted equally, with that prompt's length and per-position alphas), which
// `specmap sweep` and every other command read as any workload.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "describe/workload.h"
#include "validate/acceptance_measure.h"
#include "validate/acceptance_prompts.h"

namespace specmap {

struct AcceptanceContext {
  std::string experiment;   // path
  std::string draft_model;  // names
  std::string target_model;
  std::string weights;        // how the weights were obtained, e.g. "synthetic (seed 0 / 1)"
  std::string host;           // where it ran
  std::string prompt_format;  // "text" or "token ids"
  bool kv_cache = true;
  AcceptanceOptions options;
};

std::string acceptance_json(const AcceptanceMeasurement& m, const PromptSet& prompts,
                            const AcceptanceContext& ctx);

// `base`: the experiment's workload (its generate_tokens, kv_cache and decoding carry over).
std::string acceptance_workload_yaml(const AcceptanceMeasurement& m, const PromptSet& prompts,
                                     const AcceptanceContext& ctx, const Workload& base);

}  // namespace specmap
