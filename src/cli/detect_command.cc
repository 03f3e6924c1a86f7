// `specmap detect`: what this host offers the runtime, and a first SoC description of it.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/files.h"
#include "core/format.h"
#include "describe/loaders.h"
#include "runtime/host_detect.h"

namespace specmap::cli {

namespace {

int run_detect(const std::string& out) {
  const runtime::HostInfo host = runtime::detect_host();
  std::cout << "CPU: " << (host.cpu_model.empty() ? "(model not reported)" : host.cpu_model) << "\n";
  std::cout << "online cores: " << host.online_cores.size() << " {";
  for (std::size_t i = 0; i < host.online_cores.size(); ++i)
    std::cout << (i ? "," : "") << host.online_cores[i];
  std::cout << "}\n";
  if (host.cpu_mhz > 0)
    std::cout << "clock: " << fixed(host.cpu_mhz, 0) << " MHz (as /proc/cpuinfo reports it)\n";
  if (!host.cpu_flags.empty()) {
    std::cout << "SIMD:";
    for (const auto& f : host.cpu_flags) std::cout << ' ' << f;
    std::cout << "\n";
  }
  std::cout << "memory: " << fixed(host.memory_gib, 1) << " GiB\n";
  const std::vector<runtime::OpenClDeviceInfo> devices = runtime::list_opencl_devices();
  if (!runtime::opencl_built()) {
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
  if (out.empty()) return kExitOk;

  const std::string yaml = runtime::draft_soc_yaml(host, devices);
  // The draft must load: a file `specmap check` rejects would be a poor starting point.
  if (auto soc = parse_soc(yaml, out); !soc) return report_error(soc.error(), kExitFailure);
  if (auto st = write_file_atomic(out, yaml); !st) return report_error(st.error(), kExitFailure);
  std::cout << "wrote " << out << " (figures marked 'source: estimate' still need measuring)\n";
  return kExitOk;
}

}  // namespace

void add_detect_command(CLI::App& app, Runner& runner) {
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("detect", "List this host's CPU cores, memory and OpenCL devices");
  cmd->footer(
      "Example:\n  specmap detect --out configs/soc/my-host.yaml\n"
      "With --out, also writes a draft SoC YAML (one CPU PU over the online cores, a design variant\n"
      "per core count, and one PU per OpenCL device found with a transfer entry and a variant\n"
      "\"1core+<id>\"); replace the figures marked 'source: estimate' with measurements.");
  cmd->add_option("--out", *out, "Write a draft SoC YAML to this file");
  cmd->callback([out, &runner] { runner = [out] { return run_detect(*out); }; });
}

}  // namespace specmap::cli
