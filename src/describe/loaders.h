#pragma once
// YAML loaders. Every file carries `version: 1`; unknown keys, wrong types and
// non-positive sizes are errors naming file, line, column and key path.
#include <string>

#include "core/result.h"
#include "describe/experiment.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"

namespace specmap {

Result<Soc> load_soc(const std::string& path);
Result<ModelGraph> load_model(const std::string& path);
Result<Workload> load_workload(const std::string& path);
// Paths inside are resolved against the experiment file's folder.
Result<Experiment> load_experiment(const std::string& path);

// Same, from text; `file_label` is used in error messages (tests, stdin).
Result<Soc> parse_soc(const std::string& yaml_text, const std::string& file_label);
Result<ModelGraph> parse_model(const std::string& yaml_text, const std::string& file_label);
Result<Workload> parse_workload(const std::string& yaml_text, const std::string& file_label);
Result<Experiment> parse_experiment(const std::string& yaml_text, const std::string& file_label,
                                    const std::string& base_dir);

}  // namespace specmap
