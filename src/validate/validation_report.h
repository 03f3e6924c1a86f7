#pragma once
// Files a validation writes: cases.csv, summary.json, report.md and plots. Pure: the
// caller writes them (atomically, all or nothing).
#include <string>
#include <utility>
#include <vector>

#include "validate/validation.h"
#include "validate/validation_summary.h"

namespace specmap {

struct ValidationContext {
  std::string machine;  // where the runs were made
  std::string command;  // the command line that made them
  ValidationOptions options;
};

struct OutputFile {
  std::string name;  // relative to the output folder
  std::string text;
};

std::string cases_csv(const std::vector<ExperimentValidation>& experiments);
std::string summary_json(const std::vector<ExperimentValidation>& experiments, const ValidationSummary& summary,
                         const ValidationContext& context);
std::string validation_markdown(const std::vector<ExperimentValidation>& experiments,
                                const ValidationSummary& summary, const ValidationContext& context);

// Every file above plus predicted_vs_measured.svg and, when more than one alpha was run,
// speedup_vs_alpha.csv and one speedup_vs_alpha_<experiment>.svg per experiment.
std::vector<OutputFile> validation_files(const std::vector<ExperimentValidation>& experiments,
                                         const ValidationSummary& summary, const ValidationContext& context);

}  // namespace specmap
