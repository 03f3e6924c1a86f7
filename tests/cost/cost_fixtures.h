#pragma once
// Small hand-built inputs for the cost-model tests: a three-PU SoC, two tiny Llama-style
// models and oracles with synthetic timings.
#include <string>
#include <utility>
#include <vector>

#include "cost/cost_model.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"
#include "profile/latency_oracle.h"
#include "profile/profile_db.h"

namespace specmap::testing {

inline constexpr int kCpu = 0;
inline constexpr int kGpu = 1;
inline constexpr int kNpu = 2;

// Variants: 0 "all" (cpu x4, gpu x2, npu x1), 1 "cpu-only" (cpu x4), 2 "cpu1+gpu".
inline Soc test_soc(double dram_gb = 8.0, double dispatch_us = 0.0, double transfer_latency_us = 50.0) {
  Soc soc;
  soc.name = "test-soc";
  ProcessingUnit cpu;
  cpu.id = "cpu";
  cpu.kind = PuKind::cpu;
  cpu.units = 4;
  cpu.peak_gflops_per_unit = {{DType::f32, 10.0}, {DType::int8, 20.0}};
  cpu.mem_bw_gbps = 10.0;
  cpu.dispatch_overhead_us = dispatch_us;
  cpu.active_power_w = 4.0;
  cpu.idle_power_w = 0.5;
  cpu.memory = "dram";
  ProcessingUnit gpu;
  gpu.id = "gpu";
  gpu.kind = PuKind::gpu;
  gpu.units = 2;
  gpu.peak_gflops_per_unit = {{DType::f32, 50.0}};
  gpu.fallbacks = {DTypeFallback{DType::int8, true, DType::f32, 1.0}};
  gpu.mem_bw_gbps = 20.0;
  gpu.dispatch_overhead_us = dispatch_us;
  gpu.active_power_w = 3.0;
  gpu.idle_power_w = 0.3;
  gpu.memory = "dram";
  ProcessingUnit npu;
  npu.id = "npu";
  npu.kind = PuKind::npu;
  npu.units = 1;
  npu.peak_gflops_per_unit = {{DType::f16, 100.0}, {DType::int8, 200.0}};
  // f32 runs promoted... to f16 here (stored at half the size), at a cost.
  npu.fallbacks = {DTypeFallback{DType::f32, false, DType::f16, 1.5}};
  npu.mem_bw_gbps = 15.0;
  npu.dispatch_overhead_us = dispatch_us;
  npu.active_power_w = 2.0;
  npu.idle_power_w = 0.1;
  npu.memory = "npu_mem";
  soc.pus = {cpu, gpu, npu};
  soc.memories = {Memory{"dram", dram_gb, 10.0}, Memory{"npu_mem", 1.0, 15.0}};
  const char* ids[] = {"cpu", "gpu", "npu"};
  for (const char* from : ids)
    for (const char* to : ids)
      if (std::string(from) != to)
        soc.transfers.push_back(Transfer{from, to, transfer_latency_us, 5.0, false});
  soc.variants = {DesignVariant{"all", {4, 2, 1}}, DesignVariant{"cpu-only", {4, 0, 0}},
                  DesignVariant{"cpu1+gpu", {1, 2, 0}}};
  return soc;
}

inline ModelGraph tiny_model(const std::string& name, int layers, int d_model, DType dtype = DType::f32) {
  ModelArch arch;
  arch.layers = layers;
  arch.d_model = d_model;
  arch.d_ff = 2 * d_model;
  arch.heads = 4;
  arch.kv_heads = 2;
  arch.vocab = 512;
  arch.dtype = dtype;
  arch.kv_dtype = DType::f32;
  arch.tied_embeddings = true;
  return derive_model(name, arch);
}

// A profile entry of the target measured on the test SoC's CPU (4 units) at (n, ctx).
inline ProfileEntry target_entry_on_cpu(ProfileLevel level, const std::string& key, Tokens n, Tokens ctx,
                                        ProfileStats stats) {
  ProfileEntry e;
  e.level = level;
  e.model = "target";
  e.key = key;
  e.pu = "cpu";
  e.units = 4;
  e.new_tokens = n;
  e.context = ctx;
  e.stats = stats;
  return e;
}

inline WorkloadSample sample(double weight, Tokens prompt, Tokens generate, std::vector<double> alphas) {
  WorkloadSample s;
  s.weight = weight;
  s.prompt_tokens = prompt;
  s.generate_tokens = generate;
  s.alphas = std::move(alphas);
  return s;
}

inline Workload workload(std::vector<WorkloadSample> samples, bool kv_cache) {
  Workload w;
  w.name = "test";
  w.kv_cache = kv_cache;
  w.samples = std::move(samples);
  return w;
}

inline const ProfileDb& empty_profile() {
  static const ProfileDb db;
  return db;
}

// Every draft forward pass (or any split of it) costs c * t, every target pass t, whatever
// the tokens and context; nothing else costs anything. Subgraph figures are deliberately
// uneven estimates: the measured forward pass must still come out whole.
class ConstantPassOracle : public LatencyOracle {
 public:
  ConstantPassOracle(const Soc& soc, std::string draft_name, Seconds t_target, double c)
      : LatencyOracle(soc, empty_profile()), draft_name_(std::move(draft_name)), t_(t_target), c_(c) {}

  TimeEstimate forward(const ModelGraph& model, int, int, Tokens, Tokens) const override {
    const Seconds t = model.name == draft_name_ ? c_ * t_ : t_;
    return TimeEstimate{t, 0.01 * t, Provenance::measured_forward, false, ""};
  }
  TimeEstimate subgraph(const ModelGraph&, std::size_t index, int pu, int, Tokens n, Tokens) const override {
    return TimeEstimate{1e-4 * static_cast<double>(index + 1 + pu) * static_cast<double>(n), 0,
                        Provenance::roofline, false, ""};
  }
  Seconds transfer(int, int, Bytes) const override { return 0.0; }

 private:
  std::string draft_name_;
  Seconds t_;
  double c_;
};

inline Candidate whole_models(const ModelGraph& draft, int draft_pu, const ModelGraph& target, int target_pu,
                              int gamma, int variant = 0) {
  Candidate c;
  c.variant = variant;
  c.gamma = gamma;
  c.mapping.draft = whole_model_on(draft_pu, draft.subgraphs.size());
  c.mapping.target = whole_model_on(target_pu, target.subgraphs.size());
  return c;
}

}  // namespace specmap::testing
