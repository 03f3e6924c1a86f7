#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/output_set.h"
#include "report/paper_reproduction.h"

namespace specmap::cli {

namespace {

struct ReproduceOptions {
  std::string what;
  std::string experiment = "configs/experiments/paper-imx95.yaml";
  std::string out;
};

int run_reproduce(const ReproduceOptions& opt) {
  auto study = load_study(opt.experiment, {});
  if (!study) return report_error(study.error(), kExitBadInput);
  auto repro = reproduce_paper(*study);
  if (!repro) return report_error(repro.error(), kExitFailure);
  const std::pair<const char*, const std::string*> files[] = {{"table2.csv", &repro->table2_csv},
                                                              {"table3.csv", &repro->table3_csv},
                                                              {"table2_extended.csv", &repro->table2_extended_csv},
                                                              {"fig7a.csv", &repro->fig7a_csv},
                                                              {"fig7a.svg", &repro->fig7a_svg},
                                                              {"report.md", &repro->report_md}};
  OutputSet outputs;
  for (const auto& [name, text] : files) outputs.add(opt.out + "/" + name, *text);
  if (auto st = outputs.commit(); !st) return report_write_error(st.error());
  for (const std::string& path : outputs.paths()) std::cout << "wrote " << path << "\n";
  std::cout << "\nTable II (alpha = 0.90)\n" << repro->table2_csv << "\nTable III (alpha = 0.17)\n" << repro->table3_csv
            << "\nTable II under the extended model, sequential and overlapped (estimated)\n"
            << repro->table2_extended_csv;
  return kExitOk;
}

}  // namespace

void add_reproduce_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<ReproduceOptions>();
  CLI::App* cmd = app.add_subcommand("reproduce", "Reproduce a publication's figures from its experiment");
  cmd->footer(
      "Example:\n  specmap reproduce paper --out results/paper\n"
      "Writes table2.csv (alpha 0.90), table3.csv (alpha 0.17), fig7a.csv/.svg (speedup vs alpha for the\n"
      "validated mapping) and report.md, which sets every figure beside the paper's and explains differences.");
  cmd->add_option("what", opt->what, "Which publication: paper (Compiler-Assisted Speculative Sampling, 2026)")
      ->required()
      ->check(CLI::IsMember({"paper"}));
  cmd->add_option("--experiment", opt->experiment, "Experiment to reproduce from")
      ->capture_default_str()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", opt->out, "Output folder")->required()->check(non_empty());
  cmd->callback([opt, &runner] { runner = [opt] { return run_reproduce(*opt); }; });
}

}  // namespace specmap::cli
