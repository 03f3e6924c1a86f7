// `specmap validate EXPERIMENT... --profiles DIR --out DIR2`: predicts every candidate from
// profiles measured earlier, runs the same candidates on this host and writes how far the
// predictions were from the measurements.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/format.h"
#include "core/output_set.h"
#include "describe/loaders.h"
#include "runtime/formats/tokenizer.h"
#include "validate/acceptance_models.h"
#include "validate/acceptance_prompts.h"
#include "validate/validation.h"
#include "validate/validation_report.h"

namespace specmap::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> experiments;
  std::string profiles;
  std::string out;
  std::vector<std::string> schedules = {"sequential"};
  bool no_search_pick = false;
  std::string prompt_file;  // real prompts (models with checkpoints): measured acceptance
  std::string fresh_order = "loop";
  ValidationOptions run;
};

// The first `count` prompts of the file, tokenized with the study's target checkpoint's
// tokenizer and cut to its workload's prompt length (shorter prompts skipped).
Result<std::vector<std::vector<int>>> real_prompts(const std::string& path, const Study& study, int count) {
  auto tokenizer = checkpoint_tokenizer(study.target);
  if (!tokenizer) return tokenizer.error();
  const formats::Tokenizer& t = *tokenizer;
  auto set = load_prompt_set(path, static_cast<int>(study.target.arch->vocab),
                             [&t](const std::string& text) -> Result<std::vector<int>> { return t.encode(text); });
  if (!set) return set.error();
  const auto length = static_cast<std::size_t>(study.workload.samples.front().prompt_tokens);
  if (auto cut = cut_prompts_to(*set, length); !cut) return cut.error();
  if (set->prompts.size() < static_cast<std::size_t>(count))
    return Error{"--prompts " + std::to_string(count) + " asks for more prompts than the file has with at least " +
                     std::to_string(length) + " tokens (" + std::to_string(set->prompts.size()) + ")",
                 path};
  std::vector<std::vector<int>> ids;
  for (int i = 0; i < count; ++i) ids.push_back(set->prompts[static_cast<std::size_t>(i)].tokens);
  return ids;
}

// DIR/<experiment name>/profile.json, or DIR/profile.json when one experiment is validated.
Result<std::string> profile_for(const std::string& dir, const std::string& name, bool only_one) {
  namespace fs = std::filesystem;
  const fs::path per_experiment = fs::path(dir) / name / "profile.json";
  if (fs::exists(per_experiment)) return per_experiment.string();
  const fs::path shared = fs::path(dir) / "profile.json";
  if (only_one && fs::exists(shared)) return shared.string();
  return Error{"no profile for experiment '" + name + "': expected " + per_experiment.string() +
                   (only_one ? " or " + shared.string() : std::string()) + " (made by `specmap profile`)",
               dir};
}

std::string command_line(const ValidateOptions& opt) {
  std::ostringstream cmd;
  cmd << "specmap validate";
  for (const auto& e : opt.experiments) cmd << ' ' << e;
  cmd << " --profiles " << opt.profiles << " --out " << opt.out << " --gammas ";
  for (std::size_t i = 0; i < opt.run.gammas.size(); ++i) cmd << (i ? "," : "") << opt.run.gammas[i];
  if (!opt.run.alphas.empty()) {
    cmd << " --alphas ";
    for (std::size_t i = 0; i < opt.run.alphas.size(); ++i) cmd << (i ? "," : "") << sig(opt.run.alphas[i]);
  }
  if (!opt.run.c_prompts.empty()) {
    cmd << " --c-prompts ";
    for (std::size_t i = 0; i < opt.run.c_prompts.size(); ++i) cmd << (i ? "," : "") << opt.run.c_prompts[i];
  }
  for (const std::string& m : opt.run.mappings) cmd << " --mapping '" << m << "'";
  cmd << " --schedules ";
  for (std::size_t i = 0; i < opt.schedules.size(); ++i) cmd << (i ? "," : "") << opt.schedules[i];
  if (opt.no_search_pick) cmd << " --no-search-pick";
  if (opt.fresh_order != "loop") cmd << " --fresh-order " << opt.fresh_order;
  if (!opt.prompt_file.empty()) cmd << " --prompt-file " << opt.prompt_file;
  cmd << " --prompts " << opt.run.prompts << " --repetitions " << opt.run.repetitions << " --seed "
      << opt.run.seed;
  return cmd.str();
}

