#include "runtime/measure/host_detect.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "core/format.h"
#include "runtime/cpu/core_set.h"

namespace specmap::runtime {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// "key<tabs>: value" lines; returns the value of the first line whose key is `key`.
std::optional<std::string> field(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (trim(line.substr(0, colon)) == key) return trim(line.substr(colon + 1));
  }
  return std::nullopt;
}

// Arm's CPU part numbers (implementer 0x41) of the cores found in edge SoCs.
std::string arm_part_name(const std::string& part) {
  static const std::map<std::string, std::string> parts = {
      {"0xd03", "cortex-a53"},  {"0xd04", "cortex-a35"},  {"0xd05", "cortex-a55"},  {"0xd07", "cortex-a57"},
      {"0xd08", "cortex-a72"},  {"0xd09", "cortex-a73"},  {"0xd0a", "cortex-a75"},  {"0xd0b", "cortex-a76"},
      {"0xd0d", "cortex-a77"},  {"0xd41", "cortex-a78"},  {"0xd44", "cortex-x1"},   {"0xd46", "cortex-a510"},
      {"0xd47", "cortex-a710"}, {"0xd48", "cortex-x2"},   {"0xd4d", "cortex-a715"}, {"0xd4e", "cortex-x3"},
      {"0xd80", "cortex-a520"}, {"0xd81", "cortex-a720"}, {"0xd82", "cortex-x4"}};
  auto it = parts.find(part);
  return it != parts.end() ? it->second : "arm-part-" + part;
}

// A positive integer from a one-line sysfs file; 0 when absent or malformed.
long long read_number(const std::string& path) {
  const std::string text = trim(slurp(path));
  if (text.empty()) return 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  return (end != nullptr && *end == '\0' && value > 0) ? value : 0;
}

std::string cores_list(const std::vector<int>& cores) {
  std::string text = "[";
  for (std::size_t i = 0; i < cores.size(); ++i) text += (i ? ", " : "") + std::to_string(cores[i]);
  return text + "]";
}

// A YAML-safe cluster name from a core type ("cortex-a76" stays, "AMD EPYC 7B13" -> "amd-epyc-7b13").
std::string cluster_name(const std::string& core_type, std::size_t index) {
  std::string name;
  for (char c : core_type) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!name.empty() && name.back() != '-')
      name += '-';
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.empty() || name.size() > 40) name = "cluster" + std::to_string(index);
  return name;
}

}  // namespace

void read_cpuinfo(const std::string& text, HostInfo& info) {
  if (auto model = field(text, "model name"))
    info.cpu_model = *model;
  else if (auto hw = field(text, "Hardware"))
    info.cpu_model = *hw;  // many Arm kernels
  if (auto mhz = field(text, "cpu MHz")) {
    try {
      info.cpu_mhz = std::stod(*mhz);
    } catch (const std::exception&) {
      info.cpu_mhz = 0;
    }
  }
  auto flags = field(text, "flags");
  if (!flags) flags = field(text, "Features");  // Arm
  if (flags) {
    std::istringstream words(*flags);
    for (std::string w; words >> w;)
      if (w == "avx2" || w == "avx512f" || w == "fma" || w == "neon" || w == "asimd" || w == "asimddp")
        info.cpu_flags.push_back(w);
  }
}

