#pragma once
// Measures the runtime to produce a profile the cost model can read: for each model, each
// configuration of a runnable PU (CPU cores or an OpenCL device) in the SoC's design
// variants, each new-token count and context, the time of one whole forward pass and of
// every subgraph within those same passes; the copies between host memory and every OpenCL
// PU over a range of sizes (transfer entries); and, for PUs a variant switches on together,
// a reference pass alone and beside a busy other PU (contention entries, for the
// overlapped schedule).
//
// Measured with the Google Benchmark library: one benchmark per model, CPU configuration,
// new-token count and context, named by benchmark_name(), with repetitions randomly
// interleaved across all benchmarks (so a slow phase of a shared machine shows in every
// point's spread) and manual timing (only the pass and its sampling are timed, not the
// untimed prefill of the context or the roll-back). The subgraphs timed within the same
// passes are the forward benchmark's "subgraph:<name>" counters. The output is the
// library's own JSON, with the machine added to its context; load_profile reads it as is.
// A pass's time includes sampling its logits (softmax and argmax of every returned row, as
// the decoder does), which the head subgraph carries. What the speculative loop does beyond
// that per iteration is timed by the loop benchmarks (profile_benchmarks.h).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"
#include "profile/profile_db.h"
#include "runtime/measure/pass_points.h"

namespace specmap::runtime {

struct ProfileProgress {
  std::size_t done = 0;   // repetitions finished before this one
  std::size_t total = 0;  // repetitions in the whole run (benchmarks of every kind x repetitions)
  std::string name;       // name of the benchmark just measured (forward, transfer, contention or loop point)
};

struct ProfilerOptions {
  std::vector<Tokens> new_tokens = {1, 2, 4, 8, 16, 32, 64};
  // Empty: default_contexts(workload).
  std::vector<Tokens> contexts;
  int repetitions = 5;
  Seconds min_time = 0.05;  // per repetition of one point
  // Draft weights from `seed`, target weights from `seed + 1` (as PlanRunner does).
  std::uint64_t seed = 0;
  std::function<void(const ProfileProgress&)> on_progress;  // optional
  // Boundary-tensor sizes timed between host memory and every OpenCL PU, both directions
  // (empty: none). The default spans one hidden row of a small model to a long prompt's.
  std::vector<std::size_t> transfer_bytes = {1024, 4096, 16384, 65536, 262144, 1048576, 4194304};
  // Contention references for every pair of runnable PUs that a design variant switches on
  // together: see profile_benchmarks.h.
  bool contention = true;
  // Drafts per iteration at which the speculative loop's own work is timed, at every
  // vocabulary of the models (empty: none); the cost model is linear in between and beyond.
  std::vector<int> loop_drafts = {0, 1, 2, 4, 8};
  // [m]: the passes the cost model reads for models[m] (cost/plan_points.h, named as the
  // profile names them); the profile measures, besides the grid of new_tokens x contexts,
  // points that give every one of them (runtime/measure/profile_coverage.h). Empty: the grid.
  std::vector<std::vector<PassPoint>> needed;
};

// 0, the mean prompt, and the mean prompt plus generated tokens (rounded, deduplicated,
// ascending): the contexts decoding passes run at, so the cost model interpolates.
std::vector<Tokens> default_contexts(const Workload& workload);

struct ProfileRun {
  std::string json;                  // Google Benchmark JSON text
  ProfileDb db;                      // the same, as load_profile reads it
  std::size_t points = 0;            // forward points measured
  std::size_t entries = 0;           // profile entries (forward + subgraph) written
  std::size_t transfers = 0;         // transfer entries (size x direction x PU pair)
  std::size_t contention = 0;        // contention references (alone and beside)
  std::size_t loops = 0;             // loop-work entries (vocabulary x drafts)
  std::vector<std::string> skipped;  // models or PUs that could not be measured, and why
};

// Profiles `models` (e.g. draft and target) on every runnable PU configuration of `soc` with
// synthetic weights. With the workload's KV cache, a point (n, ctx) prefills ctx tokens
// untimed and times appending n; without it, a pass over n + ctx tokens is timed and named
// (n + ctx, 0), as the cost model asks for no-cache passes, once sampling one row and, for
// n >= 2, once sampling n rows (a verification; named with rows:n). Points with rows set
// (options.needed: e.g. the first verification of a cached loop, the prompt and its drafts
// from context 0) sample that many rows and are named with rows:R. `machine` is stored in the
// context as "specmap_machine". Errors: nothing could be measured, an executor failure.
Result<ProfileRun> profile_models(const Soc& soc, const std::vector<const ModelGraph*>& models,
                                  const Workload& workload, const ProfilerOptions& options,
                                  const std::string& machine);

}  // namespace specmap::runtime
