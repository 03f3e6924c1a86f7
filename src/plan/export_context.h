#pragma once
// What an export to another runtime needs from a plan: the plan's choice, and the SoC,
// models and workload it was computed from (read again from the plan's inputs), with
// each model's placement summarised per PU.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"
#include "runtime/executor/plan_file.h"

namespace specmap {

// One model's part of the plan: which PU runs which of its subgraphs.
struct ModelPlacement {
  std::string role;  // "draft" or "target"
  const ModelGraph* model = nullptr;
  std::vector<int> pu_of_subgraph;  // index into Soc::pus, per subgraph
  std::vector<int> pus;             // distinct PUs used, in first-use order
  [[nodiscard]] bool on_one_pu() const { return pus.size() == 1; }
};

struct ExportContext {
  std::string plan_path;
  runtime::PlanFile plan;
  Soc soc;
  ModelGraph draft;
  ModelGraph target;
  Workload workload;
  int variant = -1;                      // index into soc.variants
  std::vector<std::string> input_notes;  // inputs changed since the plan was made
  // Model files given on the command line, by role ("draft", "target").
  std::map<std::string, std::string> model_files;

  [[nodiscard]] ModelPlacement placement(const std::string& role) const;
  // Units the plan's variant switches on for a PU.
  [[nodiscard]] int units(int pu) const;
  // Largest prompt + generated tokens over the workload's samples: the context a runtime needs.
  [[nodiscard]] Tokens context_tokens() const;
};

// Reads the plan and its inputs. An input that changed since the sweep is noted, not fatal:
// the export still reflects the plan's choice.
Result<ExportContext> load_export_context(const std::string& plan_path);

// CPU core ids a CPU PU's `units` units run on: the first `units` cores its clusters name
// (`cores: [4, 5]`), as the runtime pins them; else cores counted from 0 over all units of the
// CPU PUs before it that give counts, skipping the cores any PU names.
std::vector<int> cpu_cores(const Soc& soc, int pu, int units);

// A model's weights file: the --model-file given for its role, else the model YAML's
// `weights:` checkpoint (for GGUF consumers), else a placeholder named after the model
// ("host-draft-20m.gguf"), with a warning saying so.
struct ModelFile {
  std::string path;
  std::optional<std::string> warning;
};
ModelFile model_file(const ExportContext& ctx, const std::string& role, const ModelGraph& model,
                     const std::string& extension);

// Decoder blocks of a model (its layers).
int decoder_layers(const ModelGraph& model);

}  // namespace specmap
