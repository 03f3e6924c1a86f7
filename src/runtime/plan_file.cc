#include "runtime/plan_file.h"

#include <nlohmann/json.hpp>

#include "plan/plan_json.h"

namespace specmap::runtime {

namespace {

using nlohmann::json;

// Assignment entries in subgraph order; a null PU (an unused draft) becomes "".
std::vector<std::string> assigned_pus(const json& list) {
  std::vector<std::string> pus;
  for (const auto& entry : list) {
    const json& pu = entry.at("pu");
    pus.push_back(pu.is_null() ? std::string() : pu.get<std::string>());
  }
  return pus;
}

}  // namespace

const PlanInput* PlanFile::input(const std::string& role) const {
  for (const auto& in : inputs)
    if (in.role == role) return &in;
  return nullptr;
}

Result<PlanFile> parse_plan(const std::string& json_text, const std::string& file_label) {
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return Error{"not a JSON object: is this a plan.json?", file_label};
  // Which key failed is tracked by hand: nlohmann's exceptions do not name the full path.
  std::string key = "schema_version";
  try {
    PlanFile plan;
    plan.schema_version = root.at("schema_version").get<int>();
    if (plan.schema_version != kPlanSchemaVersion) {
      return Error{"plan schema version " + std::to_string(plan.schema_version) +
                       " is not supported (expected " + std::to_string(kPlanSchemaVersion) + ")",
                   file_label, 0, 0, key};
    }
    key = "experiment";
    plan.experiment = root.value("experiment", "");
    key = "draft_model";
    plan.draft_model = root.at("draft_model").get<std::string>();
    key = "target_model";
    plan.target_model = root.at("target_model").get<std::string>();
    key = "inputs";
    for (const auto& in : root.at("inputs"))
      plan.inputs.push_back({in.at("role").get<std::string>(), in.at("path").get<std::string>(),
                             in.at("fnv1a64").get<std::string>()});
    key = "choice";
    const json& choice = root.at("choice");
    key = "choice.variant";
    plan.choice.variant = choice.at("variant").get<std::string>();
    key = "choice.gamma";
    plan.choice.gamma = choice.at("gamma").get<int>();
    key = "choice.schedule";
    if (choice.contains("schedule")) {
      const std::string schedule = choice.at("schedule").get<std::string>();
      if (schedule != "sequential" && schedule != "overlapped")
        return Error{"unknown schedule '" + schedule + "' (sequential, overlapped)", file_label, 0, 0, key};
      plan.schedule = schedule == "overlapped" ? Schedule::overlapped : Schedule::sequential;
    }
    key = "choice.assignment.target";
    plan.choice.target_pus = assigned_pus(choice.at("assignment").at("target"));
    key = "choice.assignment.draft";
    if (plan.choice.gamma > 0) plan.choice.draft_pus = assigned_pus(choice.at("assignment").at("draft"));
    key = "time_unit";
    plan.time_unit = root.value("time_unit", "s");
    key = "prediction.time_per_token";
    const json& prediction = root.at("prediction");
    plan.predicted_time_per_token = prediction.at("time_per_token").get<double>();
    key = "prediction.tokens_per_second";
    if (prediction.contains("tokens_per_second") && prediction["tokens_per_second"].is_number())
      plan.predicted_tokens_per_second = prediction["tokens_per_second"].get<double>();
    key = "workload";
    if (root.contains("workload")) {
      const json& w = root["workload"];
      plan.kv_cache = w.value("kv_cache", true);
      plan.mean_prompt_tokens = w.value("mean_prompt_tokens", 0.0);
      plan.mean_generate_tokens = w.value("mean_generate_tokens", 0.0);
      plan.mean_alpha = w.value("mean_alpha", 0.0);
    }
    return plan;
  } catch (const json::exception& e) {
    return Error{std::string("missing or malformed: ") + e.what(), file_label, 0, 0, key};
  }
}

}  // namespace specmap::runtime