int run_validate(ValidateOptions opt) {
  opt.run.search_pick = !opt.no_search_pick;
  opt.run.fresh_order = opt.fresh_order == "alone" ? FreshOrder::alone : FreshOrder::loop;
  opt.run.schedules.clear();
  for (const std::string& name : opt.schedules)
    opt.run.schedules.push_back(name == "overlapped" ? Schedule::overlapped : Schedule::sequential);
  // Load and check everything before the first (long) run.
  std::vector<Study> studies;
  std::vector<std::string> profile_paths;
  std::vector<ValidationOptions> study_options;
  for (const auto& path : opt.experiments) {
    auto experiment = load_experiment(path);
    if (!experiment) return report_error(experiment.error(), kExitBadInput);
    auto profile = profile_for(opt.profiles, experiment->name, opt.experiments.size() == 1);
    if (!profile) return report_error(profile.error(), kExitBadInput);
    StudyOverrides overrides;
    overrides.profile_paths = {*profile};
    auto study = load_study(path, overrides);
    if (!study) return report_error(study.error(), kExitBadInput);
    ValidationOptions run = opt.run;
    if (!opt.prompt_file.empty()) {
      if (!study->target.arch)
        return report_error(Error{"the target has no architecture", study->target.source_file}, kExitBadInput);
      auto ids = real_prompts(opt.prompt_file, *study, opt.run.prompts);
      if (!ids) return report_error(ids.error(), kExitBadInput);
      run.prompt_ids = std::move(ids).value();
    }
    if (auto st = check_validation_options(run, study->workload); !st)
      return report_error(st.error(), kExitBadInput);
    study_options.push_back(std::move(run));
    for (const std::string& mapping : opt.run.mappings)
      if (auto m = parse_case_mapping(*study, mapping); !m) return report_error(m.error(), kExitBadInput);
    studies.push_back(std::move(study).value());
    profile_paths.push_back(*profile);
  }

  const bool progress = ::isatty(::fileno(stderr)) != 0;
  ValidationProgressHook hook;
  if (progress) {
    hook = [](const ValidationProgress& p) {
      std::cerr << "\r\033[K  " << p.experiment << " [" << p.done + 1 << "/" << p.total << "] " << p.what
                << std::flush;
    };
  }
  const std::string machine = host_machine_name();
  std::vector<ExperimentValidation> results;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    std::cout << "validating " << studies[i].experiment.name << " on " << machine << " with "
              << profile_paths[i] << "\n";
    auto result = validate_study(studies[i], profile_paths[i], study_options[i], hook);
    if (progress) std::cerr << "\n";
    if (!result) return report_error(result.error(), kExitFailure);
    results.push_back(std::move(result).value());
  }

  const ValidationContext context{machine, command_line(opt), opt.run};
  const ValidationSummary summary = summarize(results);
  const std::vector<OutputFile> files = validation_files(results, summary, context);
  std::cout << summary.n_cases << " cases: noise floor "
            << (summary.noise_floor ? fixed(*summary.noise_floor * 100, 2) + "%" : std::string("-"))
            << ", median |deviation| " << fixed(summary.median_abs_deviation * 100, 2) << "% (stale-profile "
            << fixed(summary.stale_median_abs_deviation * 100, 2) << "%), p95 "
            << fixed(summary.p95_abs_deviation * 100, 2) << "%, max "
            << fixed(summary.max_abs_deviation * 100, 2) << "%, 90% interval coverage "
            << fixed(summary.interval_coverage * 100, 1) << "%, best-pick regret "
            << fixed(summary.best_pick_regret * 100, 2) << "%, median speedup deviation "
            << (summary.median_speedup_deviation ? fixed(*summary.median_speedup_deviation * 100, 2) + "%"
                                                 : std::string("-"))
            << ", " << summary.disturbed_runs << "/" << summary.n_runs << " runs disturbed\n";
  OutputSet outputs;
  for (const auto& f : files) outputs.add(opt.out + "/" + f.name, f.text);
  if (auto st = outputs.commit(); !st) return report_write_error(st.error());
  std::cout << "wrote " << opt.out << "/report.md, cases.csv, summary.json and plots\n";
  return kExitOk;
}

}  // namespace

