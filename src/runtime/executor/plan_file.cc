#include "runtime/executor/plan_file.h"

#include <nlohmann/json.hpp>

#include <limits>

#include "core/input_limits.h"
#include "core/json_document.h"
#include "plan/plan_json.h"
#include "plan/plan_keys.h"

namespace specmap::runtime {

namespace {

using nlohmann::json;

// Assignment entries in subgraph order; a null PU (an unused draft) becomes "".
std::vector<std::string> assigned_pus(const JsonDocument& doc, const json& list, const std::string& path) {
  if (!list.is_array()) doc.fail(path, "expected a list of {subgraph, pu}, found " + describe_json(list));
  std::vector<std::string> pus;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string entry_path = JsonDocument::item(path, i);
    const json& pu = doc.member(list[i], entry_path, "pu");
    pus.push_back(pu.is_null() ? std::string() : doc.string(pu, JsonDocument::child(entry_path, "pu")));
  }
  return pus;
}

PlanFile read_plan(const JsonDocument& doc) {
  const json& root = doc.root;
  if (!root.is_object())
    doc.fail("", "a plan.json is an object (with schema_version, inputs, choice, prediction), found " +
                     describe_json(root));
  PlanFile plan;
  plan.schema_version =
      static_cast<int>(doc.integer(doc.member(root, "", "schema_version"), "schema_version", {0, 1 << 20}));
  if (plan.schema_version != kPlanSchemaVersion)
    doc.fail("schema_version", "plan schema version " + std::to_string(plan.schema_version) +
                                   " is not supported (expected " + std::to_string(kPlanSchemaVersion) + ")");
  check_plan_keys(doc);
  if (const json* experiment = doc.find(root, "", "experiment")) plan.experiment = doc.string(*experiment, "experiment");
  plan.draft_model = doc.string(doc.member(root, "", "draft_model"), "draft_model");
  plan.target_model = doc.string(doc.member(root, "", "target_model"), "target_model");
  const json& inputs = doc.member(root, "", "inputs");
  if (!inputs.is_array()) doc.fail("inputs", "expected a list of {role, path, fnv1a64}, found " + describe_json(inputs));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string path = JsonDocument::item("inputs", i);
    const json& in = inputs[i];
    plan.inputs.push_back({doc.string(doc.member(in, path, "role"), JsonDocument::child(path, "role")),
                           doc.string(doc.member(in, path, "path"), JsonDocument::child(path, "path")),
                           doc.string(doc.member(in, path, "fnv1a64"), JsonDocument::child(path, "fnv1a64"))});
  }
  const json& choice = doc.member(root, "", "choice");
  plan.choice.variant = doc.string(doc.member(choice, "choice", "variant"), "choice.variant");
  plan.choice.gamma = static_cast<int>(doc.integer(doc.member(choice, "choice", "gamma"), "choice.gamma", limits::kGamma));
  // The top-level gamma repeats the choice's for tools that read one number; an edit to one
  // of the two alone is a contradiction, not something to ignore.
  if (const json* top_gamma = doc.find(root, "", "gamma"))
    if (doc.integer(*top_gamma, "gamma", limits::kGamma) != plan.choice.gamma)
      doc.fail("gamma", "the top-level gamma " + top_gamma->dump() + " contradicts choice.gamma " +
                            std::to_string(plan.choice.gamma));
  if (const json* schedule_value = doc.find(choice, "choice", "schedule")) {
    const std::string schedule = doc.string(*schedule_value, "choice.schedule");
    if (schedule != "sequential" && schedule != "overlapped")
      doc.fail("choice.schedule", "unknown schedule '" + schedule + "' (sequential, overlapped)");
    plan.schedule = schedule == "overlapped" ? Schedule::overlapped : Schedule::sequential;
  }
  const json& assignment = doc.member(choice, "choice", "assignment");
  plan.choice.target_pus =
      assigned_pus(doc, doc.member(assignment, "choice.assignment", "target"), "choice.assignment.target");
  if (plan.choice.gamma > 0)
    plan.choice.draft_pus =
        assigned_pus(doc, doc.member(assignment, "choice.assignment", "draft"), "choice.assignment.draft");
  plan.time_unit = "s";
  if (const json* unit = doc.find(root, "", "time_unit")) plan.time_unit = doc.string(*unit, "time_unit");
  if (plan.time_unit != "s" && plan.time_unit != "relative")
    doc.fail("time_unit", "unknown time unit '" + plan.time_unit + "' (s or relative)");
  const json& prediction = doc.member(root, "", "prediction");
  plan.predicted_time_per_token = doc.real(doc.member(prediction, "prediction", "time_per_token"),
                                           "prediction.time_per_token", {0.0, std::numeric_limits<double>::max(), true});
  if (const json* tps = doc.find(prediction, "prediction", "tokens_per_second"); tps != nullptr && !tps->is_null())
    plan.predicted_tokens_per_second = doc.real(*tps, "prediction.tokens_per_second");
  if (const json* w = doc.find(root, "", "workload")) {
    if (const json* v = doc.find(*w, "workload", "kv_cache")) plan.kv_cache = doc.boolean(*v, "workload.kv_cache");
    if (const json* v = doc.find(*w, "workload", "mean_prompt_tokens"))
      plan.mean_prompt_tokens = doc.real(*v, "workload.mean_prompt_tokens", {0.0});
    if (const json* v = doc.find(*w, "workload", "mean_generate_tokens"))
      plan.mean_generate_tokens = doc.real(*v, "workload.mean_generate_tokens", {0.0});
    if (const json* v = doc.find(*w, "workload", "mean_alpha"))
      plan.mean_alpha = doc.real(*v, "workload.mean_alpha", {0.0, 1.0});
  }
  return plan;
}

}  // namespace

const PlanInput* PlanFile::input(const std::string& role) const {
  for (const auto& in : inputs)
    if (in.role == role) return &in;
  return nullptr;
}

Result<PlanFile> parse_plan(const std::string& json_text, const std::string& file_label) {
  Result<JsonDocument> doc = parse_json_document(json_text, file_label);
  if (!doc) return doc.error();
  try {
    return read_plan(*doc);
  } catch (const InputError& e) {
    return e.error;
  } catch (const nlohmann::json::exception& e) {
    return Error{std::string("unexpected plan content: ") + e.what(), file_label};
  }
}

}  // namespace specmap::runtime
