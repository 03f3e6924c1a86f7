// How long the design-space search takes:
//   BM_PaperSpace        the paper's space (configs/experiments/paper-imx95.yaml), coarse, paper mode
//   BM_FineThreePu       subgraph-level mappings of Llama 3.2 1B/3B on a 3-PU SoC, 6 variants, gamma 0..16
//   BM_FineVsBlocks      the same search as the models grow (total decoder blocks)
//   BM_FineVsPus         the same search as the SoC grows (number of PUs)
//   BM_BestAssignment*   branch and bound alone on one prebuilt linear cost
// Run through scripts/bench.sh, which writes results/bench/search.json.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "cost/cost_model.h"
#include "describe/loaders.h"
#include "profile/latency_oracle.h"
#include "profile/profile_db.h"
#include "search/search.h"

namespace specmap {
namespace {

// ---- (a) the paper's space, from the bundled configuration files --------------------------

struct LoadedStudy {
  Experiment experiment;
  Soc soc;
  ModelGraph draft, target;
  Workload workload;
  ProfileDb db;
  std::unique_ptr<LatencyOracle> oracle;
  std::string error;
};

const LoadedStudy& paper_study() {
  static const LoadedStudy* study = [] {
    auto* s = new LoadedStudy;
    auto fail = [&](const Error& e) {
      s->error = e.format();
      return s;
    };
    auto experiment =
        load_experiment(std::string(SPECMAP_SOURCE_DIR) + "/configs/experiments/paper-imx95.yaml");
    if (!experiment) return fail(experiment.error());
    s->experiment = *experiment;
    auto soc = load_soc(s->experiment.soc_path);
    if (!soc) return fail(soc.error());
    s->soc = *soc;
    auto draft = load_model(s->experiment.draft_path);
    if (!draft) return fail(draft.error());
    s->draft = *draft;
    auto target = load_model(s->experiment.target_path);
    if (!target) return fail(target.error());
    s->target = *target;
    auto workload = load_workload(s->experiment.workload_path);
    if (!workload) return fail(workload.error());
    s->workload = *workload;
    for (const std::string& path : s->experiment.profile_paths) {
      auto db = load_profile(path);
      if (!db) return fail(db.error());
      if (Status merged = s->db.merge(*db); !merged) return fail(merged.error());
    }
    s->oracle = std::make_unique<LatencyOracle>(s->soc, s->db);
    return s;
  }();
  return *study;
}

void report(benchmark::State& state, const SearchResult& r) {
  state.counters["evaluated"] = static_cast<double>(r.evaluated);
  state.counters["ranked"] = static_cast<double>(r.ranked.size());
  state.counters["space_size"] = r.design_space_size;
}

void BM_PaperSpace(benchmark::State& state) {
  const LoadedStudy& s = paper_study();
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  const SearchOptions& options = s.experiment.search;
  const CostInputs in{s.soc, s.draft, s.target, s.workload, *s.oracle, options.mode};
  SearchResult r;
  for (auto _ : state) {
    r = search(in, options);
    benchmark::DoNotOptimize(r.ranked.data());
  }
  report(state, r);
}
BENCHMARK(BM_PaperSpace)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---- (b), (c): subgraph-level search on SoCs built here ------------------------------------

ProcessingUnit make_pu(const std::string& id, PuKind kind, int units, std::map<DType, double> peaks,
                       double bw_gbps, double dispatch_us, double active_w, double idle_w) {
  ProcessingUnit pu;
  pu.id = id;
  pu.kind = kind;
  pu.units = units;
  pu.freq_ghz = 1.0;
  pu.peak_gflops_per_unit = std::move(peaks);
  pu.mem_bw_gbps = bw_gbps;
  pu.dispatch_overhead_us = dispatch_us;
  pu.active_power_w = active_w;
  pu.idle_power_w = idle_w;
  pu.memory = "dram";
  return pu;
}

// An i.MX 95-like SoC: 6 A55 cores, a GPU without int8 kernels (int8 promoted to f32, at
// four times the bytes), an NPU that runs int8 only (float ops cannot go there), all in one
// 12 GB DRAM, so promoting the int8 target onto the GPU runs out of memory: memory binds.
// `extra_pus` adds further accelerators (for the scaling run). Variants: n = 1..`variants`
// CPU cores with every accelerator on.
Soc fine_soc(int extra_pus, int variants, double dram_gb = 12.0) {
  Soc soc;
  soc.name = "bench-soc";
  ProcessingUnit cpu =
      make_pu("cpu", PuKind::cpu, 6, {{DType::f32, 14.4}, {DType::int8, 57.6}}, 10.0, 20, 1.5, 0.1);
  cpu.mem_bw_gbps_per_unit = 3.5;
  cpu.clusters = {CpuCluster{"a55", "cortex-a55", 6}};
  ProcessingUnit gpu =
      make_pu("gpu", PuKind::gpu, 1, {{DType::f32, 64}, {DType::f16, 128}}, 12.0, 200, 1.2, 0.05);
  gpu.fallbacks = {DTypeFallback{DType::int8, false, DType::f32, 1.2}};
  ProcessingUnit npu = make_pu("npu", PuKind::npu, 1, {{DType::int8, 500}}, 8.0, 100, 1.0, 0.05);
  npu.fallbacks = {DTypeFallback{DType::f32, true, DType::f32, 1.0}};
  soc.pus = {cpu, gpu, npu};
  for (int k = 0; k < extra_pus; ++k) {
    ProcessingUnit dsp = make_pu("dsp" + std::to_string(k), PuKind::npu, 1,
                                 {{DType::f32, 20.0 + 5 * k}, {DType::int8, 80}}, 6.0, 50, 0.8, 0.03);
    soc.pus.push_back(dsp);
  }
  soc.memories = {Memory{"dram", dram_gb, 25.6}};
  for (const ProcessingUnit& a : soc.pus)
    for (const ProcessingUnit& b : soc.pus)
      if (a.id != b.id) soc.transfers.push_back(Transfer{a.id, b.id, 50.0, 5.0, false});
  for (int n = 1; n <= variants; ++n) {
    DesignVariant v{std::to_string(n) + "cpu", std::vector<int>(soc.pus.size(), 1)};
    v.units[0] = n;
    soc.variants.push_back(v);
  }
  return soc;
}

ModelArch llama(std::int64_t layers, std::int64_t d_model, std::int64_t heads, DType dtype) {
  ModelArch a;
  a.layers = layers;
  a.d_model = d_model;
  a.d_ff = 8192;
  a.heads = heads;
  a.kv_heads = 8;
  a.vocab = 128256;
  a.dtype = dtype;
  a.kv_dtype = dtype == DType::int8 ? DType::int8 : DType::f32;
  a.tied_embeddings = true;
  return a;
}

Workload chat_workload() {
  Workload w;
  w.name = "bench";
  w.kv_cache = true;
  WorkloadSample shortq{0.6, 63, 63, {0.8, 0.7, 0.6}};
  WorkloadSample longq{0.4, 400, 200, {0.6}};
  w.samples = {shortq, longq};
  return w;
}

struct BuiltStudy {
  Soc soc;
  ModelGraph draft, target;
  Workload workload = chat_workload();
  ProfileDb db;  // empty: every figure is a roofline estimate
  std::unique_ptr<LatencyOracle> oracle;

