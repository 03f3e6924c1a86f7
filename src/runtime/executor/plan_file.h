#pragma once
// The parts of a plan.json (written by src/plan/plan_json.cc) that running it needs: the
// inputs it was computed from, the choice, and the prediction to compare against.
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/executor/plan_runner.h"

namespace specmap::runtime {

struct PlanInput {
  std::string role;         // experiment, soc, draft, target, workload, profile
  std::string path;         // as written by the sweep: relative to the folder it ran in, or absolute
  std::string fingerprint;  // fnv1a64, 16 hex digits
};

struct PlanFile {
  int schema_version = 0;
  std::string experiment;
  std::string draft_model;
  std::string target_model;
  std::vector<PlanInput> inputs;
  PlanChoice choice;
  Schedule schedule = Schedule::sequential;  // choice.schedule
  std::string time_unit;                              // "s" or "relative"
  double predicted_time_per_token = 0;                // in time_unit
  std::optional<double> predicted_tokens_per_second;  // empty with relative profiles
  bool kv_cache = true;
  double mean_prompt_tokens = 0;
  double mean_generate_tokens = 0;
  double mean_alpha = 0;

  // The first input with this role, or nullptr.
  [[nodiscard]] const PlanInput* input(const std::string& role) const;
};

// Errors name `file_label` and the key that is missing or of the wrong type.
Result<PlanFile> parse_plan(const std::string& json_text, const std::string& file_label);

}  // namespace specmap::runtime
