#pragma once
// What this host offers the runtime: online cores, CPU model and memory, read from
// /proc and /sys, and a first SoC description of it for the user to complete with
// measurements.
#include <optional>
#include <string>
#include <vector>

namespace specmap::runtime {

struct HostInfo {
  std::vector<int> online_cores;
  std::string cpu_model;               // /proc/cpuinfo "model name" (empty when not reported)
  double cpu_mhz = 0;                  // /proc/cpuinfo "cpu MHz" of the first core; 0 when not reported
  double memory_gib = 0;               // /proc/meminfo MemTotal
  std::vector<std::string> cpu_flags;  // the SIMD-relevant ones: avx2, avx512f, fma, neon, asimd
};

// Reads the live system; fields it cannot read stay empty / zero.
HostInfo detect_host();

// From the text of /proc/cpuinfo and /proc/meminfo (separate for tests).
void read_cpuinfo(const std::string& text, HostInfo& info);
std::optional<double> meminfo_total_gib(const std::string& text);

// A SoC YAML (valid for load_soc) with one CPU PU over the online cores, a "<n>core"
// design variant per core count, and every figure not read from the system marked
// "# source: estimate" (replace them with measurements).
std::string draft_soc_yaml(const HostInfo& host);

}  // namespace specmap::runtime
