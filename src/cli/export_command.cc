// `specmap export PLAN --to llama.cpp|iree`: the plan as another runtime's command lines.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "plan/export_iree.h"
#include "plan/export_llama_cpp.h"

namespace specmap::cli {

namespace {

struct ExportOptions {
  std::string plan;
  std::string to;
  std::string out;
  std::string llama_cpp_flags = "2026";
  std::vector<std::string> model_files;   // ROLE=PATH
  std::vector<std::string> device_names;  // PU=NAME
};

// "KEY=VALUE" pairs of a repeated option; a pair without '=' or with an empty side, or a key
// given twice (one of them would be dropped), is bad input.
Result<std::map<std::string, std::string>> pairs(const std::vector<std::string>& given,
                                                 const std::string& option,
                                                 const std::vector<std::string>& allowed_keys) {
  std::map<std::string, std::string> out;
  for (const std::string& g : given) {
    const std::size_t eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == g.size())
      return Error{option + " takes KEY=VALUE, got '" + g + "'"};
    const std::string key = g.substr(0, eq);
    if (!allowed_keys.empty() &&
        std::find(allowed_keys.begin(), allowed_keys.end(), key) == allowed_keys.end())
      return Error{option + ": '" + key + "' is not one of draft, target"};
    if (auto [at, added] = out.emplace(key, g.substr(eq + 1)); !added)
      return Error{option + ": '" + key + "' is given twice ('" + key + "=" + at->second + "' and '" + g +
                   "'); give each once"};
  }
  return out;
}

int run_export(const ExportOptions& opt) {
  auto ctx = load_export_context(opt.plan);
  if (!ctx) return report_error(ctx.error(), kExitBadInput);
  auto files = pairs(opt.model_files, "--model-file", {"draft", "target"});
  if (!files) return report_error(files.error(), kExitBadInput);
  ctx->model_files = *files;
  auto devices = pairs(opt.device_names, "--device-name", {});
  if (!devices) return report_error(devices.error(), kExitBadInput);
  for (const auto& [pu, name] : *devices)
    if (!ctx->soc.pu_index(pu))
      return report_error(Error{"--device-name: SoC '" + ctx->soc.name + "' has no PU '" + pu + "'"},
                          kExitBadInput);

  ExportText exported;
  if (opt.to == "llama.cpp") {
    LlamaCppOptions options;
    options.flags = opt.llama_cpp_flags == "legacy" ? LlamaCppFlags::legacy : LlamaCppFlags::v2026;
    options.device_names = *devices;
    exported = export_llama_cpp(*ctx, options);
  } else {
    exported = export_iree(*ctx);
  }
  for (const std::string& note : ctx->input_notes) std::cerr << "specmap: warning: " << note << "\n";
  for (const std::string& w : exported.warnings) std::cerr << "specmap: warning: " << w << "\n";
  if (opt.out.empty()) {
    std::cout << exported.text;
    return kExitOk;
  }
  if (auto st = write_file_atomic(opt.out, exported.text); !st) return report_write_error(st.error());
  std::cout << "wrote " << opt.out << "\n";
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand("export", "Print a plan as llama.cpp or IREE command lines");
  cmd->footer(
      "Examples:\n"
      "  specmap export results/default/plan.json --to llama.cpp --model-file target=t.gguf --model-file "
      "draft=d.gguf\n"
      "  specmap export results/default/plan.json --to llama.cpp --llama-cpp-flags legacy\n"
      "  specmap export results/default/plan.json --to iree --out deploy.sh\n"
      "llama.cpp: a llama-server command (target -m, draft model, draft length = the plan's gamma, threads "
      "and\n"
      "CPU masks from the PUs' cores, GPU layers and devices, context size). --llama-cpp-flags 2026 "
      "(default)\n"
      "spells the speculative flags as llama.cpp builds since May 2026 (ggml-org/llama.cpp#22964) take "
      "them,\n"
      "legacy as llama-server builds from Nov 2024 (#10455) until then. IREE: per model the iree-compile,\n"
      "iree-run-module and iree-benchmark-module flags for its PUs. What the tool cannot do as the plan "
      "asks\n"
      "is printed as a warning (on stderr and as '# warning:' lines); the command still prints, exit 0.");
  cmd->add_option("plan", opt->plan, "plan.json written by `specmap sweep`")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--to", opt->to, "llama.cpp or iree")
      ->required()
      ->check(CLI::IsMember({"llama.cpp", "iree"}));
  cmd->add_option("--out", opt->out, "Write the commands to this file instead of printing them")->check(non_empty());
  cmd->add_option("--llama-cpp-flags", opt->llama_cpp_flags,
                  "Speculative flag spelling: 2026 (default) or legacy")
      ->check(CLI::IsMember({"2026", "legacy"}));
  cmd->add_option("--model-file", opt->model_files,
                  "ROLE=PATH: the weights file of the draft or target (GGUF for llama.cpp, MLIR for IREE)");
  cmd->add_option("--device-name", opt->device_names,
                  "PU=NAME: llama.cpp device of a GPU PU (`llama-server --list-devices`; default Vulkan0)");
  cmd->callback([opt, &runner] { runner = [opt] { return run_export(*opt); }; });
}

}  // namespace specmap::cli