std::optional<double> meminfo_total_gib(const std::string& text) {
  auto total = field(text, "MemTotal");
  if (!total) return std::nullopt;
  try {
    return std::stod(*total) / (1024.0 * 1024.0);  // the value is in kB
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::map<int, std::string> cpuinfo_core_types(const std::string& text) {
  std::map<int, std::string> types;
  // Blocks separated by blank lines, each starting with "processor : N".
  std::istringstream lines(text);
  std::vector<std::string> blocks(1);
  for (std::string line; std::getline(lines, line);) {
    if (trim(line).empty()) {
      if (!blocks.back().empty()) blocks.emplace_back();
      continue;
    }
    blocks.back() += line + "\n";
  }
  for (const std::string& b : blocks) {
    const auto processor = field(b, "processor");
    if (!processor) continue;
    char* end = nullptr;
    const long id = std::strtol(processor->c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || id < 0) continue;  // e.g. "processor : AArch64 ..." on old kernels
    const auto implementer = field(b, "CPU implementer");
    const auto part = field(b, "CPU part");
    if (part && implementer && *implementer == "0x41")
      types[static_cast<int>(id)] = arm_part_name(*part);
    else if (auto model = field(b, "model name"))
      types[static_cast<int>(id)] = *model;
    else if (part)
      types[static_cast<int>(id)] = "part-" + *part + (implementer ? "-impl-" + *implementer : "");
  }
  return types;
}

std::vector<CoreCluster> group_clusters(const std::vector<CoreInfo>& cores) {
  std::vector<CoreCluster> clusters;
  std::vector<CoreInfo> sorted = cores;
  std::sort(sorted.begin(), sorted.end(), [](const CoreInfo& a, const CoreInfo& b) { return a.id < b.id; });
  for (const CoreInfo& core : sorted) {
    auto same = std::find_if(clusters.begin(), clusters.end(), [&](const CoreCluster& c) {
      return c.capacity == core.capacity && c.max_freq_khz == core.max_freq_khz &&
             c.core_type == core.core_type;
    });
    if (same == clusters.end()) {
      clusters.push_back(CoreCluster{core.core_type, core.capacity, core.max_freq_khz, {}});
      same = clusters.end() - 1;
    }
    same->cores.push_back(core.id);
  }
  return clusters;
}

HostInfo detect_host(const std::string& root) {
  HostInfo info;
  const std::string cpu_dir = root + "/sys/devices/system/cpu/";
  info.online_cores = root.empty() ? online_cores() : parse_cpu_list(trim(slurp(cpu_dir + "online")));
  const std::string cpuinfo = slurp(root + "/proc/cpuinfo");
  read_cpuinfo(cpuinfo, info);
  const std::map<int, std::string> types = cpuinfo_core_types(cpuinfo);
  for (int id : info.online_cores) {
    CoreInfo core;
    core.id = id;
    const std::string dir = cpu_dir + "cpu" + std::to_string(id) + "/";
    core.capacity = static_cast<int>(read_number(dir + "cpu_capacity"));
    core.max_freq_khz = read_number(dir + "cpufreq/cpuinfo_max_freq");
    if (auto it = types.find(id); it != types.end()) core.core_type = it->second;
    info.cores.push_back(core);
  }
  info.clusters = group_clusters(info.cores);
  if (auto gib = meminfo_total_gib(slurp(root + "/proc/meminfo"))) info.memory_gib = *gib;
  return info;
}

namespace {

struct CpuPuText {
  std::string id;
  const CoreCluster* cluster = nullptr;
  const ClusterFigures* figures = nullptr;
};

std::string measured_or(double value, int digits, const std::string& how, double estimate,
                        const std::string& estimate_why) {
  if (value > 0) return fixed(value, digits) + "  # source: measured, " + how;
  return fixed(estimate, digits) + "  # source: estimate" + (estimate_why.empty() ? "" : ", " + estimate_why);
}

}  // namespace

std::string draft_soc_yaml(const HostInfo& host, const std::vector<OpenClDeviceInfo>& opencl_devices,
                           const HostFigures* measured) {
  const int cores = std::max<int>(1, static_cast<int>(host.online_cores.size()));
  const double reported_ghz = host.cpu_mhz > 0 ? host.cpu_mhz / 1000.0 : 0.0;
  const bool avx512 = std::count(host.cpu_flags.begin(), host.cpu_flags.end(), "avx512f") > 0;
  const bool avx2 = std::count(host.cpu_flags.begin(), host.cpu_flags.end(), "avx2") > 0;
  // FLOP per cycle per core: two FMA pipes of the widest vector (16 f32 lanes AVX-512,
  // 8 AVX2, 4 for 128-bit NEON/SSE) x 2 FLOP per FMA.
  const int lanes = avx512 ? 16 : avx2 ? 8 : 4;
  const double memory_gb = host.memory_gib > 0 ? host.memory_gib * 1.073741824 : 1.0;

  // Clusters: as detected, or one over the online cores when the host gave none.
  std::vector<CoreCluster> clusters = host.clusters;
  if (clusters.empty()) {
    CoreCluster all;
    all.core_type = host.cpu_model;
    all.cores = host.online_cores;
    if (all.cores.empty()) all.cores = {0};
    clusters.push_back(all);
  }
  std::vector<CpuPuText> cpus;
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    CpuPuText pu;
    pu.id = clusters.size() == 1 ? "cpu" : "cpu" + std::to_string(i);
    pu.cluster = &clusters[i];
    if (measured != nullptr && i < measured->clusters.size() && measured->clusters[i])
      pu.figures = &*measured->clusters[i];
    cpus.push_back(pu);
  }
  // The fastest cluster (capacity, then frequency) hosts the "1core+<device>" variants.
  std::size_t fastest = 0;
  for (std::size_t i = 1; i < clusters.size(); ++i)
    if (std::tie(clusters[i].capacity, clusters[i].max_freq_khz) >
        std::tie(clusters[fastest].capacity, clusters[fastest].max_freq_khz))
      fastest = i;

  const bool any_measured = measured != nullptr;
  // The memory's bandwidth is what the best of the triads reached: a PU's figure above its
  // memory's would be capped by the loader, and on a shared or throttled machine one core
  // sometimes streams faster than all of them together.
  double memory_gbps = 0;
  if (measured != nullptr) {
    if (measured->all_cores_triad_gbps) memory_gbps = *measured->all_cores_triad_gbps;
    for (const auto& c : measured->clusters)
      if (c) memory_gbps = std::max({memory_gbps, c->core_triad_gbps, c->cluster_triad_gbps});
  }
  std::ostringstream y;
  y << "# SoC description of this host, written by `specmap detect`. Figures marked \"source:\n"
       "# measured\" were measured by it on this host (best of a few repetitions, the machine as\n"
       "# it was then); those marked \"source: estimate\" are guesses to replace before trusting\n"
       "# predictions"
    << (any_measured ? "" : " (`specmap detect` without --no-measure measures them)") << ".\n"
    << "version: 1\n"
       "name: host-detected\n"
       "description: "
    << yaml_quoted((host.cpu_model.empty() ? std::string("unknown CPU") : host.cpu_model) + ", " +
              std::to_string(cores) + " online cores in " + std::to_string(clusters.size()) + " cluster" +
              (clusters.size() == 1 ? "" : "s"))
    << "\n\nmemories:\n"
       "  - id: dram\n"
       "    capacity_gb: "
    << fixed(memory_gb, 1)
    << "  # source: /proc/meminfo MemTotal\n"
       "    bandwidth_gbps: "
    << measured_or(memory_gbps, 1, "the best STREAM-like triad (every online core, each cluster, one core)",
                   20.0, "a STREAM triad on every core measures it")
    << "\n\npus:\n";
  for (const CpuPuText& pu : cpus) {
    const CoreCluster& c = *pu.cluster;
    const double freq_ghz = c.max_freq_khz > 0 ? c.max_freq_khz / 1e6 : reported_ghz > 0 ? reported_ghz : 2.0;
    const std::string freq_source = c.max_freq_khz > 0 ? "cpufreq/cpuinfo_max_freq"
                                    : reported_ghz > 0 ? "/proc/cpuinfo cpu MHz"
                                                       : "estimate, not reported";
    const std::string type =
        c.core_type.empty() ? (host.cpu_model.empty() ? "unknown" : host.cpu_model) : c.core_type;
    const std::string first = std::to_string(c.cores.front());
    const ClusterFigures* f = pu.figures;
    const double peak_f32 = f != nullptr && f->peak_gflops_per_core.count(DType::f32)
                                ? f->peak_gflops_per_core.at(DType::f32)
                                : 0.0;
    y << "  - id: " << pu.id << "\n"
      << "    kind: cpu\n"
         "    clusters:\n"
         "      - name: "
      << yaml_quoted(cluster_name(type, static_cast<std::size_t>(&pu - cpus.data())))
      << "\n        core_type: " << yaml_quoted(type) << "\n        cores: " << cores_list(c.cores)
      << "  # source: /sys/devices/system/cpu"
      << (c.capacity > 0 ? " (cpu_capacity " + std::to_string(c.capacity) + ")" : std::string()) << "\n"
      << "    freq_ghz: " << fixed(freq_ghz, 2) << "  # source: " << freq_source << "\n"
      << "    peak_gflops_per_unit:\n"
         "      f32: "
      << measured_or(peak_f32, 1, "single-threaded OpenBLAS SGEMM on core " + first, freq_ghz * lanes * 2 * 2,
                     std::to_string(lanes) + " f32 lanes x 2 FMA pipes x 2 FLOP x freq_ghz");
    // f16 / bf16 widen to f32 in the kernels; q8_0 and q4_0 run as int8 (block dot products).
    for (auto [dtype, name, factor] : {std::tuple{DType::f16, "f16", 1.0}, std::tuple{DType::bf16, "bf16", 1.0},
                                       std::tuple{DType::int8, "int8", 2.0}}) {
      const double rate = f != nullptr && f->peak_gflops_per_core.count(dtype) ? f->peak_gflops_per_core.at(dtype) : 0;
      y << "\n      " << name << ": "
        << measured_or(rate, 1,
                       std::string("the runtime's ") + (dtype == DType::int8 ? "q8_0" : name) +
                           " kernels, 16 rows, one thread on core " + first,
                       (peak_f32 > 0 ? peak_f32 : freq_ghz * lanes * 2 * 2) * factor,
                       dtype == DType::int8 ? "twice f32's" : "as f32 (widened to f32)");
    }
    y << "\n    mem_bw_gbps: "
      << measured_or(f ? f->cluster_triad_gbps : 0, 1, "STREAM-like triad on cores " + cores_list(c.cores),
                     20.0, "")
      << "\n    mem_bw_gbps_per_unit: "
      << measured_or(f ? f->core_triad_gbps : 0, 1, "STREAM-like triad on core " + first, 10.0, "")
      << "\n    unsupported:\n"
         "      # Plain int4 has no kernel (q4_0, ggml's block format, runs as int8 does).\n"
         "      int4: infeasible"
      << "\n    dispatch_overhead_us: "
      << measured_or(f ? f->dispatch_us : 0, 2,
                     "one parallel region on the cluster's idle thread pool, median of its starts", 5, "")
      << "\n    active_power_w: "
      << fixed(5.0 * static_cast<double>(c.cores.size()), 1)
      << "  # source: estimate\n"
         "    idle_power_w: 1  # source: estimate\n"
         "    memory: dram\n";
  }

  // One PU per OpenCL device, and what the loader requires with it: a transfer entry for
  // every ordered pair of PUs.
  std::vector<std::string> ocl_ids;
  std::vector<int> variant_units;
  std::vector<const DeviceFigures*> device_figures;
  const double cpu_ghz = clusters[fastest].max_freq_khz > 0 ? clusters[fastest].max_freq_khz / 1e6
                         : reported_ghz > 0                 ? reported_ghz
                                                            : 2.0;
  for (std::size_t i = 0; i < opencl_devices.size(); ++i) {
    const OpenClDeviceInfo& dev = opencl_devices[i];
    const std::string id = "ocl" + std::to_string(i);
    const bool cpu_type = dev.type == "cpu";
    const int units = std::max<int>(1, static_cast<int>(dev.compute_units));
    const DeviceFigures* f = measured != nullptr && i < measured->devices.size() && measured->devices[i]
                                 ? &*measured->devices[i]
                                 : nullptr;
    device_figures.push_back(f);
    // A CPU-type device (pocl) computes on the host's cores: beside a one-core CPU PU it
    // gets the others, never more, so "1core+<id>" does not oversubscribe the host.
    variant_units.push_back(cpu_type ? std::max(1, std::min(units, cores - 1)) : units);
    ocl_ids.push_back(id);
    y << "  - id: " << id << "\n";
    if (cpu_type)
      y << "    # An OpenCL CPU device (" << dev.platform
        << "): it computes on the host's cores; kind gpu is the SoC format's kind for an\n"
           "    # OpenCL-programmed PU other than the CPU cores the runtime drives itself.\n";
    y << "    kind: " << (dev.type == "accelerator" ? "npu" : "gpu") << "\n"
      << "    units: " << units << "  # source: CL_DEVICE_MAX_COMPUTE_UNITS"
      << (cpu_type ? " (pocl: worker threads)" : "") << "\n"
      << "    freq_ghz: " << fixed(cpu_type ? cpu_ghz : 1.0, 2) << "  # source: estimate\n"
      << "    peak_gflops_per_unit:\n"
         "      f32: "
      << measured_or(f ? f->gemm_gflops / units : 0, 2, "CLBlast SGEMM over all units / units",
                     cpu_type ? 15.0 : 20.0, "an SGEMM through CLBlast measures it")
      << "\n      f16: "
      << fixed(f && f->gemm_gflops > 0 ? f->gemm_gflops / units
               : cpu_type              ? 15.0
                                       : 20.0,
               2)
      << "  # source: as f32, the few-rows kernels read f16 weights and compute in f32"
      << "\n    mem_bw_gbps: "
      << measured_or(f ? f->gemv_gbps : 0, 2, "weight bytes / time of a one-row linear", 5.0,
                     "a one-row linear measures it")
      << "\n    unsupported:\n"
         "      # bf16, q8_0 and q4_0 weights would be promoted to f32 at upload (4 bytes a weight on\n"
         "      # the device), which this description does not model.\n"
         "      bf16: infeasible\n"
         "      int8: infeasible\n"
         "      int4: infeasible\n"
         "    dispatch_overhead_us: "
      << measured_or(f ? f->launch_us : 0, 1, "median of a small kernel enqueued and waited for", 50.0,
                     "an OpenCL kernel launch and clFinish")
      << "\n    active_power_w: 5  # source: estimate\n"
         "    idle_power_w: 0.5  # source: estimate\n"
         "    memory: dram\n"
         "    opencl_device: "
      << yaml_quoted(dev.name) << "  # source: CL_DEVICE_NAME (" << dev.label() << ", " << dev.version
      << (dev.host_unified_memory ? ", host unified memory" : "") << ")\n";
  }
  const std::size_t pu_count = cpus.size() + ocl_ids.size();
  if (pu_count > 1) {
    y << "\ntransfers:\n";
    for (std::size_t a = 0; a < cpus.size(); ++a)
      for (std::size_t b = a + 1; b < cpus.size(); ++b)
        y << "  - {between: [" << cpus[a].id << ", " << cpus[b].id
          << "], latency_us: 1, zero_copy: true}  # source: estimate, both read the same memory\n";
    for (const CpuPuText& cpu : cpus)
      for (std::size_t d = 0; d < ocl_ids.size(); ++d) {
        const DeviceFigures* f = device_figures[d];
        if (f != nullptr && f->to_device_gbps > 0 && f->to_host_gbps > 0) {
          y << "  - {from: " << cpu.id << ", to: " << ocl_ids[d]
            << ", latency_us: " << fixed(f->to_device_latency_us, 1)
            << ", bandwidth_gbps: " << fixed(f->to_device_gbps, 2) << "}  # source: measured, "
            << (f->mapped ? "mapped" : "copied")
            << " boundary tensors of a small and a large size (the runtime's path)\n"
            << "  - {from: " << ocl_ids[d] << ", to: " << cpu.id
            << ", latency_us: " << fixed(f->to_host_latency_us, 1)
            << ", bandwidth_gbps: " << fixed(f->to_host_gbps, 2) << "}  # source: measured, as above\n";
        } else {
          y << "  - {between: [" << cpu.id << ", " << ocl_ids[d]
            << "], latency_us: 50, bandwidth_gbps: 5.0}  # source: estimate, measure the boundary copies\n";
        }
      }
    for (std::size_t a = 0; a < ocl_ids.size(); ++a)
      for (std::size_t b = a + 1; b < ocl_ids.size(); ++b)
        y << "  - {between: [" << ocl_ids[a] << ", " << ocl_ids[b]
          << "], latency_us: 100, bandwidth_gbps: 2.5}  # source: estimate, two copies through host memory\n";
  }
  y << "\ndesign_variants:\n";
  for (const CpuPuText& pu : cpus)
    for (std::size_t n = 1; n <= pu.cluster->cores.size(); ++n)
      y << "  - {name: \"" << (cpus.size() == 1 ? "" : pu.id + "-") << n << "core\", units: {" << pu.id
        << ": " << n << "}}\n";
  if (cpus.size() > 1) {
    y << "  - {name: \"all-cores\", units: {";
    for (std::size_t i = 0; i < cpus.size(); ++i)
      y << (i ? ", " : "") << cpus[i].id << ": " << cpus[i].cluster->cores.size();
    y << "}}\n";
  }
  for (std::size_t i = 0; i < variant_units.size(); ++i)
    y << "  - {name: \"1core+" << ocl_ids[i] << "\", units: {" << cpus[fastest].id << ": 1, " << ocl_ids[i]
      << ": " << variant_units[i] << "}}\n";
  return y.str();
}

}  // namespace specmap::runtime
