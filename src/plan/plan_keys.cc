#include "plan/plan_keys.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>

namespace specmap {

namespace {

using nlohmann::json;

// Keep in step with plan_json() (src/plan/plan_json.cc).
constexpr std::initializer_list<const char*> kTopLevel = {
    "schema_version", "generator", "experiment", "inputs",       "overrides",   "search",
    "workload",       "soc",       "soc_warnings", "draft_model", "target_model", "time_unit",
    "profiles",       "gamma",     "choice",     "prediction",   "baseline",    "breakdown",
    "alternatives"};
constexpr std::initializer_list<const char*> kChoice = {"variant",  "variant_units", "gamma",     "schedule",
                                                        "speculative", "mapping_text", "assignment"};
constexpr std::initializer_list<const char*> kPrediction = {
    "time_per_token", "time_per_token_stddev",         "tokens_per_second", "speedup_vs_best_baseline",
    "expected_tokens_per_iteration", "c", "energy_per_token_j", "estimated", "coarsest_source"};

void check_object(const JsonDocument& doc, const json& object, const std::string& path,
                  std::initializer_list<const char*> allowed) {
  if (!object.is_object()) return;  // the readers say what they expected there
  for (const auto& [key, value] : object.items()) {
    if (std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return key == k; })) continue;
    std::string list;
    for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
    doc.fail(JsonDocument::child(path, key),
             "unknown key '" + key + "' in " + (path.empty() ? std::string("a plan") : "'" + path + "'") +
                 " (a plan written by specmap sweep has: " + list + ")");
  }
}

}  // namespace

void check_plan_keys(const JsonDocument& doc) {
  check_object(doc, doc.root, "", kTopLevel);
  if (!doc.root.is_object()) return;
  if (const auto it = doc.root.find("choice"); it != doc.root.end()) check_object(doc, *it, "choice", kChoice);
  if (const auto it = doc.root.find("prediction"); it != doc.root.end())
    check_object(doc, *it, "prediction", kPrediction);
}

}  // namespace specmap