  BuiltStudy(int extra_pus, int variants, std::int64_t draft_layers, std::int64_t target_layers,
             double dram_gb = 12.0)
      : soc(fine_soc(extra_pus, variants, dram_gb)),
        draft(derive_model("llama-draft", llama(draft_layers, 2048, 32, DType::f32))),
        target(derive_model("llama-target", llama(target_layers, 3072, 24, DType::int8))) {
    oracle = std::make_unique<LatencyOracle>(soc, db);
  }
  [[nodiscard]] CostInputs inputs() const {
    return CostInputs{soc, draft, target, workload, *oracle, CostMode::extended};
  }
};

// Enough memory for the largest scaled models, so that the scaling runs measure size alone.
constexpr double kRoomyDramGb = 64;

SearchOptions fine_options(int gamma_max) {
  SearchOptions o;
  o.mode = CostMode::extended;
  o.granularity = Granularity::fine;
  o.objective = Objective::latency;
  o.gamma_max = gamma_max;
  return o;
}

// Llama 3.2 1B (16 blocks, f32) drafting for 3B (28 blocks, int8). Arguments: objective
// (0 latency, 1 energy, 2 energy under a latency bound 15% above the fastest candidate) and
// DRAM in GB (12: promotion onto the GPU is what memory limits; 9: both models barely fit,
// so scratch buffers and tied-weight copies decide what may go where).
void BM_FineThreePu(benchmark::State& state) {
  const auto objective = static_cast<Objective>(state.range(0));
  const double dram_gb = static_cast<double>(state.range(1));
  const BuiltStudy study(0, 6, 16, 28, dram_gb);
  SearchOptions options = fine_options(16);
  options.objective = objective;
  if (objective == Objective::energy_under_latency) {
    const SearchResult fastest = search(study.inputs(), fine_options(16));
    if (fastest.ranked.empty() || !fastest.ranked.front().prediction.feasible) {
      state.SkipWithError("nothing feasible to bound the latency by");
      return;
    }
    options.latency_bound_ms_per_token = 1.15 * fastest.ranked.front().prediction.time_per_token * 1000;
  }
  SearchResult r;
  for (auto _ : state) {
    r = search(study.inputs(), options);
    benchmark::DoNotOptimize(r.ranked.data());
  }
  report(state, r);
  state.counters["feasible_best"] = !r.ranked.empty() && r.ranked.front().prediction.feasible ? 1 : 0;
}
BENCHMARK(BM_FineThreePu)
    ->ArgNames({"objective", "dram_gb"})
    ->ArgsProduct({{0, 1, 2}, {12, 9}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_FineVsBlocks(benchmark::State& state) {
  const auto blocks = state.range(0);
  const BuiltStudy study(0, 2, blocks / 3, blocks - blocks / 3, kRoomyDramGb);
  const SearchOptions options = fine_options(4);
  SearchResult r;
  for (auto _ : state) {
    r = search(study.inputs(), options);
    benchmark::DoNotOptimize(r.ranked.data());
  }
  report(state, r);
  state.SetComplexityN(blocks);
}
BENCHMARK(BM_FineVsBlocks)
    ->RangeMultiplier(2)
    ->Range(8, 64)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Complexity(benchmark::oN);

void BM_FineVsPus(benchmark::State& state) {
  const int pus = static_cast<int>(state.range(0));
  // Two PUs: drop the NPU from the three-PU SoC; more: add accelerators.
  BuiltStudy study(std::max(pus - 3, 0), 2, 16, 28);
  if (pus == 2) {
    study.soc.pus.pop_back();
    std::vector<Transfer> kept;
    for (const Transfer& t : study.soc.transfers)
      if (t.from != "npu" && t.to != "npu") kept.push_back(t);
    study.soc.transfers = kept;
    for (DesignVariant& v : study.soc.variants) v.units.pop_back();
  }
  const SearchOptions options = fine_options(4);
  SearchResult r;
  for (auto _ : state) {
    r = search(study.inputs(), options);
    benchmark::DoNotOptimize(r.ranked.data());
  }
  report(state, r);
  state.SetComplexityN(pus);
}
BENCHMARK(BM_FineVsPus)->DenseRange(2, 5)->Unit(benchmark::kMillisecond)->UseRealTime()->Complexity();

// ---- branch and bound alone --------------------------------------------------------------

void run_best_assignment(benchmark::State& state, const LinearCost& cost, bool energy) {
  std::vector<int> a;
  for (auto _ : state) {
    a = best_assignment(cost, energy);
    benchmark::DoNotOptimize(a.data());
  }
  state.counters["nodes"] = static_cast<double>(cost.node_time.size());
  state.counters["feasible"] = a.empty() ? 0 : 1;
}

void BM_BestAssignmentVsBlocks(benchmark::State& state) {
  const auto blocks = state.range(0);
  const BuiltStudy study(0, 1, blocks / 3, blocks - blocks / 3, kRoomyDramGb);
  const LinearCost cost = build_linear_cost(study.inputs(), 0, 4);
  run_best_assignment(state, cost, false);
  state.SetComplexityN(blocks);
}
BENCHMARK(BM_BestAssignmentVsBlocks)
    ->RangeMultiplier(2)
    ->Range(8, 128)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Complexity(benchmark::oN);

// Memory binding: the 12 GB DRAM holds both models only if little of the int8 target is
// promoted onto the GPU, so the unconstrained optimum is not allowed.
void BM_BestAssignmentMemoryBinding(benchmark::State& state) {
  static const BuiltStudy study(0, 1, 16, 28);
  static const LinearCost cost = [] {
    LinearCost c = build_linear_cost(study.inputs(), 0, 4);
    // Make the GPU the fastest home of the target so that memory alone keeps it off.
    for (std::size_t i = c.num_draft; i < c.node_time.size(); ++i) c.node_time[i][1] *= 0.3;
    return c;
  }();
  run_best_assignment(state, cost, state.range(0) != 0);
}
BENCHMARK(BM_BestAssignmentMemoryBinding)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace specmap

BENCHMARK_MAIN();
