#pragma once
// Runs a plan's choice on this host: the draft and target models with synthetic weights,
// each subgraph on the cores of the PU the plan assigns it, decoded speculatively, and
// reports what was measured so it can be set against what the cost model predicted.
//
// Processing units to cores: a CPU PU whose clusters name their cores (`cores: [4, 5, 6, 7]`)
// with u units in the chosen design variant runs on the first u cores listed, which must be
// online. A CPU PU that gives counts only runs on u online cores that no PU of the SoC
// names (whichever variant runs), taken in ascending order; such PUs are served in the
// SoC's order, so the first gets the first u free cores, the next one the following cores.
// With one CPU PU that gives a count that is "the first u online cores".
//
// OpenCL PUs: a PU whose SoC entry has `opencl_device` (any kind: gpu, npu, or cpu) runs on
// the first OpenCL device whose "platform device" name contains that text, opened once per
// process and shared by the draft and the target (each executor has its own queue). It is
// opened with max_compute_units = the PU's units in the variant (pocl's thread count) and
// host_cores = the first u online cores the variant's CPU PUs leave, when that many are left
// (pocl's worker threads start there), else none. A PU without opencl_device that is not a
// CPU cannot run: the runtime has no other GPU or NPU backend.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "runtime/cpu/core_set.h"
#include "runtime/speculative/speculative.h"
#include "runtime/executor/subgraph_timings.h"
#include "runtime/executor/transformer_executor.h"

