#pragma once
// What this host offers the runtime: online cores grouped into clusters, CPU model and
// memory, read from /proc and /sys, and a SoC description of it with measured figures
// (runtime/measure, runtime/opencl/device_probe.h) where they were measured.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "runtime/opencl/opencl_device.h"

namespace specmap::runtime {

// One online core as sysfs and /proc/cpuinfo describe it; 0 / empty when not reported.
struct CoreInfo {
  int id = 0;
  int capacity = 0;            // cpuN/cpu_capacity (Arm's relative performance, 1024 = the fastest)
  long long max_freq_khz = 0;  // cpuN/cpufreq/cpuinfo_max_freq
  std::string core_type;       // "cortex-a76" from the Arm "CPU part", else the "model name"
};

// Cores of equal capacity, maximum frequency and core type: one CPU PU of the draft SoC.
struct CoreCluster {
  std::string core_type;
  int capacity = 0;
  long long max_freq_khz = 0;
  std::vector<int> cores;  // ascending
};

struct HostInfo {
  std::vector<int> online_cores;
  std::vector<CoreInfo> cores;         // one per online core, ascending id
  std::vector<CoreCluster> clusters;   // by first core
  std::string cpu_model;               // /proc/cpuinfo "model name" (empty when not reported)
  double cpu_mhz = 0;                  // /proc/cpuinfo "cpu MHz" of the first core; 0 when not reported
  double memory_gib = 0;               // /proc/meminfo MemTotal
  std::vector<std::string> cpu_flags;  // the SIMD-relevant ones: avx2, avx512f, fma, neon, asimd
};

// Reads the system under `root` (root + "/sys/devices/system/cpu/...", root + "/proc/cpuinfo";
// "" is the live system, a test points it at a fake tree); fields it cannot read stay empty
// / zero. Makes no OpenCL call (the first one in a process fixes pocl's threads, see
// opencl_device.h): list the devices with list_opencl_devices() where they are wanted.
HostInfo detect_host(const std::string& root = "");

// From the text of /proc/cpuinfo and /proc/meminfo (separate for tests).
void read_cpuinfo(const std::string& text, HostInfo& info);
std::optional<double> meminfo_total_gib(const std::string& text);
// Core type per "processor" block of /proc/cpuinfo: the Arm part name ("cortex-a76" for CPU
// part 0xd0b of implementer 0x41) or the "model name"; cores without either are absent.
std::map<int, std::string> cpuinfo_core_types(const std::string& text);
// Groups cores of equal (capacity, max frequency, core type), ordered by their first core.
std::vector<CoreCluster> group_clusters(const std::vector<CoreInfo>& cores);

// Measured figures for draft_soc_yaml; a missing one keeps its estimate.
struct ClusterFigures {
  double core_triad_gbps = 0;     // one core
  double cluster_triad_gbps = 0;  // every core of the cluster at once
  std::map<DType, double> peak_gflops_per_core;
  double dispatch_us = 0;  // starting a region on the cluster's idle cores (0: not measured)
};
struct DeviceFigures {
  double gemv_gbps = 0;
  double gemm_gflops = 0;  // whole device
  double launch_us = 0;
  double to_device_latency_us = 0, to_device_gbps = 0;
  double to_host_latency_us = 0, to_host_gbps = 0;
  bool mapped = false;  // the runtime maps boundary tensors (host-unified memory) instead of copying
};
struct HostFigures {
  std::vector<std::optional<ClusterFigures>> clusters;  // per HostInfo::clusters
  std::optional<double> all_cores_triad_gbps;           // every online core at once
  std::vector<std::optional<DeviceFigures>> devices;    // per OpenCL device
  std::vector<std::string> notes;                       // why a figure was not measured
  std::vector<std::string> notes_measured;              // figures beside the YAML's (both boundary paths)
};

// A SoC YAML (valid for load_soc) with one CPU PU per cluster listing its cores ("cpu" when
// there is one cluster, else "cpu0", "cpu1", ... by first core), a "<n>core" design variant
// per core count of each cluster ("<pu>-<n>core" with several), figures from `measured`
// marked "# source: measured, ..." and every other figure not read from the system marked
// "# source: estimate". With OpenCL devices: one PU per
// device ("ocl0", "ocl1", ...; kind gpu, or npu for an accelerator; a CPU-type device such
// as pocl is also kind gpu, commented as such), a transfer entry between every pair of PUs
// (estimates), and a variant "1core+<id>" per device; a CPU-type device gets the cores the
// one-core CPU PU leaves, so the variant does not oversubscribe the host.
std::string draft_soc_yaml(const HostInfo& host, const std::vector<OpenClDeviceInfo>& opencl_devices = {},
                           const HostFigures* measured = nullptr);

}  // namespace specmap::runtime
