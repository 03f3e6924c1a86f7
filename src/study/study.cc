#include "study/study.h"

#include <filesystem>

#include "core/files.h"
#include "core/format.h"
#include "describe/loaders.h"

namespace specmap {

namespace {

Status record_input(Study& study, const std::string& role, const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  // Paths as a reader of the plan would type them: normal form, relative to the
  // working folder when below it, so the plan does not depend on where the repo sits.
  namespace fs = std::filesystem;
  fs::path shown = fs::path(path).lexically_normal();
  if (shown.is_absolute()) {
    fs::path rel = shown.lexically_relative(fs::current_path());
    if (!rel.empty() && *rel.begin() != "..") shown = rel;
  }
  study.inputs.push_back({role, shown.string(), fingerprint(*bytes)});
  return {};
}

// "entries[3].pu": the key of a profile entry that a cross-check complains about.
std::string entry_key(const ProfileEntry& e, const std::string& key) { return e.path.empty() ? key : e.path + "." + key; }

}  // namespace

void set_alpha(Workload& workload, double alpha) {
  for (auto& s : workload.samples) s.alphas = {alpha};
  workload.acceptance_note = "Leviathan alpha " + fixed(alpha, 2) + " for every sample (set on the command line)";
}

Status check_profiles(const ProfileDb& db, const Soc& soc, const ModelGraph& draft,
                      const ModelGraph& target) {
  for (const auto& e : db.entries) {
    if (e.model != draft.name && e.model != target.name) {
      return Error{"profile entry is for model '" + e.model + "', but the experiment's models are '" +
                       draft.name + "' (draft) and '" + target.name + "' (target)",
                   e.file, e.line, e.column, entry_key(e, "model")};
    }
    auto pu = soc.pu_index(e.pu);
    if (!pu) {
      return Error{"profile entry names PU '" + e.pu + "', which SoC '" + soc.name + "' does not define",
                   e.file, e.line, e.column, entry_key(e, "pu")};
    }
    if (e.units <= 0 || e.units > soc.pus[*pu].units) {
      return Error{"profile entry has " + std::to_string(e.units) + " units on PU '" + e.pu + "', which has " +
                       std::to_string(soc.pus[*pu].units),
                   e.file, e.line, e.column, entry_key(e, "units")};
    }
  }
  // Transfers and contention name PUs too: a measurement of a PU this SoC lacks is an error,
  // not something to ignore.
  auto known = [&](const std::string& id, const std::string& file, const std::string& what) -> Status {
    if (soc.pu_index(id)) return {};
    return Error{what + " names PU '" + id + "', which SoC '" + soc.name + "' does not define", file, 0, 0, "pu"};
  };
  for (const auto& t : db.transfers) {
    if (Status s = known(t.from, t.file, "transfer measurement"); !s) return s;
    if (Status s = known(t.to, t.file, "transfer measurement"); !s) return s;
  }
  for (const auto& c : db.contention) {
    if (Status s = known(c.pu, c.file, "contention measurement"); !s) return s;
    if (!c.beside.empty())
      if (Status s = known(c.beside, c.file, "contention measurement"); !s) return s;
  }
  return {};
}

Result<Study> load_study(const std::string& experiment_path, const StudyOverrides& overrides) {
  Study study;
  auto exp = load_experiment(experiment_path);
  if (!exp) return exp.error();
  study.experiment = std::move(exp).value();
  Experiment& e = study.experiment;

  if (!overrides.profile_paths.empty()) {
    e.profile_paths = overrides.profile_paths;
    study.overrides.push_back("profiles");
  }
  if (overrides.mode) {
    e.search.mode = *overrides.mode;
    study.overrides.push_back("mode=" + std::string(cost_mode_name(*overrides.mode)));
  }
  if (overrides.granularity) {
    e.search.granularity = *overrides.granularity;
    study.overrides.push_back("granularity=" + std::string(granularity_name(*overrides.granularity)));
  }
  if (overrides.objective) {
    e.search.objective = *overrides.objective;
    study.overrides.push_back("objective=" + std::string(objective_name(*overrides.objective)));
  }
  if (overrides.gamma_max) {
    e.search.gamma_max = *overrides.gamma_max;
    study.overrides.push_back("gamma_max=" + std::to_string(*overrides.gamma_max));
  }
  if (overrides.latency_bound_ms_per_token) {
    e.search.latency_bound_ms_per_token = *overrides.latency_bound_ms_per_token;
    study.overrides.push_back("latency_bound_ms_per_token=" + sig(*overrides.latency_bound_ms_per_token));
  }
  if (e.search.objective == Objective::energy_under_latency && e.search.latency_bound_ms_per_token <= 0) {
    // Only an --objective override gets here without a bound (the loader requires one with the key).
    return Error{
        "objective energy_under_latency (from --objective) needs a latency bound: give "
        "--latency-bound-ms, or search.latency_bound_ms_per_token in " +
        e.source_file};
  }
  if (e.search.mode == CostMode::paper && e.search.granularity == Granularity::fine) {
    // Name what asked for the combination: a flag, the file, or a flag against the file.
    const std::string why =
        "paper mode (Eq. 1) models whole drafter and target only; use granularity coarse or mode extended";
    if (overrides.granularity && overrides.mode) return Error{"--mode paper with --granularity fine: " + why};
    if (overrides.granularity)
      return Error{"--granularity fine with the experiment's mode paper (search.mode in " + e.source_file +
                   "): " + why};
    if (overrides.mode)
      return Error{"--mode paper with the experiment's granularity fine (search.granularity in " +
                   e.source_file + "): " + why};
    return Error{why, e.source_file, 0, 0, "search.granularity"};
  }

  auto soc = load_soc(e.soc_path);
  if (!soc) return soc.error();
  study.soc = std::move(soc).value();
  auto draft = load_model(e.draft_path);
  if (!draft) return draft.error();
  study.draft = std::move(draft).value();
  auto target = load_model(e.target_path);
  if (!target) return target.error();
  study.target = std::move(target).value();
  auto workload = load_workload(e.workload_path);
  if (!workload) return workload.error();
  study.workload = std::move(workload).value();
  if (overrides.alpha) {
    set_alpha(study.workload, *overrides.alpha);
    study.overrides.push_back("alpha=" + sig(*overrides.alpha));
  }

  for (const auto& path : e.profile_paths) {
    auto db = load_profile(path);
    if (!db) return db.error();
    if (study.profiles.entries.empty() && study.profiles.source_files.empty()) {
      study.profiles = std::move(db).value();
    } else if (auto st = study.profiles.merge(*db); !st) {
      return Error{st.error().message, path};
    }
  }
  if (auto st = check_profiles(study.profiles, study.soc, study.draft, study.target); !st) return st.error();

  const std::pair<const char*, const std::string*> roles[] = {
      {"experiment", &e.source_file}, {"soc", &e.soc_path},          {"draft", &e.draft_path},
      {"target", &e.target_path},     {"workload", &e.workload_path}};
  for (const auto& [role, path] : roles)
    if (auto st = record_input(study, role, *path); !st) return st.error();
  for (const auto& path : e.profile_paths)
    if (auto st = record_input(study, "profile", path); !st) return st.error();
  return study;
}

}  // namespace specmap
