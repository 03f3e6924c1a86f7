// `specmap import llama-bench FILE.json`: llama-bench's JSON output as a profile file.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/input_limits.h"
#include "describe/loaders.h"
#include "profile/llama_bench_import.h"
#include "profile/profile_db.h"

namespace specmap::cli {

namespace {

struct LlamaBenchOptions {
  std::string file;
  std::string model;  // a model YAML, or draft / target with --experiment
  std::string experiment;
  std::string soc;
  std::string pu;
  int units = 1;
  std::string out;
};

int run_import(const LlamaBenchOptions& opt) {
  std::string model_path = opt.model;
  std::string soc_path = opt.soc;
  if (opt.model == "draft" || opt.model == "target") {
    if (opt.experiment.empty())
      return report_error(
          Error{"--model " + opt.model + " names a role: give --experiment too (or a model YAML)"},
          kExitBadInput);
    auto exp = load_experiment(opt.experiment);
    if (!exp) return report_error(exp.error(), kExitBadInput);
    model_path = opt.model == "draft" ? exp->draft_path : exp->target_path;
    if (soc_path.empty()) soc_path = exp->soc_path;
  }
  auto model = load_model(model_path);
  if (!model) return report_error(model.error(), kExitBadInput);
  LlamaBenchImportOptions options;
  options.pu = opt.pu;
  options.units = opt.units;
  if (!soc_path.empty()) {
    auto soc = load_soc(soc_path);
    if (!soc) return report_error(soc.error(), kExitBadInput);
    auto pu = soc->pu_index(opt.pu);
    if (!pu)
      return report_error(Error{"SoC '" + soc->name + "' has no PU '" + opt.pu + "'", soc_path},
                          kExitBadInput);
    if (opt.units > soc->pus[*pu].units)
      return report_error(
          Error{"PU '" + opt.pu + "' has only " + std::to_string(soc->pus[*pu].units) + " units"},
          kExitBadInput);
    options.cpu = soc->pus[*pu].kind == PuKind::cpu;
  }
  auto text = read_file(opt.file);
  if (!text) return report_error(text.error(), kExitBadInput);
  auto imported = import_llama_bench(*text, opt.file, *model, options);
  if (!imported) return report_error(imported.error(), kExitBadInput);
  // What is written must load as a profile: check before writing.
  if (auto db = parse_profile_yaml(imported->profile_yaml, opt.out); !db)
    return report_error(db.error(), kExitFailure);
  for (const std::string& note : imported->notes) std::cerr << "specmap: note: " << note << "\n";
  if (auto st = write_file_atomic(opt.out, imported->profile_yaml); !st)
    return report_write_error(st.error());
  std::cout << "wrote " << opt.out << ": " << imported->entries << " forward-pass entries of model "
            << model->name << " on " << opt.pu << " (" << opt.units << " units)\n";
  return kExitOk;
}

}  // namespace

void add_import_llama_bench_command(CLI::App& import, Runner& runner) {
  auto opt = std::make_shared<LlamaBenchOptions>();
  CLI::App* cmd = import.add_subcommand("llama-bench", "llama-bench's `-o json` output as a specmap profile");
  cmd->footer(
      "Example:\n"
      "  llama-bench -m target.gguf -t 2 -p 16,64 -n 32 -d 0,256 -o json > bench.json\n"
      "  specmap import llama-bench bench.json --model configs/models/host-target-110m.yaml --pu cpu --units "
      "2 \\\n"
      "      --out profiles/llama-bench.yaml\n"
      "  specmap sweep EXPERIMENT --profiles profiles/llama-bench.yaml --out results/x\n"
      "A prompt test (n_prompt P, n_gen 0) becomes a forward pass over P tokens at context n_depth; a "
      "generation\n"
      "test (n_gen G) G single-token steps, filed as one step at context n_depth + (G-1)/2. The file's model "
      "must\n"
      "be the model YAML's: model_n_params within 1%, and bits per parameter within 0.8..1.6x its data "
      "type.\n"
      "On a CPU PU only tests with n_threads == --units are imported, and no test may offload layers.");
  cmd->add_option("file", opt->file, "llama-bench JSON (`-o json`)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--model", opt->model, "The model YAML measured, or draft / target of --experiment")
      ->required();
  cmd->add_option("--experiment", opt->experiment, "Experiment whose draft or target --model names")
      ->check(CLI::ExistingFile);
  cmd->add_option("--soc", opt->soc, "SoC YAML to check the PU against (default: the experiment's)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--pu", opt->pu, "PU id the measurements are for")->required();
  cmd->add_option("--units", opt->units, "Active units of the PU (threads on a CPU)")
      ->required()
      ->check(CLI::Range(limits::kUnits.min, limits::kUnits.max));
  cmd->add_option("--out", opt->out, "Profile YAML to write")->required()->check(non_empty());
  cmd->callback([opt, &runner] { runner = [opt] { return run_import(*opt); }; });
}

}  // namespace specmap::cli
