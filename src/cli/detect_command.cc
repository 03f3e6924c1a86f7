// `specmap detect`: what this host offers the runtime, and a first SoC description of it.
#include <sched.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/format.h"
#include "describe/loaders.h"
#include "runtime/cpu/core_set.h"
#include "runtime/measure/host_detect.h"
#include "runtime/measure/host_figures.h"

namespace specmap::cli {

namespace {

struct DetectOptions {
  std::string out;
  std::string root;  // "" = the live system
  bool quick = false;
  bool no_measure = false;
};

std::string cores_text(const std::vector<int>& cores) { return runtime::make_core_set(cores).to_string(); }

void print_figures(const runtime::HostInfo& host, const std::vector<runtime::OpenClDeviceInfo>& devices,
                   const runtime::HostFigures& f) {
  for (std::size_t i = 0; i < host.clusters.size() && i < f.clusters.size(); ++i) {
    if (!f.clusters[i]) continue;
    const runtime::ClusterFigures& c = *f.clusters[i];
    std::cout << "measured cluster " << cores_text(host.clusters[i].cores) << ": triad "
              << fixed(c.core_triad_gbps, 1) << " GB/s on one core, " << fixed(c.cluster_triad_gbps, 1)
              << " GB/s on all";
    if (auto it = c.peak_gflops_per_core.find(DType::f32); it != c.peak_gflops_per_core.end())
      std::cout << ", SGEMM " << fixed(it->second, 1) << " GFLOP/s on one core";
    for (auto [dtype, name] : {std::pair{DType::f16, "f16"}, std::pair{DType::bf16, "bf16"},
                               std::pair{DType::int8, "q8_0"}})
      if (auto it = c.peak_gflops_per_core.find(dtype); it != c.peak_gflops_per_core.end())
        std::cout << ", " << name << " kernels " << fixed(it->second, 1);
    if (c.dispatch_us > 0) std::cout << ", dispatch " << fixed(c.dispatch_us, 2) << " us";
    std::cout << "\n";
  }
  if (f.all_cores_triad_gbps && host.clusters.size() > 1)
    std::cout << "measured every online core: triad " << fixed(*f.all_cores_triad_gbps, 1) << " GB/s\n";
  for (std::size_t i = 0; i < devices.size() && i < f.devices.size(); ++i) {
    if (!f.devices[i]) continue;
    const runtime::DeviceFigures& d = *f.devices[i];
    std::cout << "measured " << devices[i].label() << ": one-row linear " << fixed(d.gemv_gbps, 2)
              << " GB/s, SGEMM " << fixed(d.gemm_gflops, 1) << " GFLOP/s, launch " << fixed(d.launch_us, 1)
              << " us, to device " << fixed(d.to_device_latency_us, 1) << " us + "
              << fixed(d.to_device_gbps, 2) << " GB/s, to host " << fixed(d.to_host_latency_us, 1) << " us + "
              << fixed(d.to_host_gbps, 2) << " GB/s\n";
  }
  for (const std::string& note : f.notes_measured) std::cout << "measured " << note << "\n";
  for (const std::string& note : f.notes) std::cout << "not measured: " << note << "\n";
}

// Another board's sys/devices/system/cpu/online ("0-3,6"), read strictly: the live system's
// reader skips what it cannot parse and stops at CPU_SETSIZE, which on a copied file would
// silently drop cores ("0-3,x" read as 0-3, "0-99999999" as the first 1024).
Status check_online_list(const std::string& root) {
  const std::string path = root + "/sys/devices/system/cpu/online";
  auto text = read_text_input(path);
  if (!text) return text.error();
  std::string list = *text;
  while (!list.empty() && (list.back() == '\n' || list.back() == ' ')) list.pop_back();
  if (list.empty()) return Error{"the list of online cores is empty", path, 1};
  if (list.find('\n') != std::string::npos) return Error{"expected one line (a list such as 0-3,6)", path, 1};
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t end = std::min(list.find(',', at), list.size());
    const std::string item = list.substr(at, end - at);
    const std::size_t dash = item.find('-');
    auto core = [&](const std::string& digits) -> std::optional<long long> {
      if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
      return std::stoll(digits);
    };
    const auto first = core(item.substr(0, dash));
    const auto last = dash == std::string::npos ? first : core(item.substr(dash + 1));
    const int column = static_cast<int>(at) + 1;
    if (!first || !last || *last < *first)
      return Error{"'" + item + "' is not a core number or a range N-M (the list reads like 0-3,6)", path, 1,
                   column};
    if (*last >= CPU_SETSIZE)
      return Error{"core " + std::to_string(*last) + " is beyond the " + std::to_string(CPU_SETSIZE) +
                       " cores specmap can pin threads to",
                   path, 1, column};
    at = end + 1;
  }
  return {};
}

int run_detect(const DetectOptions& opt) {
  if (!opt.root.empty())
    if (Status st = check_online_list(opt.root); !st) return report_error(st.error(), kExitBadInput);
  const runtime::HostInfo host = runtime::detect_host(opt.root);
  if (!opt.root.empty() && host.online_cores.empty())
    return report_error(
        Error{"no online cores under '" + opt.root + "' (expected sys/devices/system/cpu/online)",
              opt.root + "/sys/devices/system/cpu/online"},
        kExitBadInput);
  std::cout << "CPU: " << (host.cpu_model.empty() ? "(model not reported)" : host.cpu_model) << "\n";
  std::cout << "online cores: " << host.online_cores.size() << " " << cores_text(host.online_cores) << "\n";
  for (const runtime::CoreCluster& c : host.clusters) {
    std::cout << "  cluster " << cores_text(c.cores) << ": "
              << (c.core_type.empty() ? "(type not reported)" : c.core_type);
    if (c.capacity > 0) std::cout << ", capacity " << c.capacity;
    if (c.max_freq_khz > 0) std::cout << ", max " << fixed(c.max_freq_khz / 1e6, 2) << " GHz";
    std::cout << "\n";
  }
  if (host.cpu_mhz > 0)
    std::cout << "clock: " << fixed(host.cpu_mhz, 0) << " MHz (as /proc/cpuinfo reports it)\n";
  if (!host.cpu_flags.empty()) {
    std::cout << "SIMD:";
    for (const auto& f : host.cpu_flags) std::cout << ' ' << f;
    std::cout << "\n";
  }
  std::cout << "memory: " << fixed(host.memory_gib, 1) << " GiB\n";
  // Another board's files describe its cores only: this host's OpenCL devices and figures
  // would be written into that board's description as if they were its own.
  const bool other_board = !opt.root.empty();
  const std::vector<runtime::OpenClDeviceInfo> devices =
      other_board ? std::vector<runtime::OpenClDeviceInfo>{} : runtime::list_opencl_devices();
  if (other_board) {
    std::cout << "OpenCL: not listed (--root reads another board's files; run detect on the board for its "
                 "devices)\n";
  } else if (!runtime::opencl_built()) {
    std::cout << "OpenCL: " << runtime::opencl_unavailable_reason() << "\n";
  } else if (devices.empty()) {
    std::cout << "OpenCL: no platform or device found (is an ICD such as pocl-opencl-icd installed?)\n";
  } else {
    std::cout << "OpenCL: " << devices.size() << " device" << (devices.size() == 1 ? "" : "s") << "\n";
    for (const auto& d : devices)
      std::cout << "  " << d.platform << " / " << d.name << ": " << d.type << ", " << d.compute_units
                << " compute units, " << fixed(double(d.global_memory_bytes) / (1024.0 * 1024.0 * 1024.0), 1)
                << " GiB, " << d.version << "\n";
  }
  std::optional<runtime::HostFigures> figures;
  if (other_board && !opt.no_measure) {
    std::cout << "not measured: --root reads another board's files; run detect on the board to measure it\n";
  } else if (!opt.no_measure) {
    runtime::HostMeasureOptions measure;
    measure.quick = opt.quick;
    measure.on_step = [](const std::string& what) { std::cerr << "measuring " << what << "...\n"; };
    figures = runtime::measure_host(host, devices, measure);
    print_figures(host, devices, *figures);
  }
  if (opt.out.empty()) return kExitOk;

  const std::string yaml = runtime::draft_soc_yaml(host, devices, figures ? &*figures : nullptr);
  // The description must load: a file `specmap check` rejects would be a poor starting point.
  if (auto soc = parse_soc(yaml, opt.out); !soc) return report_error(soc.error(), kExitFailure);
  if (auto st = write_file_atomic(opt.out, yaml); !st) return report_write_error(st.error());
  std::cout
      << "wrote " << opt.out
      << (figures ? " (figures marked 'source: measured' were measured now; 'source: estimate' are guesses)\n"
                  : " (not measured: figures marked 'source: estimate' are guesses)\n");
  return kExitOk;
}

}  // namespace

