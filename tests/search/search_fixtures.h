#pragma once
// A small but real-shaped study for the search tests: three PUs with restricted data
// type support, memory pools of which one (the GPU's carve-out) is small enough to bind
// at subgraph granularity, tiny Llama-style models and a roofline oracle (empty profile).
#include <memory>
#include <string>
#include <vector>

#include "cost/cost_model.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"
#include "profile/latency_oracle.h"
#include "profile/profile_db.h"

namespace specmap::search_testing {

inline ProcessingUnit make_pu(const std::string& id, PuKind kind, int units, std::map<DType, double> peaks,
                              double bw_gbps, double active_w, double idle_w, const std::string& memory) {
  ProcessingUnit pu;
  pu.id = id;
  pu.kind = kind;
  pu.units = units;
  pu.freq_ghz = 1.0;
  pu.peak_gflops_per_unit = std::move(peaks);
  pu.mem_bw_gbps = bw_gbps;
  pu.dispatch_overhead_us = 4;
  pu.active_power_w = active_w;
  pu.idle_power_w = idle_w;
  pu.memory = memory;
  return pu;
}

// cpu: f32 and int8; gpu: f32, int8 promoted to f32 (slower, four times the bytes), in
// its own carve-out; npu: int8 only (the f32 norms of every block keep it to embeddings).
inline Soc three_pu_soc(double gpu_memory_gb) {
  Soc soc;
  soc.name = "search-test-soc";
  ProcessingUnit cpu =
      make_pu("cpu", PuKind::cpu, 2, {{DType::f32, 2.0}, {DType::int8, 4.0}}, 4.0, 3.0, 0.4, "dram");
  cpu.clusters = {CpuCluster{"little", "cortex-a55", 2}};
  ProcessingUnit gpu = make_pu("gpu", PuKind::gpu, 1, {{DType::f32, 12.0}}, 8.0, 2.5, 0.3, "gpu_carveout");
  gpu.fallbacks = {DTypeFallback{DType::int8, false, DType::f32, 1.3}};
  ProcessingUnit npu = make_pu("npu", PuKind::npu, 1, {{DType::int8, 40.0}}, 6.0, 1.5, 0.1, "dram");
  npu.fallbacks = {DTypeFallback{DType::f32, true, DType::f32, 1.0}};
  soc.pus = {cpu, gpu, npu};
  soc.memories = {Memory{"dram", 4.0, 8.0}, Memory{"gpu_carveout", gpu_memory_gb, 8.0}};
  const char* ids[] = {"cpu", "gpu", "npu"};
  for (const char* from : ids)
    for (const char* to : ids)
      if (std::string(from) != to) soc.transfers.push_back(Transfer{from, to, 1.0, 4.0, false});
  soc.variants = {DesignVariant{"all", {2, 1, 1}}, DesignVariant{"cpu1+npu", {1, 0, 1}},
                  DesignVariant{"cpu2+gpu", {2, 1, 0}}};
  return soc;
}

inline ModelGraph tiny_model(const std::string& name, int layers, int d_model, DType dtype) {
  ModelArch arch;
  arch.layers = layers;
  arch.d_model = d_model;
  arch.d_ff = 2 * d_model;
  arch.heads = 4;
  arch.kv_heads = 2;
  arch.vocab = 256;
  arch.dtype = dtype;
  arch.kv_dtype = dtype;
  arch.tied_embeddings = true;
  return derive_model(name, arch);
}

inline Workload small_workload() {
  Workload w;
  w.name = "search-test";
  w.kv_cache = true;
  WorkloadSample a;
  a.weight = 0.7;
  a.prompt_tokens = 12;
  a.generate_tokens = 10;
  a.alphas = {0.85, 0.75};
  WorkloadSample b;
  b.weight = 0.3;
  b.prompt_tokens = 30;
  b.generate_tokens = 20;
  b.alphas = {0.5};
  w.samples = {a, b};
  return w;
}

// Owns everything CostInputs refers to.
struct Study {
  Soc soc;
  ModelGraph draft;
  ModelGraph target;
  Workload workload;
  ProfileDb db;
  std::unique_ptr<LatencyOracle> oracle;

  [[nodiscard]] CostInputs inputs(CostMode mode) const {
    return CostInputs{soc, draft, target, workload, *oracle, mode};
  }
};

inline std::unique_ptr<Study> small_study(double gpu_memory_gb) {
  auto s = std::make_unique<Study>();
  s->soc = three_pu_soc(gpu_memory_gb);
  s->draft = tiny_model("tiny-draft", 1, 64, DType::f32);
  s->target = tiny_model("tiny-target", 2, 96, DType::int8);
  s->workload = small_workload();
  s->oracle = std::make_unique<LatencyOracle>(s->soc, s->db);
  return s;
}

}  // namespace specmap::search_testing
