#pragma once
// A study: everything an experiment file names, loaded and cross-checked, plus
// the fingerprints of every input so a plan says exactly what it came from.
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "describe/experiment.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"
#include "profile/profile_db.h"

namespace specmap {

// Command-line overrides of experiment fields.
struct StudyOverrides {
  std::optional<CostMode> mode;
  std::optional<Granularity> granularity;
  std::optional<Objective> objective;
  std::optional<int> gamma_max;
  std::optional<double> latency_bound_ms_per_token;
  std::optional<double> alpha;  // Leviathan alpha replacing the workload's acceptance
  std::vector<std::string> profile_paths;  // replace the experiment's profiles when non-empty
};

struct InputFile {
  std::string role;  // experiment, soc, draft, target, workload, profile
  std::string path;
  std::string fingerprint;
};

struct Study {
  Experiment experiment;
  Soc soc;
  ModelGraph draft;
  ModelGraph target;
  Workload workload;
  ProfileDb profiles;
  std::vector<InputFile> inputs;
  std::vector<std::string> overrides;  // human-readable list of what the command line changed
};

Result<Study> load_study(const std::string& experiment_path, const StudyOverrides& overrides = {});

// Replaces every sample's acceptance by one Leviathan alpha (Table III, sweeps over alpha).
void set_alpha(Workload& workload, double alpha);

// Every profile entry must name the draft or target model and a PU of the SoC:
// a profile measured for another model is an error, not silently unused data.
Status check_profiles(const ProfileDb& db, const Soc& soc, const ModelGraph& draft,
                      const ModelGraph& target);

}  // namespace specmap
