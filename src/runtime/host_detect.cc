#include "runtime/host_detect.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/format.h"
#include "runtime/cpu/core_set.h"

namespace specmap::runtime {

namespace {

std::string slurp(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
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

// YAML double-quoted scalar.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
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

HostInfo detect_host() {
  HostInfo info;
  info.online_cores = online_cores();
  read_cpuinfo(slurp("/proc/cpuinfo"), info);
  if (auto gib = meminfo_total_gib(slurp("/proc/meminfo"))) info.memory_gib = *gib;
  return info;
}

std::string draft_soc_yaml(const HostInfo& host, const std::vector<OpenClDeviceInfo>& opencl_devices) {
  const int cores = std::max<int>(1, static_cast<int>(host.online_cores.size()));
  const double freq_ghz = host.cpu_mhz > 0 ? host.cpu_mhz / 1000.0 : 2.0;
  const bool avx512 = std::count(host.cpu_flags.begin(), host.cpu_flags.end(), "avx512f") > 0;
  const bool avx2 = std::count(host.cpu_flags.begin(), host.cpu_flags.end(), "avx2") > 0;
  // FLOP per cycle per core: two FMA pipes of the widest vector (16 f32 lanes AVX-512,
  // 8 AVX2, 4 for 128-bit NEON/SSE) x 2 FLOP per FMA.
  const int lanes = avx512 ? 16 : avx2 ? 8 : 4;
  const double peak = freq_ghz * lanes * 2 * 2;
  const double memory_gb = host.memory_gib > 0 ? host.memory_gib * 1.073741824 : 1.0;

  std::ostringstream y;
  y << "# Draft SoC description of this host, written by `specmap detect`. Figures marked\n"
       "# \"source: estimate\" are guesses: replace them with measurements (e.g. sgemm GFLOP/s on\n"
       "# one core, STREAM triad GB/s) before trusting predictions.\n"
       "version: 1\n"
       "name: host-detected\n"
       "description: "
    << quoted((host.cpu_model.empty() ? std::string("unknown CPU") : host.cpu_model) + ", " +
              std::to_string(cores) + " online cores")
    << "\n\nmemories:\n"
       "  - id: dram\n"
       "    capacity_gb: "
    << fixed(memory_gb, 1)
    << "  # source: /proc/meminfo MemTotal\n"
       "    bandwidth_gbps: 20.0  # source: estimate, measure a STREAM triad\n"
       "\npus:\n"
       "  - id: cpu\n"
       "    kind: cpu\n"
       "    clusters:\n"
       "      - name: cores\n"
       "        core_type: "
    << quoted(host.cpu_model.empty() ? "unknown" : host.cpu_model) << "\n        cores: " << cores
    << "  # source: /sys/devices/system/cpu/online\n"
    << "    freq_ghz: " << fixed(freq_ghz, 2)
    << (host.cpu_mhz > 0 ? "  # source: /proc/cpuinfo cpu MHz\n" : "  # source: estimate, not reported\n")
    << "    peak_gflops_per_unit:\n"
       "      f32: "
    << fixed(peak, 1) << "  # source: estimate, " << lanes
    << " f32 lanes x 2 FMA pipes x 2 FLOP x freq_ghz; measure sgemm on one core\n"
       "    mem_bw_gbps: 20.0  # source: estimate, measure a STREAM triad on all cores\n"
       "    mem_bw_gbps_per_unit: 10.0  # source: estimate, measure a STREAM triad on one core\n"
       "    unsupported:\n"
       "      # The runtime computes in f32 only.\n"
       "      f16: infeasible\n"
       "      bf16: infeasible\n"
       "      int8: infeasible\n"
       "      int4: infeasible\n"
       "    dispatch_overhead_us: 5  # source: estimate\n"
       "    active_power_w: "
    << fixed(5.0 * cores, 1)
    << "  # source: estimate\n"
       "    idle_power_w: 1  # source: estimate\n"
       "    memory: dram\n";

  // One PU per OpenCL device, and what the loader requires with it: a transfer entry for
  // every ordered pair of PUs.
  std::vector<std::string> ids = {"cpu"};
  std::vector<int> variant_units;
  for (std::size_t i = 0; i < opencl_devices.size(); ++i) {
    const OpenClDeviceInfo& dev = opencl_devices[i];
    const std::string id = "ocl" + std::to_string(i);
    const bool cpu_type = dev.type == "cpu";
    const int units = std::max<int>(1, static_cast<int>(dev.compute_units));
    // A CPU-type device (pocl) computes on the host's cores: beside a one-core CPU PU it
    // gets the others, never more, so "1core+<id>" does not oversubscribe the host.
    variant_units.push_back(cpu_type ? std::max(1, std::min(units, cores - 1)) : units);
    ids.push_back(id);
    y << "  - id: " << id << "\n";
    if (cpu_type)
      y << "    # An OpenCL CPU device (" << dev.platform
        << "): it computes on the host's cores; kind gpu is the SoC format's kind for an\n"
           "    # OpenCL-programmed PU other than the CPU cores the runtime drives itself.\n";
    y << "    kind: " << (dev.type == "accelerator" ? "npu" : "gpu") << "\n"
      << "    units: " << units << "  # source: CL_DEVICE_MAX_COMPUTE_UNITS"
      << (cpu_type ? " (pocl: worker threads)" : "") << "\n"
      << "    freq_ghz: " << fixed(cpu_type ? freq_ghz : 1.0, 2) << "  # source: estimate\n"
      << "    peak_gflops_per_unit:\n"
         "      f32: "
      << fixed(cpu_type ? 15.0 : 20.0, 1)
      << "  # source: estimate, measure an SGEMM through CLBlast on this device\n"
         "    mem_bw_gbps: 5.0  # source: estimate, measure an SGEMV through CLBlast on this device\n"
         "    unsupported:\n"
         "      # The runtime computes in f32 only.\n"
         "      f16: infeasible\n"
         "      bf16: infeasible\n"
         "      int8: infeasible\n"
         "      int4: infeasible\n"
         "    dispatch_overhead_us: 50  # source: estimate, an OpenCL kernel launch and clFinish\n"
         "    active_power_w: 5  # source: estimate\n"
         "    idle_power_w: 0.5  # source: estimate\n"
         "    memory: dram\n"
         "    opencl_device: "
      << quoted(dev.name) << "  # source: CL_DEVICE_NAME (" << dev.label() << ", " << dev.version << ")\n";
  }
  if (ids.size() > 1) {
    y << "\ntransfers:\n";
    for (std::size_t a = 0; a < ids.size(); ++a)
      for (std::size_t b = a + 1; b < ids.size(); ++b)
        y << "  - {between: [" << ids[a] << ", " << ids[b]
          << "], latency_us: 50, bandwidth_gbps: 5.0}  # source: estimate, measure the boundary copies\n";
  }
  y << "\ndesign_variants:\n";
  for (int n = 1; n <= cores; ++n) y << "  - {name: \"" << n << "core\", units: {cpu: " << n << "}}\n";
  for (std::size_t i = 0; i < variant_units.size(); ++i)
    y << "  - {name: \"1core+" << ids[i + 1] << "\", units: {cpu: 1, " << ids[i + 1] << ": " << variant_units[i]
      << "}}\n";
  return y.str();
}

}  // namespace specmap::runtime
