// load_soc / parse_soc: the SoC YAML format (docs/formats.md).
#include <cstdio>
#include <map>
#include <set>

#include "core/input_limits.h"
#include "describe/loaders.h"
#include "describe/yaml_reader.h"

namespace specmap {

namespace {

std::string format_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

// Logical CPU ids below CPU_SETSIZE on Linux: the runtime cannot pin to a core beyond it.
constexpr IntRange kCoreIds{0, 1023};

Memory read_memory(const YamlValue& v) {
  v.expect_map({"id", "capacity_gb", "bandwidth_gbps", "description"});
  Memory memory;
  memory.id = v.at("id").as_string();
  memory.capacity_gb = v.at("capacity_gb").as_positive();
  memory.bandwidth_gbps = v.at("bandwidth_gbps").as_positive();
  return memory;
}

CpuCluster read_cluster(const YamlValue& v) {
  v.expect_map({"name", "core_type", "cores"});
  CpuCluster cluster;
  cluster.name = v.at("name").as_string();
  cluster.core_type = v.at("core_type").as_string();
  YamlValue cores = v.at("cores");
  if (cores.node().IsSequence()) {
    // Named cores: logical CPU ids, as /sys/devices/system/cpu/cpuN numbers them.
    for (const YamlValue& core : cores.items())
      cluster.core_ids.push_back(static_cast<int>(core.as_int(kCoreIds)));
    cluster.cores = static_cast<int>(cluster.core_ids.size());
  } else {
    cluster.cores = static_cast<int>(cores.as_int(limits::kUnits));
  }
  return cluster;
}

std::vector<DTypeFallback> read_fallbacks(const YamlValue& v, const ProcessingUnit& pu) {
  std::vector<DTypeFallback> fallbacks;
  for (const auto& [key, value] : v.entries()) {
    DTypeFallback fallback;
    fallback.dtype = key.as_dtype();
    if (pu.peak_gflops_per_unit.count(fallback.dtype) > 0)
      key.fail("data type '" + key.as_string() + "' is listed in peak_gflops_per_unit, so it is supported");
    if (value.node().IsScalar()) {
      if (value.as_string() != "infeasible")
        value.fail("expected 'infeasible' or a map {promote_to, cost_factor}, found '" + value.as_string() +
                   "'");
      fallback.infeasible = true;
    } else {
      value.expect_map({"promote_to", "cost_factor"});
      fallback.infeasible = false;
      YamlValue promote = value.at("promote_to");
      fallback.promote_to = promote.as_dtype();
      if (pu.peak_gflops_per_unit.count(fallback.promote_to) == 0)
        promote.fail("promote_to must be a type in peak_gflops_per_unit");
      if (auto cost = value.find("cost_factor")) fallback.cost_factor = cost->as_positive();
    }
    fallbacks.push_back(fallback);
  }
  return fallbacks;
}

ProcessingUnit read_pu(const YamlValue& v, const std::set<std::string>& memory_ids) {
  v.expect_map({"id", "kind", "clusters", "units", "freq_ghz", "peak_gflops_per_unit", "mem_bw_gbps",
                "mem_bw_gbps_per_unit", "unsupported", "dispatch_overhead_us", "active_power_w",
                "idle_power_w", "idle_power_scaling", "memory", "opencl_device"});
  ProcessingUnit pu;
  pu.id = v.at("id").as_string();
  pu.kind = static_cast<PuKind>(v.at("kind").as_choice({"cpu", "gpu", "npu"}));
  if (pu.kind == PuKind::cpu) {
    if (auto units = v.find("units")) units->fail("a CPU's units are the sum of its clusters' cores");
    pu.units = 0;
    std::set<int> named;
    for (const YamlValue& c : v.at("clusters").items()) {
      pu.clusters.push_back(read_cluster(c));
      const CpuCluster& cluster = pu.clusters.back();
      std::string problem;
      std::optional<std::int64_t> units = checked_sum(pu.units, cluster.cores, limits::kUnits, problem);
      if (!units) c.at("cores").fail("the cores of all clusters: " + problem);
      pu.units = static_cast<int>(*units);
      // Either every cluster names its cores or none does: a count beside a list would leave
      // the runtime guessing which cores the count means.
      if (cluster.core_ids.empty() != pu.clusters.front().core_ids.empty())
        c.at("cores").fail("either every cluster of a PU lists its cores or none does");
      for (std::size_t k = 0; k < cluster.core_ids.size(); ++k)
        if (!named.insert(cluster.core_ids[k]).second)
          c.at("cores").items()[k].fail("core " + std::to_string(cluster.core_ids[k]) +
                                        " is listed twice in PU '" + pu.id + "'");
    }
  } else {
    if (auto clusters = v.find("clusters")) clusters->fail("only CPUs have clusters; use 'units'");
    if (auto units = v.find("units")) pu.units = static_cast<int>(units->as_int(limits::kUnits));
  }
  pu.freq_ghz = v.at("freq_ghz").as_positive();
  YamlValue peaks = v.at("peak_gflops_per_unit");
  if (peaks.entries().empty()) peaks.fail("at least one natively supported data type is required");
  for (const auto& [key, value] : peaks.entries())
    pu.peak_gflops_per_unit[key.as_dtype()] = value.as_positive();
  pu.mem_bw_gbps = v.at("mem_bw_gbps").as_positive();
  if (auto per_unit = v.find("mem_bw_gbps_per_unit")) pu.mem_bw_gbps_per_unit = per_unit->as_positive();
  if (auto unsupported = v.find("unsupported")) pu.fallbacks = read_fallbacks(*unsupported, pu);
  pu.dispatch_overhead_us = v.at("dispatch_overhead_us").as_non_negative();
  pu.active_power_w = v.at("active_power_w").as_positive();
  YamlValue idle = v.at("idle_power_w");
  pu.idle_power_w = idle.as_non_negative();
  if (pu.idle_power_w > pu.active_power_w) idle.fail("idle power is larger than active_power_w");
  if (auto scaling = v.find("idle_power_scaling"))
    pu.idle_power_per_unit = scaling->as_choice({"per_pu", "per_unit"}) == 1;
  YamlValue memory = v.at("memory");
  pu.memory = memory.as_string();
  if (memory_ids.count(pu.memory) == 0) memory.fail("memory '" + pu.memory + "' is not defined in memories");
  if (auto device = v.find("opencl_device")) pu.opencl_device_match = device->as_string();
  return pu;
}

std::string pu_reference(const YamlValue& v, const Soc& soc) {
  std::string id = v.as_string();
  if (!soc.pu_index(id)) v.fail("processing unit '" + id + "' is not defined in pus");
  return id;
}

void read_transfer(const YamlValue& v, Soc& soc, std::set<std::pair<std::string, std::string>>& seen) {
  v.expect_map({"between", "from", "to", "latency_us", "bandwidth_gbps", "zero_copy"});
  std::vector<std::pair<std::string, std::string>> directions;
  if (auto between = v.find("between")) {
    if (v.has("from") || v.has("to")) v.fail("give either 'between' or 'from'/'to', not both");
    std::vector<YamlValue> ends = between->items();
    if (ends.size() != 2) between->fail("'between' takes exactly two processing units");
    std::string a = pu_reference(ends[0], soc);
    std::string b = pu_reference(ends[1], soc);
    if (a == b) between->fail("a transfer needs two different processing units");
    directions = {{a, b}, {b, a}};
  } else {
    std::string from = pu_reference(v.at("from"), soc);
    std::string to = pu_reference(v.at("to"), soc);
    if (from == to) v.fail("a transfer needs two different processing units");
    directions = {{from, to}};
  }
  Transfer transfer;
  transfer.latency_us = v.at("latency_us").as_non_negative();
  if (auto zero_copy = v.find("zero_copy")) transfer.zero_copy = zero_copy->as_bool();
  if (auto bandwidth = v.find("bandwidth_gbps")) {
    // A zero-copy transfer moves no bytes: a bandwidth beside it would be silently ignored.
    if (transfer.zero_copy)
      bandwidth->fail("a zero_copy transfer moves no bytes: remove bandwidth_gbps or zero_copy");
    transfer.bandwidth_gbps = bandwidth->as_positive();
  } else if (!transfer.zero_copy)
    transfer.bandwidth_gbps = v.at("bandwidth_gbps").as_positive();  // missing: reported here
  for (const auto& [from, to] : directions) {
    if (!seen.insert({from, to}).second)
      v.fail("a transfer from '" + from + "' to '" + to + "' is already given");
    transfer.from = from;
    transfer.to = to;
    soc.transfers.push_back(transfer);
  }
}

DesignVariant read_variant(const YamlValue& v, const Soc& soc) {
  v.expect_map({"name", "units"});
  DesignVariant variant;
  variant.name = v.at("name").as_string();
  variant.units.assign(soc.pus.size(), 0);
  bool any_on = false;
  YamlValue units = v.at("units");
  for (const auto& [key, value] : units.entries()) {
    int pu = *soc.pu_index(pu_reference(key, soc));
    std::int64_t count = value.as_int(limits::kVariantUnits);
    if (count > soc.pus[pu].units)
      value.fail("'" + soc.pus[pu].id + "' has only " + std::to_string(soc.pus[pu].units) + " units");
    variant.units[pu] = static_cast<int>(count);
    any_on = any_on || count > 0;
  }
  if (!any_on) units.fail("a design variant needs at least one processing unit switched on");
  return variant;
}

Soc build_soc(const YamlValue& root) {
  root.expect_map({"version", "name", "description", "memories", "pus", "transfers", "design_variants"});
  Soc soc;
  soc.name = root.at("name").as_string();
  if (auto d = root.find("description")) soc.description = d->as_string();

  std::set<std::string> memory_ids;
  for (const YamlValue& m : root.at("memories").items()) {
    soc.memories.push_back(read_memory(m));
    if (!memory_ids.insert(soc.memories.back().id).second)
      m.at("id").fail("memory id '" + soc.memories.back().id + "' is defined twice");
  }
  std::map<int, std::string> core_owner;  // named core -> the PU that lists it
  for (const YamlValue& p : root.at("pus").items()) {
    soc.pus.push_back(read_pu(p, memory_ids));
    const ProcessingUnit& pu = soc.pus.back();
    if (soc.pu_index(pu.id) != static_cast<int>(soc.pus.size() - 1))
      p.at("id").fail("processing unit id '" + pu.id + "' is defined twice");
    // A core belongs to one PU: two PUs on one core would contend where the model says they
    // run in parallel.
    for (std::size_t c = 0; c < pu.clusters.size(); ++c)
      for (std::size_t k = 0; k < pu.clusters[c].core_ids.size(); ++k) {
        const int core = pu.clusters[c].core_ids[k];
        auto [it, inserted] = core_owner.emplace(core, pu.id);
        if (!inserted)
          p.at("clusters")
              .items()[c]
              .at("cores")
              .items()[k]
              .fail("core " + std::to_string(core) + " is already listed by PU '" + it->second + "'");
      }
  }

  // A PU cannot read faster than the pool it reads from: cap it there and say so.
  for (ProcessingUnit& pu : soc.pus) {
    const Memory& pool = soc.memories[static_cast<std::size_t>(soc.memory_index(*soc.pu_index(pu.id)))];
    if (pu.mem_bw_gbps > pool.bandwidth_gbps) {
      soc.warnings.push_back("PU '" + pu.id + "': mem_bw_gbps " + format_number(pu.mem_bw_gbps) +
                             " exceeds its memory '" + pool.id + "' (" + format_number(pool.bandwidth_gbps) +
                             " GB/s); capped at the memory's bandwidth");
      pu.mem_bw_gbps = pool.bandwidth_gbps;
    }
    if (pu.mem_bw_gbps_per_unit > pu.mem_bw_gbps) pu.mem_bw_gbps_per_unit = pu.mem_bw_gbps;
  }

  std::set<std::pair<std::string, std::string>> seen;
  std::optional<YamlValue> transfers = root.find("transfers");
  if (transfers)
    for (const YamlValue& t : transfers->items(true)) read_transfer(t, soc, seen);
  for (const ProcessingUnit& a : soc.pus)
    for (const ProcessingUnit& b : soc.pus)
      if (a.id != b.id && seen.count({a.id, b.id}) == 0) {
        std::string message =
            "no transfer from '" + a.id + "' to '" + b.id + "' (every pair of PUs needs one)";
        if (transfers) transfers->fail(message);
        root.fail(message);
      }

  if (auto variants = root.find("design_variants")) {
    std::set<std::string> names;
    for (const YamlValue& v : variants->items()) {
      soc.variants.push_back(read_variant(v, soc));
      if (!names.insert(soc.variants.back().name).second)
        v.at("name").fail("design variant '" + soc.variants.back().name + "' is defined twice");
    }
  } else {
    // Without explicit variants the only design is the whole SoC switched on.
    DesignVariant all{"all", {}};
    for (const ProcessingUnit& pu : soc.pus) all.units.push_back(pu.units);
    soc.variants.push_back(all);
  }
  return soc;
}

}  // namespace

Result<Soc> parse_soc(const std::string& yaml_text, const std::string& file_label) {
  Result<Soc> soc = parse_yaml_document<Soc>(yaml_text, file_label, build_soc);
  if (soc) soc->source_file = file_label;
  return soc;
}

Result<Soc> load_soc(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text) return text.error();
  return parse_soc(*text, path);
}

}  // namespace specmap