void add_validate_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Run an experiment's candidates on this host and measure the cost model's deviation");
  cmd->footer(
      "Example:\n"
      "  specmap profile configs/experiments/host-validate-40m-kv.yaml --out /tmp/p/host-validate-40m-kv\n"
      "  specmap validate configs/experiments/host-validate-40m-kv.yaml --profiles /tmp/p --out /tmp/v\n"
      "Each case (design variant x mapping x gamma x schedule x controlled alpha) runs PROMPTS x\n"
      "REPETITIONS times with synthetic weights and controlled acceptance, interleaved: every round runs\n"
      "every case once. Even and odd repetitions repeat the same work a round apart (halves A and B:\n"
      "their ratio is the noise floor; use 2 or more repetitions). Before a group's cases in each round,\n"
      "the profile points its predictions read are re-measured in separate passes, in the order the\n"
      "speculative loop runs them (--fresh-order); a case is predicted\n"
      "from them (fresh) and from the committed profile (stale-profile), at the acceptance its runs\n"
      "measured, with a 90% interval. Every run records wall and CPU time, steal, load and clock, and\n"
      "is flagged when other processes used its cores. Profiles must come from a separate `specmap\n"
      "profile` run: DIR/<experiment name>/profile.json, or DIR/profile.json for one experiment. Writes OUT/cases.csv, summary.json, report.md, predicted_vs_measured.svg and, with\n"
      "several alphas, speedup_vs_alpha.csv/.svg (the paper's Fig. 7 on this host); with --c-prompts,\n"
      "c_vs_prompt.csv/.svg (its Fig. 6).\n"
      "Mappings: every whole-model pair of runnable PUs (CPU PUs and OpenCL PUs of the SoC), each\n"
      "--mapping given, and the search's pick over the experiment's space (checked against the fastest\n"
      "measured case: summary.json search_pick). An overlapped case needs draft and target on\n"
      "different PUs; the others are listed as skipped.\n"
      "Real pair (measured acceptance, no controlled alpha; speedup_per_prompt.csv/.svg: Fig. 7 per prompt):\n"
      "  specmap validate configs/experiments/host-real-f32-kv.yaml --profiles /tmp/p --out /tmp/vr \\\n"
      "    --prompt-file models/prompts-heldout.txt --prompts 8");
  cmd->add_option("experiment", opt->experiments, "Experiment YAML files (one or more)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--profiles", opt->profiles, "Folder of profiles from `specmap profile`")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", opt->out, "Output folder")->required()->check(non_empty());
  cmd->add_option("--gammas", opt->run.gammas, "Draft lengths to run, comma separated (must include 0)")
      ->delimiter(',')
      ->check(CLI::Range(0, 64));
  cmd->add_option("--alphas", opt->run.alphas,
                  "Controlled acceptance values, comma separated (default: the workload's alpha)")
      ->delimiter(',')
      ->check(finite_in(0.0, 1.0));
  cmd->add_option("--prompts", opt->run.prompts, "Distinct prompts per case")->check(CLI::Range(1, 1000));
  cmd->add_option("--repetitions", opt->run.repetitions, "Runs of every prompt")->check(CLI::Range(1, 1000));
  cmd->add_option("--seed", opt->run.seed, "Seed of weights, prompts and acceptance")
      ->check(unsigned_up_to());
  cmd->add_option("--c-prompts", opt->run.c_prompts,
                  "Prompt lengths at which to measure and predict c = t_draft / t_target (the paper's "
                  "Fig. 6), comma separated")
      ->delimiter(',')
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--mapping", opt->run.mappings,
                  "Another mapping to validate, \"DRAFT -> TARGET\" in the tables' form, e.g. "
                  "\"ocl -> cpu:embedding..block.7 ocl:head\" (repeatable)");
  cmd->add_option("--schedules", opt->schedules, "Schedules of the speculative cases, comma separated")
      ->delimiter(',')
      ->check(CLI::IsMember({"sequential", "overlapped"}));
  cmd->add_option("--prompt-file", opt->prompt_file,
                  "Real prompts, one per line (models with `weights:`): the first --prompts of them, tokenized "
                  "with the target's tokenizer and cut to the workload's prompt length, run with measured "
                  "acceptance; predictions use the workload's acceptance (from `specmap acceptance` on "
                  "another prompt set)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--fresh-order", opt->fresh_order,
                  "How the re-measured profile points are timed: loop (each pass in the order the speculative "
                  "loop runs it, beside the other model's) or alone (each model's points back to back)")
      ->check(CLI::IsMember({"loop", "alone"}));
  cmd->add_flag("--no-search-pick", opt->no_search_pick,
                "Do not add and check the search's pick over the experiment's space");
  cmd->callback([opt, &runner] { runner = [opt] { return run_validate(*opt); }; });
}

}  // namespace specmap::cli
