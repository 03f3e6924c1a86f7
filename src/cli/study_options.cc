#include "cli/value_checks.h"
#include "cli/study_options.h"

namespace specmap::cli {

void add_study_options(CLI::App& cmd, StudyOptionValues& v) {
  cmd.add_option("experiment", v.experiment, "Experiment YAML naming SoC, draft, target, workload and profiles")
      ->required()
      ->check(CLI::ExistingFile);
  cmd.add_option("--mode", v.mode, "Cost model: paper (Eq. 1) or extended (overrides the experiment)")
      ->check(CLI::IsMember({"paper", "extended"}));
  cmd.add_option("--granularity", v.granularity, "coarse (drafter | target) or fine (any subgraph to any PU)")
      ->check(CLI::IsMember({"coarse", "fine"}));
  cmd.add_option("--objective", v.objective, "latency, energy, or energy_under_latency (needs --latency-bound-ms)")
      ->check(CLI::IsMember({"latency", "energy", "energy_under_latency"}));
  cmd.add_option("--gamma-max", v.gamma_max, "Largest draft length searched")->check(CLI::Range(0, 64));
  cmd.add_option("--alpha", v.alpha, "Leviathan acceptance alpha replacing the workload's")->check(finite_in(0.0, 1.0));
  cmd.add_option("--latency-bound-ms", v.latency_bound_ms, "Latency bound per token for energy_under_latency")
      ->check(positive_up_to());
  cmd.add_option("--profiles", v.profiles, "Profile files replacing the experiment's (YAML or Google Benchmark JSON)")
      ->check(CLI::ExistingFile);
}

StudyOverrides StudyOptionValues::overrides() const {
  StudyOverrides o;
  if (mode == "paper") o.mode = CostMode::paper;
  if (mode == "extended") o.mode = CostMode::extended;
  if (granularity == "coarse") o.granularity = Granularity::coarse;
  if (granularity == "fine") o.granularity = Granularity::fine;
  if (objective == "latency") o.objective = Objective::latency;
  if (objective == "energy") o.objective = Objective::energy;
  if (objective == "energy_under_latency") o.objective = Objective::energy_under_latency;
  if (gamma_max >= 0) o.gamma_max = gamma_max;
  if (alpha >= 0) o.alpha = alpha;
  if (latency_bound_ms > 0) o.latency_bound_ms_per_token = latency_bound_ms;
  o.profile_paths = profiles;
  return o;
}

}  // namespace specmap::cli
