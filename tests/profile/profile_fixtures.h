#pragma once
// Small hand-built SoC and model shared by the profile tests.
#include <string>

#include "describe/model.h"
#include "describe/soc.h"
#include "profile/profile_db.h"

namespace specmap::testing {

// cpu: 6 cores, f32 + int8 native; gpu: 1 unit, int8 promoted to f32 at twice the cost;
// npu: int8 only, f32 explicitly infeasible.
inline Soc tiny_soc() {
  Soc soc;
  soc.name = "tiny";
  ProcessingUnit cpu;
  cpu.id = "cpu";
  cpu.kind = PuKind::cpu;
  cpu.units = 6;
  cpu.peak_gflops_per_unit = {{DType::f32, 10.0}, {DType::int8, 20.0}};
  cpu.mem_bw_gbps = 8.0;
  cpu.mem_bw_gbps_per_unit = 3.0;
  ProcessingUnit gpu;
  gpu.id = "gpu";
  gpu.kind = PuKind::gpu;
  gpu.units = 1;
  gpu.peak_gflops_per_unit = {{DType::f32, 100.0}};
  gpu.mem_bw_gbps = 10.0;
  gpu.fallbacks = {DTypeFallback{DType::int8, false, DType::f32, 2.0}};
  ProcessingUnit npu;
  npu.id = "npu";
  npu.kind = PuKind::npu;
  npu.units = 2;
  npu.peak_gflops_per_unit = {{DType::int8, 50.0}};
  npu.mem_bw_gbps = 10.0;
  npu.fallbacks = {DTypeFallback{DType::f32, true, DType::f32, 1.0}};
  soc.pus = {cpu, gpu, npu};
  soc.transfers = {Transfer{"cpu", "gpu", 20.0, 5.0, false}, Transfer{"gpu", "cpu", 20.0, 5.0, false}};
  return soc;
}

inline Op matmul(const std::string& name, std::int64_t in, std::int64_t out, DType dtype) {
  Op op;
  op.name = name;
  op.kind = OpKind::matmul;
  op.dtype = dtype;
  op.in_features = in;
  op.out_features = out;
  return op;
}

// Two subgraphs "block.0" and "block.1" of two matmuls each (distinct shapes, so distinct op keys).
inline ModelGraph tiny_model(const std::string& name = "tiny-model", DType dtype = DType::f32) {
  ModelGraph model;
  model.name = name;
  model.dtype = dtype;
  Subgraph b0;
  b0.name = "block.0";
  b0.kind = SubgraphKind::decoder_block;
  b0.ops = {matmul("up", 256, 512, dtype), matmul("down", 512, 256, dtype)};
  Subgraph b1;
  b1.name = "block.1";
  b1.kind = SubgraphKind::decoder_block;
  b1.ops = {matmul("q", 256, 256, dtype), matmul("o", 256, 128, dtype)};
  model.subgraphs = {b0, b1};
  model.edges = {{0, 1}};
  return model;
}

inline ProfileEntry entry(ProfileLevel level, const std::string& model, const std::string& key,
                          const std::string& pu, int units, Tokens n, Tokens ctx, Seconds median,
                          Seconds stddev = 0) {
  ProfileEntry e;
  e.level = level;
  e.model = model;
  e.key = key;
  e.pu = pu;
  e.units = units;
  e.new_tokens = n;
  e.context = ctx;
  e.stats.median = median;
  e.stats.mean = median;
  e.stats.stddev = stddev;
  e.file = "synthetic";
  return e;
}

inline std::string data_path(const std::string& name) {
  return std::string(SPECMAP_SOURCE_DIR) + "/tests/profile/data/" + name;
}

}  // namespace specmap::testing
