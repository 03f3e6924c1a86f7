#include <iostream>
#include <map>
#include <memory>

#include "cli/command.h"
#include "cli/study_options.h"
#include "core/format.h"

namespace specmap::cli {

namespace {

void print_study(const Study& s) {
  std::cout << "experiment " << s.experiment.name << " (" << s.experiment.source_file << ")\n";
  std::cout << "soc " << s.soc.name << ": ";
  for (const auto& pu : s.soc.pus) {
    std::cout << pu.id << " (" << pu.units << " units, native";
    for (const auto& [t, gflops] : pu.peak_gflops_per_unit) std::cout << ' ' << dtype_name(t);
    std::cout << ") ";
  }
  std::cout << "; " << s.soc.variants.size() << " design variants\n";
  for (const std::string& w : s.soc.warnings) std::cout << "warning: " << w << "\n";
  for (const ModelGraph* m : {&s.draft, &s.target}) {
    std::cout << (m == &s.draft ? "draft  " : "target ") << m->name << ": " << fixed(m->parameters() / 1e9, 3)
              << " B parameters, " << dtype_name(m->dtype) << ", " << m->subgraphs.size() << " subgraphs, "
              << fixed(m->weight_bytes() / 1e9, 3) << " GB weights\n";
  }
  std::cout << "workload " << s.workload.name << ": " << s.workload.samples.size() << " sample(s), prompt "
            << fixed(s.workload.mean_prompt_tokens(), 1) << " tokens, generate "
            << fixed(s.workload.mean_generate_tokens(), 1) << ", KV cache " << (s.workload.kv_cache ? "on" : "off")
            << "; " << s.workload.acceptance_note << "\n";
  std::map<std::string, int> levels;
  for (const auto& e : s.profiles.entries) ++levels[std::string(profile_level_name(e.level))];
  std::cout << "profiles: " << s.profiles.entries.size() << " entries (time unit " << s.profiles.time_unit << ")";
  for (const auto& [level, n] : levels) std::cout << ", " << n << " " << level;
  std::cout << "\ninputs are valid\n";
}

}  // namespace

void add_check_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<StudyOptionValues>();
  CLI::App* cmd = app.add_subcommand("check", "Load and cross-check an experiment's inputs, print a summary");
  cmd->footer("Example:\n  specmap check configs/experiments/paper-imx95.yaml\n"
              "Exit code 2 and a message naming file, line, column and key when an input is wrong.");
  add_study_options(*cmd, *opt);
  cmd->callback([opt, &runner] {
    runner = [opt] {
      auto study = load_study(opt->experiment, opt->overrides());
      if (!study) return report_error(study.error(), kExitBadInput);
      print_study(*study);
      return kExitOk;
    };
  });
}

}  // namespace specmap::cli