namespace specmap::runtime {

// What a plan decided, by name (as plan.json stores it).
struct PlanChoice {
  std::string variant;  // a design variant of the SoC
  int gamma = 0;        // 0: the target alone (the draft is not built)
  // PU id per subgraph, in the model's subgraph order. The draft's may be empty when gamma == 0.
  std::vector<std::string> draft_pus;
  std::vector<std::string> target_pus;
};

struct PlanRunOptions {
  std::size_t prompt_tokens = 32;
  // Real prompts (models with real weights): these token ids instead of prompt_tokens seeded
  // ones, and generation ends at `stop_token` (the tokenizer's EOS; the report's tokens end
  // with it, and nothing after it is kept).
  std::vector<int> prompt;
  std::optional<int> stop_token;
  std::size_t new_tokens = 32;
  // Seeds the prompt, the sampling and the synthetic weights: draft weights from `seed`,
  // target weights from `seed + 1`, so the two models differ as real ones would.
  std::uint64_t seed = 0;
  std::optional<double> temperature;  // empty: greedy (the paper's setting)
  // Accept each drafted token with this probability (see SpeculativeConfig).
  std::optional<double> controlled_alpha;
  // Sequential, or overlapped: the draft drafts on a worker thread while the target verifies
  // (SpeculativeConfig::schedule). Overlap is meant for a draft and a target on different
  // PUs; on shared cores both still run, competing for them.
  Schedule schedule = Schedule::sequential;
  bool kv_cache = true;
  IterationHook on_iteration;  // optional progress callback
};

struct SubgraphMeasurement {
  std::string name;
  std::string pu;
  CoreSet cores;               // CPU subgraphs
  std::string opencl_device;   // OpenCL subgraphs: the device's "platform device" name
  std::size_t calls = 0;
  Seconds total_seconds = 0;
};

// The boundary tensor copied between two consecutive subgraphs on different PUs
// (TransformerExecutor::transfers), with the PUs the plan gave them.
struct TransferMeasurement {
  std::string from;  // subgraph names
  std::string to;
  std::string from_pu;
  std::string to_pu;
  std::size_t calls = 0;
  Bytes bytes = 0;  // summed over the calls
  Seconds total_seconds = 0;
};

struct PlanRunReport {
  std::vector<int> prompt;
  std::vector<int> tokens;  // generated only
  SpeculativeStats stats;
  Seconds time_per_token = 0;  // all decoding time (prompt included) / tokens generated
  double tokens_per_second = 0;
  std::optional<double> accept_ratio;                // accepted / drafted
  std::optional<double> alpha_estimate;              // Leviathan alpha, maximum likelihood
  std::vector<SubgraphMeasurement> draft_subgraphs;  // empty when gamma == 0
  std::vector<SubgraphMeasurement> target_subgraphs;
  std::vector<TransferMeasurement> draft_transfers;  // empty when a model runs on one PU
  std::vector<TransferMeasurement> target_transfers;
};

// Ok when this host can give `variant` its cores: every core a PU in use names is online and
// there are enough online cores for the PUs that give counts. The error names the PU, the
// core and the online set: the plan is valid but this host cannot run it.
Status check_host_cores(const Soc& soc, const std::string& variant, const std::vector<int>& online);

// Core set of every PU under `variant` (empty for PUs the variant switches off), following
// the mapping described at the top of this file: a CPU PU's cores; an OpenCL PU's host
// cores (empty when none are free). Opens no device. Errors:
// unknown variant, and those of check_host_cores.
Result<std::vector<CoreSet>> pu_core_sets(const Soc& soc, const std::string& variant,
                                          const std::vector<int>& online);

// True when the PU runs through OpenCL (its SoC entry has opencl_device).
bool is_opencl_pu(const ProcessingUnit& pu);

// Placement of `graph` given one PU id per subgraph, under design variant `variant` with
// `pu_cores` from pu_core_sets. OpenCL PUs get their shared device (shared_opencl_device).
// Errors: wrong count, unknown PU, a PU switched off in the variant, a non-CPU PU without
// opencl_device, a build without OpenCL or no matching device (the error lists those found).
Result<CorePlacement> placement_for(const ModelGraph& graph, const std::vector<std::string>& pus,
                                    const Soc& soc, const std::string& variant,
                                    const std::vector<CoreSet>& pu_cores);

// Ok when the executor can run `graph`: it has an architecture and is decoder-only; without
// a checkpoint, its weights are made in one type (no embedding or head type of its own) and
// its KV cache is f32.
Status check_runnable(const ModelGraph& graph);

// Builds both models once (weights are generated here, which dominates for large models)
// and decodes as often as asked.
class PlanRunner {
 public:
  static Result<std::unique_ptr<PlanRunner>> create(const Soc& soc, const ModelGraph& draft,
                                                    const ModelGraph& target, const PlanChoice& choice,
                                                    const PlanRunOptions& options);
  // One generation of options.new_tokens tokens after a fresh prompt of options.prompt_tokens.
  Result<PlanRunReport> run();
  // Runs with another gamma on the same models (gamma > 0 needs a built draft).
  Result<PlanRunReport> run_with_gamma(int gamma);
  // One generation with another gamma, acceptance and seeds (the weights stay those built
  // by create()): `prompt_seed` picks the prompt, `sampling_seed` the random choices
  // (sampling, controlled acceptance). Validation runs many cases on one pair of models.
  // `schedule` empty: options.schedule.
  Result<PlanRunReport> run_case(int gamma, std::optional<double> controlled_alpha, std::uint64_t prompt_seed,
                                 std::uint64_t sampling_seed, std::optional<Schedule> schedule = std::nullopt);

  // Later runs decode these token ids (real prompts; a run's prompt_seed is then unused).
  void use_prompt(std::vector<int> prompt) { options_.prompt = std::move(prompt); }

  // Median seconds of one whole forward pass over a fresh `tokens`-token prompt (sampling
  // its last row included), for the draft and the target: the c of the paper's Fig. 6 is
  // their ratio. Needs a built draft.
  struct ForwardTimes {
    Seconds draft = 0;
    Seconds target = 0;
  };
  Result<ForwardTimes> time_forwards(std::size_t tokens, int repetitions, std::uint64_t seed);

  [[nodiscard]] const PlanChoice& choice() const { return choice_; }
  // The built models, for measurements beside the runs (validation re-times profile points
  // on them); the draft is null when the plan's gamma is 0.
  [[nodiscard]] TransformerExecutor* draft_executor() { return draft_.get(); }
  [[nodiscard]] TransformerExecutor& target_executor() { return *target_; }

 private:
  PlanRunner(PlanChoice choice, PlanRunOptions options)
      : choice_(std::move(choice)), options_(std::move(options)) {}

  PlanChoice choice_;
  PlanRunOptions options_;
  std::unique_ptr<TransformerExecutor> draft_;  // null when gamma == 0
  std::unique_ptr<TransformerExecutor> target_;
};

}  // namespace specmap::runtime
