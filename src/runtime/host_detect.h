#pragma once
// What this host offers the runtime: online cores, CPU model and memory, read from
// /proc and /sys, and a first SoC description of it for the user to complete with
// measurements.
#include <optional>
#include <string>
#include <vector>

#include "runtime/opencl/opencl_device.h"

namespace specmap::runtime {

struct HostInfo {
  std::vector<int> online_cores;
  std::string cpu_model;               // /proc/cpuinfo "model name" (empty when not reported)
  double cpu_mhz = 0;                  // /proc/cpuinfo "cpu MHz" of the first core; 0 when not reported
  double memory_gib = 0;               // /proc/meminfo MemTotal
  std::vector<std::string> cpu_flags;  // the SIMD-relevant ones: avx2, avx512f, fma, neon, asimd
};

// Reads the live system; fields it cannot read stay empty / zero. Makes no OpenCL call (the
// first one in a process fixes pocl's threads, see opencl_device.h): list the devices with
// list_opencl_devices() where they are wanted.
HostInfo detect_host();

// From the text of /proc/cpuinfo and /proc/meminfo (separate for tests).
void read_cpuinfo(const std::string& text, HostInfo& info);
std::optional<double> meminfo_total_gib(const std::string& text);

// A SoC YAML (valid for load_soc) with one CPU PU over the online cores, a "<n>core"
// design variant per core count, and every figure not read from the system marked
// "# source: estimate" (replace them with measurements). With OpenCL devices: one PU per
// device ("ocl0", "ocl1", ...; kind gpu, or npu for an accelerator; a CPU-type device such
// as pocl is also kind gpu, commented as such), a transfer entry between every pair of PUs
// (estimates), and a variant "1core+<id>" per device; a CPU-type device gets the cores the
// one-core CPU PU leaves, so the variant does not oversubscribe the host.
std::string draft_soc_yaml(const HostInfo& host, const std::vector<OpenClDeviceInfo>& opencl_devices = {});

}  // namespace specmap::runtime