void add_detect_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<DetectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "detect", "List this host's CPU clusters, memory and OpenCL devices, measure them, write a SoC YAML");
  cmd->footer(
      "Example:\n  specmap detect --out configs/soc/my-host.yaml\n"
      "Groups the online cores into clusters by cpu_capacity, cpufreq/cpuinfo_max_freq and the core\n"
      "type of /proc/cpuinfo, and measures (a few seconds each) the streaming bandwidth on one core\n"
      "and on each cluster, single-core SGEMM, and per OpenCL device the one-row linear bandwidth, SGEMM,\n"
      "kernel launch and the host-device copies. With --out, writes a SoC YAML: one CPU PU per\n"
      "cluster listing its cores, a variant per core count, one PU per OpenCL device with the\n"
      "transfers and a variant \"1core+<id>\"; measured figures say 'source: measured'.");
  cmd->add_option("--out", opt->out, "Write the SoC YAML to this file")->check(non_empty());
  cmd->add_flag("--quick", opt->quick,
                "Measure with small sizes (well under a second each; rougher figures)");
  cmd->add_flag("--no-measure", opt->no_measure,
                "Measure nothing: write estimates (marked 'source: estimate')");
  cmd->add_option("--root", opt->root,
                  "Read sys/devices/system/cpu and proc/{cpuinfo,meminfo} under this directory instead of / "
                  "(a copy of another board's files); lists no OpenCL devices and measures nothing")
      ->check(CLI::ExistingDirectory);
  cmd->callback([opt, &runner] { runner = [opt] { return run_detect(*opt); }; });
}

}  // namespace specmap::cli
