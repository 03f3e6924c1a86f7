#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "core/files.h"
#include "describe/loaders.h"
#include "plan/explain.h"
#include "runtime/executor/plan_file.h"

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
      // With the SoC the plan was made for (unchanged since), its variants and PUs are checked too.
      std::optional<Soc> soc;
      if (auto plan = runtime::parse_plan(*text, *path); plan)
        if (const runtime::PlanInput* in = plan->input("soc"))
          if (auto bytes = read_file(in->path); bytes && fingerprint(*bytes) == in->fingerprint)
            if (auto loaded = parse_soc(*bytes, in->path); loaded) soc = std::move(*loaded);
      auto shown = explain_plan(*text, *path, soc ? &*soc : nullptr);
      if (!shown) return report_error(shown.error(), kExitBadInput);
      std::cout << *shown;
      return kExitOk;
    };
  });
}

}  // namespace specmap::cli
