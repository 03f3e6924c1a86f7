#pragma once
// Command-line options shared by commands that load an experiment.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "study/study.h"

namespace specmap::cli {

struct StudyOptionValues {
  std::string experiment;
  std::string mode, granularity, objective;
  int gamma_max = -1;
  double alpha = -1;
  double latency_bound_ms = -1;
  std::vector<std::string> profiles;

  [[nodiscard]] StudyOverrides overrides() const;
};

// Adds EXPERIMENT and the override flags to `cmd`.
void add_study_options(CLI::App& cmd, StudyOptionValues& values);

}  // namespace specmap::cli
