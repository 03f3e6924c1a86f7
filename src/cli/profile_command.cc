// `specmap profile EXPERIMENT --out DIR`: measures the experiment's draft and target on this
// host's CPU cores and writes DIR/profile.json, a profile `specmap sweep --profiles` reads.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/input_limits.h"
#include "cost/plan_points.h"
#include "describe/loaders.h"
#include "runtime/measure/profiler.h"
#include "study/study.h"

namespace specmap::cli {

namespace {

struct ProfileOptions {
  std::string experiment;
  std::string out;
  int repetitions = 5;
  std::vector<Tokens> new_tokens = {1, 2, 4, 8, 16, 32, 64};
  std::vector<Tokens> contexts;
  double min_time_s = 0.05;
  std::uint64_t seed = 0;
  std::vector<std::size_t> transfer_bytes = runtime::ProfilerOptions{}.transfer_bytes;
  bool no_contention = false;
};

int run_profile(const ProfileOptions& opt) {
  auto experiment = load_experiment(opt.experiment);
  if (!experiment) return report_error(experiment.error(), kExitBadInput);
  auto soc = load_soc(experiment->soc_path);
  if (!soc) return report_error(soc.error(), kExitBadInput);
  auto draft = load_model(experiment->draft_path);
  if (!draft) return report_error(draft.error(), kExitBadInput);
  auto target = load_model(experiment->target_path);
  if (!target) return report_error(target.error(), kExitBadInput);
  auto workload = load_workload(experiment->workload_path);
  if (!workload) return report_error(workload.error(), kExitBadInput);

  runtime::ProfilerOptions options;
  options.new_tokens = opt.new_tokens;
  options.contexts = opt.contexts;
  options.repetitions = opt.repetitions;
  options.min_time = opt.min_time_s;
  options.seed = opt.seed;
  options.transfer_bytes = opt.transfer_bytes;
  options.contention = !opt.no_contention;
  // Every pass the sweep's cost model reads for this workload and gamma range, measured or
  // interpolated between measured points, whatever the grid above.
  const PlannedPoints planned = planned_points(*workload, experiment->search.gamma_max);
  options.needed = {planned.draft, planned.target};
  const bool progress = ::isatty(::fileno(stderr)) != 0;
  if (progress) {
    options.on_progress = [](const runtime::ProfileProgress& p) {
      std::cerr << "\r\033[K  [" << p.done + 1 << "/" << p.total << "] " << p.name << std::flush;
    };
  }
  const std::string machine = host_machine_name();
  std::cout << "profiling " << draft->name << " and " << target->name << " on " << machine << ", KV cache "
            << (workload->kv_cache ? "on" : "off") << ", " << opt.repetitions << " repetitions of at least "
            << opt.min_time_s << " s, "
            << (draft->weights || target->weights
                    ? std::string("weights from the models' checkpoints (synthetic, seed ") +
                          std::to_string(opt.seed) + ", for a model without one)"
                    : "synthetic weights (seed " + std::to_string(opt.seed) + ")")
            << "\n";

  auto run = runtime::profile_models(*soc, {&*draft, &*target}, *workload, options, machine);
  if (progress) std::cerr << "\n";
  if (!run) return report_error(run.error(), kExitFailure);
  for (const auto& why : run->skipped) std::cout << "skipped " << why << "\n";

  // The written file must be one the sweep accepts for this experiment.
  if (auto st = check_profiles(run->db, *soc, *draft, *target); !st)
    return report_error(st.error(), kExitFailure);

  if (auto st = ensure_directory(opt.out); !st) return report_write_error(st.error());
  const std::string path = opt.out + "/profile.json";
  if (auto st = write_file_atomic(path, run->json); !st) return report_write_error(st.error());
  std::cout << "measured " << run->points << " forward points, " << run->entries << " profile entries, "
            << run->transfers << " transfer points, " << run->contention << " contention references, "
            << run->loops << " loop-work points\n";
  std::cout << "wrote " << path << " (use: specmap sweep " << opt.experiment << " --profiles " << path
            << ")\n";
  return kExitOk;
}

}  // namespace

void add_profile_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<ProfileOptions>();
  CLI::App* cmd = app.add_subcommand(
      "profile",
      "Measure the experiment's models on this host's CPU cores and OpenCL devices and write a profile");
  cmd->footer(
      "Example:\n"
      "  specmap profile configs/experiments/host-small.yaml --out results/host-profile\n"
      "  specmap sweep configs/experiments/host-small.yaml --profiles results/host-profile/profile.json\n"
      "Times one whole forward pass and every subgraph within it, per model, per runnable PU and unit\n"
      "count of the SoC's design variants (a CPU PU with u units runs on the first u online cores; an\n"
      "OpenCL PU on the device its opencl_device names), per new-token count and context, and at the\n"
      "passes of the workload's speculative loop at gamma 0..gamma_max that these do not interpolate\n"
      "(with a KV cache, e.g. the first verification: the prompt and its drafts from context 0).\n"
      "With a KV cache, ctx tokens are prefilled untimed and appending n tokens is timed; without one,\n"
      "a pass over n + ctx tokens is timed and recorded as (n + ctx, ctx 0). Weights: each model's "
      "`weights:` checkpoint, else synthetic.\n"
      "The output is Google Benchmark JSON with benchmarks named\n"
      "specmap/<level>/<model>/<key>/<pu>/units:<u>/n:<N>/ctx:<C>.\n"
      "Also times copies between host memory and every OpenCL PU (specmap/transfer/<from>/<to>/bytes:<B>,\n"
      "which calibrate the cost model's transfer term) and, for PUs a variant switches on together, the\n"
      "target's decode step alone and while the draft keeps the other PU busy\n"
      "(specmap/contention/<pu>/units:<u>/beside:<pu|none>/units:<v>: the overlapped schedule's slowdown),\n"
      "and the speculative loop's own work per iteration outside the model calls at the models' vocabulary\n"
      "and 0, 1, 2, 4 and 8 drafts (specmap/loop/vocab:<V>/drafts:<d>).");
  cmd->add_option("experiment", opt->experiment, "Experiment YAML naming SoC, draft, target and workload")
      ->required();
  cmd->add_option("--out", opt->out, "Folder for profile.json")->required()->check(non_empty());
  cmd->add_option("--repetitions", opt->repetitions, "Repetitions of every measurement")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--new-tokens", opt->new_tokens, "New-token counts to measure (comma separated)")
      ->delimiter(',')
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--contexts", opt->contexts,
                  "Context lengths (comma separated; default 0, the mean prompt and prompt + generated)")
      ->delimiter(',')
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--min-time", opt->min_time_s, "Seconds each repetition of a measurement runs at least")
      ->check(positive_up_to(3600));
  cmd->add_option("--seed", opt->seed,
                  "Seed of the synthetic weights (draft: seed, target: seed+1) and tokens")
      ->check(unsigned_up_to());
  cmd->add_option("--transfer-bytes", opt->transfer_bytes,
                  "Copy sizes timed between host memory and each OpenCL PU (comma separated)")
      ->delimiter(',')
      ->check(CLI::Range(std::int64_t{1}, limits::kMaxTransferBytes));
  cmd->add_flag("--no-contention", opt->no_contention, "Skip the concurrent-load (contention) measurements");
  cmd->callback([opt, &runner] { runner = [opt] { return run_profile(*opt); }; });
}

}  // namespace specmap::cli
