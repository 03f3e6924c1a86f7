#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/files.h"
#include "plan/explain.h"

namespace specmap::cli {

void add_explain_command(CLI::App& app, Runner& runner) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("explain", "Show where a plan's predicted time goes");
  cmd->footer(
      "Example:\n  specmap explain results/default/plan.json\n"
      "Prints the time per token split per model, per PU and per subgraph, transfers, dispatch overheads,\n"
      "the expected tokens per iteration and which figures are measured or estimated.");
  cmd->add_option("plan", *path, "plan.json written by `specmap sweep`")->required()->check(CLI::ExistingFile);
  cmd->callback([path, &runner] {
    runner = [path] {
      auto text = read_file(*path);
      if (!text) return report_error(text.error(), kExitBadInput);
      auto shown = explain_plan(*text, *path);
      if (!shown) return report_error(shown.error(), kExitBadInput);
      std::cout << *shown;
      return kExitOk;
    };
  });
}

}  // namespace specmap::cli
