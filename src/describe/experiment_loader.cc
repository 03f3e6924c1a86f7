// load_experiment / parse_experiment: one study's inputs and search options.
#include <filesystem>
#include <set>

#include "core/files.h"
#include "core/input_limits.h"
#include "describe/loaders.h"
#include "describe/yaml_reader.h"

namespace specmap {

namespace {

namespace fs = std::filesystem;

// Resolves a path against the experiment's folder and checks that it exists.
std::string existing_path(const YamlValue& v, const std::string& base_dir) {
  std::string given = v.as_string();
  if (given.empty()) v.fail("the path is empty");
  fs::path path(given);
  if (path.is_relative() && !base_dir.empty()) path = fs::path(base_dir) / path;
  path = path.lexically_normal();
  if (auto why = unreadable_file_reason(path.string())) v.fail("file '" + path.string() + "' " + *why);
  return path.string();
}

SearchOptions read_search(const YamlValue& v) {
  v.expect_map({"mode", "granularity", "objective", "latency_bound_ms_per_token", "gamma_max", "alternatives",
                "schedules"});
  SearchOptions search;
  if (auto mode = v.find("mode")) search.mode = static_cast<CostMode>(mode->as_choice({"paper", "extended"}));
  if (auto g = v.find("granularity"))
    search.granularity = static_cast<Granularity>(g->as_choice({"coarse", "fine"}));
  if (auto o = v.find("objective"))
    search.objective = static_cast<Objective>(o->as_choice({"latency", "energy", "energy_under_latency"}));
  std::optional<YamlValue> bound = v.find("latency_bound_ms_per_token");
  if (search.objective == Objective::energy_under_latency) {
    search.latency_bound_ms_per_token = v.at("latency_bound_ms_per_token").as_positive();
  } else if (bound) {
    bound->fail("a latency bound only applies to objective energy_under_latency");
  }
  if (auto gamma = v.find("gamma_max")) {
    search.gamma_max = static_cast<int>(gamma->as_int(limits::kGamma));
  }
  if (auto alternatives = v.find("alternatives"))
    search.alternatives = static_cast<int>(alternatives->as_int(limits::kAlternatives));
  if (auto schedules = v.find("schedules")) {
    search.schedules.clear();
    std::set<Schedule> seen;
    for (const YamlValue& s : schedules->items()) {
      Schedule schedule = static_cast<Schedule>(s.as_choice({"sequential", "overlapped"}));
      if (!seen.insert(schedule).second) s.fail("schedule '" + s.as_string() + "' is listed twice");
      search.schedules.push_back(schedule);
    }
  }
  return search;
}

}  // namespace

Result<Experiment> parse_experiment(const std::string& yaml_text, const std::string& file_label,
                                    const std::string& base_dir) {
  auto build = [&base_dir](const YamlValue& root) {
    root.expect_map(
        {"version", "name", "description", "soc", "draft", "target", "workload", "profiles", "search"});
    Experiment experiment;
    experiment.name = root.at("name").as_string();
    if (auto d = root.find("description")) experiment.description = d->as_string();
    experiment.soc_path = existing_path(root.at("soc"), base_dir);
    experiment.draft_path = existing_path(root.at("draft"), base_dir);
    experiment.target_path = existing_path(root.at("target"), base_dir);
    experiment.workload_path = existing_path(root.at("workload"), base_dir);
    if (auto profiles = root.find("profiles")) {
      std::vector<YamlValue> listed = profiles->items(true);
      for (std::size_t i = 0; i < listed.size(); ++i) {
        experiment.profile_paths.push_back(existing_path(listed[i], base_dir));
        for (std::size_t j = 0; j < i; ++j)
          if (experiment.profile_paths[j] == experiment.profile_paths[i])
            listed[i].fail("profile '" + experiment.profile_paths[i] + "' is listed twice (first at line " +
                           std::to_string(listed[j].error("").line) + ")");
      }
    }
    if (auto search = root.find("search")) experiment.search = read_search(*search);
    return experiment;
  };
  Result<Experiment> experiment = parse_yaml_document<Experiment>(yaml_text, file_label, build);
  if (experiment) experiment->source_file = file_label;
  return experiment;
}

Result<Experiment> load_experiment(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text) return text.error();
  return parse_experiment(*text, path, fs::path(path).parent_path().string());
}

}  // namespace specmap
