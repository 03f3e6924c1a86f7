#include "describe/soc.h"

#include <algorithm>
#include <limits>

namespace specmap {

std::vector<int> ProcessingUnit::named_cores() const {
  std::vector<int> cores;
  for (const CpuCluster& cluster : clusters)
    cores.insert(cores.end(), cluster.core_ids.begin(), cluster.core_ids.end());
  return cores;
}

std::optional<DTypeExecution> ProcessingUnit::execution(DType t) const {
  if (peak_gflops_per_unit.count(t) > 0) return DTypeExecution{t, 1.0, false};
  for (const DTypeFallback& fallback : fallbacks) {
    if (fallback.dtype != t) continue;
    if (fallback.infeasible) return std::nullopt;
    return DTypeExecution{fallback.promote_to, fallback.cost_factor, true};
  }
  // q8_0 / q4_0 the PU does not name: their products are int8 dot products against
  // activations quantized to q8_0 blocks, so they run as int8 does here. Natively (int8 in
  // the peaks) the weights stay in their own blocks (not promoted: their real bytes are
  // streamed); when int8 itself is promoted, so are they.
  if (std::optional<DType> integer = dtype_integer_compute(t)) return execution(*integer);
  return std::nullopt;
}

double ProcessingUnit::bandwidth_gbps(int active_units) const {
  // A few cores cannot saturate the memory controller; the whole PU is capped by it.
  if (mem_bw_gbps_per_unit > 0) return std::min(mem_bw_gbps, active_units * mem_bw_gbps_per_unit);
  return mem_bw_gbps;
}

double ProcessingUnit::peak_gflops(DType compute, int active_units) const {
  auto it = peak_gflops_per_unit.find(compute);
  if (it == peak_gflops_per_unit.end()) return 0.0;
  return active_units * it->second;
}

Watts ProcessingUnit::active_power(int active_units) const {
  if (units <= 0) return idle_power_w;
  return idle_power(active_units) + (active_power_w - idle_power_w) * active_units / units;
}

Watts ProcessingUnit::idle_power(int active_units) const {
  if (!idle_power_per_unit || units <= 0) return idle_power_w;
  return idle_power_w * active_units / units;
}

std::optional<int> Soc::pu_index(const std::string& id) const {
  for (std::size_t i = 0; i < pus.size(); ++i)
    if (pus[i].id == id) return static_cast<int>(i);
  return std::nullopt;
}

int Soc::memory_index(int pu) const {
  const std::string& id = pus.at(static_cast<std::size_t>(pu)).memory;
  for (std::size_t i = 0; i < memories.size(); ++i)
    if (memories[i].id == id) return static_cast<int>(i);
  return -1;
}

Seconds Soc::transfer_time(int from_pu, int to_pu, Bytes bytes) const {
  if (from_pu == to_pu) return 0.0;
  const std::string& from = pus.at(static_cast<std::size_t>(from_pu)).id;
  const std::string& to = pus.at(static_cast<std::size_t>(to_pu)).id;
  for (const Transfer& t : transfers) {
    if (t.from != from || t.to != to) continue;
    Seconds time = from_us(t.latency_us);
    if (!t.zero_copy && t.bandwidth_gbps > 0) time += bytes / (t.bandwidth_gbps * kGiga);
    return time;
  }
  // The loader guarantees every ordered pair has a transfer; a hand-built Soc without one
  // cannot move data between the PUs at all.
  return std::numeric_limits<Seconds>::infinity();
}

}  // namespace specmap
