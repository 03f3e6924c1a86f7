#pragma once
// A system-on-chip: its processing units (PUs), memories, PU-to-PU transfer costs
// and the design variants (which resources are switched on) the search explores.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/units.h"

namespace specmap {

enum class PuKind { cpu, gpu, npu };

struct CpuCluster {
  std::string name;
  std::string core_type;  // e.g. "cortex-a55"
  int cores = 0;          // how many; == core_ids.size() when the cores are named
  // The logical CPU ids of its cores (`cores: [4, 5, 6, 7]`), in file order; empty when the
  // YAML gives only a count (`cores: 4`), which the runtime maps onto free online cores.
  std::vector<int> core_ids;
};

// What a PU does with a data type it has no native path for.
struct DTypeFallback {
  DType dtype;             // the unsupported type
  bool infeasible = true;  // true: a subgraph in this type cannot run here
  DType promote_to = DType::f32;
  double cost_factor = 1.0;  // extra time factor on top of running in promote_to
};

// How a data type actually executes on a PU (after promotion).
struct DTypeExecution {
  DType compute;           // type the PU computes and stores it in
  double cost_factor = 1;  // 1 when native
  bool promoted = false;
};

struct ProcessingUnit {
  std::string id;  // referenced by memories, transfers, variants, profiles
  PuKind kind = PuKind::cpu;
  std::vector<CpuCluster> clusters;  // CPUs only
  int units = 1;                     // cores (CPU), shader cores (GPU) or PEs (NPU)
  double freq_ghz = 0;
  // Peak throughput of ONE unit per natively supported data type.
  std::map<DType, double> peak_gflops_per_unit;
  double mem_bw_gbps = 0;           // attainable by the whole PU
  double mem_bw_gbps_per_unit = 0;  // attainable by one unit; 0 = not unit-limited
  std::vector<DTypeFallback> fallbacks;
  double dispatch_overhead_us = 0;  // per launch of a run of subgraphs on this PU
  // Power with all units busy / all idle; a partly used PU's busy power scales linearly in
  // units. Idle power is the whole PU's while any unit is on (per_pu, the default), or with
  // idle_power_scaling: per_unit the share of its switched-on units (idle_power_w * u / units).
  double active_power_w = 0;
  double idle_power_w = 0;
  bool idle_power_per_unit = false;
  std::string memory;                // id of the memory this PU reads weights from
  std::string opencl_device_match;   // substring of an OpenCL device name (runtime PUs)

  // The cores its clusters name, in file order (a design variant with u units runs on the
  // first u); empty when the clusters give counts only (then all of them do).
  [[nodiscard]] std::vector<int> named_cores() const;

  // nullopt: the type cannot run here (no native path and fallback infeasible/absent).
  [[nodiscard]] std::optional<DTypeExecution> execution(DType t) const;
  // Attainable bandwidth and peak with `active_units` units switched on.
  [[nodiscard]] double bandwidth_gbps(int active_units) const;
  [[nodiscard]] double peak_gflops(DType compute, int active_units) const;
  // Busy power with `active_units` on: idle_power(u) + (active - idle) * u / units.
  [[nodiscard]] Watts active_power(int active_units) const;
  // Idle power of the PU with `active_units` switched on (see idle_power_per_unit).
  [[nodiscard]] Watts idle_power(int active_units) const;
};

struct Memory {
  std::string id;
  double capacity_gb = 0;
  double bandwidth_gbps = 0;
};

struct Transfer {
  std::string from;
  std::string to;
  double latency_us = 0;
  double bandwidth_gbps = 0;  // ignored when zero_copy
  bool zero_copy = false;     // PUs map the same buffer: only latency is paid
};

struct DesignVariant {
  std::string name;
  std::vector<int> units;  // per PU index (same order as Soc::pus); 0 = PU unavailable
};

struct Soc {
  std::string name;
  std::string description;
  std::vector<ProcessingUnit> pus;
  std::vector<Memory> memories;
  std::vector<Transfer> transfers;  // loader fills both directions of symmetric entries
  std::vector<DesignVariant> variants;
  std::string source_file;
  // What the loader corrected (a PU's bandwidth capped at its memory's), for the outputs.
  std::vector<std::string> warnings;

  [[nodiscard]] std::optional<int> pu_index(const std::string& id) const;
  [[nodiscard]] int memory_index(int pu) const;  // index into memories of a PU's memory
  // Cost of moving `bytes` from PU a to PU b (0 when a == b).
  [[nodiscard]] Seconds transfer_time(int from_pu, int to_pu, Bytes bytes) const;
};

}  // namespace specmap
