// specmap command line: subcommands bind options and call library functions;
// this file alone turns their outcome into an exit code.
#include <exception>
#include <iostream>
#include <new>

#include "cli/command.h"
#include "specmap_version.h"

int main(int argc, char** argv) {
  using namespace specmap::cli;
  CLI::App app{
      "specmap: design-space exploration and cost model for speculative decoding of LLMs on "
      "heterogeneous edge SoCs.\nFor a SoC, a draft and a target model and a workload it predicts which "
      "mapping of subgraphs to processing units and which draft length gamma are fastest, and writes a plan.",
      "specmap"};
  app.set_version_flag("--version", std::string("specmap ") + SPECMAP_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  specmap check configs/experiments/paper-imx95.yaml\n"
      "  specmap sweep configs/experiments/paper-imx95.yaml --out results/default\n"
      "  specmap explain results/default/plan.json\n"
      "  specmap reproduce paper --out results/paper\n"
      "  specmap run results/host/plan.json --new-tokens 32\n"
      "  specmap detect --out configs/soc/my-host.yaml\n"
      "  specmap profile configs/experiments/host-small.yaml --out /tmp/profiles\n"
      "  specmap validate configs/experiments/host-small.yaml --profiles /tmp/profiles --out "
      "/tmp/validation\n"
      "  specmap export results/default/plan.json --to llama.cpp\n"
      "  specmap import llama-bench bench.json --model configs/models/host-target-110m.yaml --pu cpu --units "
      "2 --out p.yaml\n"
      "  specmap acceptance configs/experiments/host-small.yaml --prompts prompts.txt --token-ids --out /tmp/acc\n"
      "Run `specmap <command> --help` for a command's options.");

  Runner runner;
  add_check_command(app, runner);
  add_sweep_command(app, runner);
  add_explain_command(app, runner);
  add_reproduce_command(app, runner);
  add_run_command(app, runner);
  add_detect_command(app, runner);
  add_profile_command(app, runner);
  add_validate_command(app, runner);
  add_acceptance_command(app, runner);
  add_import_command(app, runner);
  add_export_command(app, runner);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  if (!runner) return kExitOk;
  // Every reader reports bad input as an Error (exit 2, with its location). An exception that
  // still reaches this point is a defect; say so in one line instead of aborting with a core
  // dump. Running out of memory is the one a user's input can cause (a model too large for
  // this machine), so it is reported as such.
  try {
    return runner();
  } catch (const std::bad_alloc&) {
    std::cerr << "error: not enough memory for this input on this machine\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << " (a defect of specmap: please report it with the input)\n";
    return kExitFailure;
  }
}
