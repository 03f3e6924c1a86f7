#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "cli/study_options.h"
#include "core/files.h"
#include "core/output_set.h"
#include "plan/plan_json.h"
#include "plan/sweep_table.h"
#include "search/search.h"

namespace specmap::cli {

namespace {

struct SweepOptions {
  StudyOptionValues study;
  std::string out;
  std::size_t rows = 10;
};

int run_sweep(const SweepOptions& opt) {
  auto study = load_study(opt.study.experiment, opt.study.overrides());
  if (!study) return report_error(study.error(), kExitBadInput);
  const LatencyOracle oracle(study->soc, study->profiles);
  const CostInputs in{study->soc, study->draft, study->target, study->workload, oracle,
                      study->experiment.search.mode};
  const SearchResult result = search(in, study->experiment.search);

  // Everything is computed before anything is written: a failure leaves no output. With
  // nothing feasible sweep.csv is still written (its reasons are the answer) and no plan.json.
  const std::string csv = sweep_csv(*study, result);
  auto plan = plan_json(*study, result);
  std::cout << ranked_table(*study, result, opt.rows);
  // Both files or neither; with nothing feasible, sweep.csv alone says why each candidate failed.
  OutputSet outputs;
  outputs.add(opt.out + "/sweep.csv", csv);
  if (plan) outputs.add(opt.out + "/plan.json", *plan);
  if (auto st = outputs.commit(); !st) return report_write_error(st.error());
  for (const std::string& path : outputs.paths()) std::cout << "wrote " << path << "\n";
  if (!plan) {
    // The new sweep.csv says why nothing is feasible; a plan.json left from an earlier sweep
    // would contradict it, so it goes.
    std::error_code ec;
    if (std::filesystem::remove(opt.out + "/plan.json", ec))
      std::cout << "removed " << opt.out << "/plan.json of an earlier sweep (this one has no plan)\n";
    if (ec)
      return report_error(Error{"cannot remove a stale plan: " + ec.message(), opt.out + "/plan.json"},
                          kExitFailure);
    return report_error(plan.error(), kExitFailure);
  }
  return kExitOk;
}

}  // namespace

void add_sweep_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<SweepOptions>();
  CLI::App* cmd = app.add_subcommand("sweep", "Search variants x mappings x gamma, write sweep.csv and plan.json");
  cmd->footer(
      "Example:\n  specmap sweep configs/experiments/paper-imx95.yaml --out results/default\n"
      "  specmap sweep configs/experiments/paper-imx95.yaml --out /tmp/s --mode extended --granularity fine\n"
      "Writes OUT/sweep.csv (every candidate, with infeasible ones and their reasons) and OUT/plan.json\n"
      "(the predicted-optimal mapping), and prints the best candidates ranked.");
  add_study_options(*cmd, opt->study);
  cmd->add_option("--out", opt->out, "Output folder")->required()->check(non_empty());
  cmd->add_option("--rows", opt->rows, "Rows of the ranked table printed")->check(CLI::Range(1, 1000000));
  cmd->callback([opt, &runner] { runner = [opt] { return run_sweep(*opt); }; });
}

}  // namespace specmap::cli
