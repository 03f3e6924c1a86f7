// `specmap detect`'s reading of a board: cores grouped into clusters from a fake sysfs tree
// of a big.LITTLE SoC, the SoC YAML written from them (one CPU PU per cluster naming its
// cores), measured figures marked as such, and a small real measurement on this host.
#include "runtime/measure/host_detect.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "describe/loaders.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/measure/cpu_measure.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// An RK3588-like tree: cores 0-3 Cortex-A55 (capacity 414, 1.8 GHz), 4-7 Cortex-A76 (1024,
// 2.4 GHz); core 7 has no cpufreq directory in `broken` to show a core that reports less.
fs::path fake_board(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / ("specmap_fake_board_" + name);
  fs::remove_all(root);
  write(root / "sys/devices/system/cpu/online", "0-7\n");
  std::string cpuinfo;
  for (int core = 0; core < 8; ++core) {
    const bool big = core >= 4;
    const fs::path dir = root / "sys/devices/system/cpu" / ("cpu" + std::to_string(core));
    write(dir / "cpu_capacity", big ? "1024\n" : "414\n");
    write(dir / "cpufreq/cpuinfo_max_freq", big ? "2400000\n" : "1800000\n");
    cpuinfo += "processor\t: " + std::to_string(core) +
               "\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd asimddp\nCPU implementer\t: 0x41\n"
               "CPU architecture: 8\nCPU variant\t: 0x" +
               std::string(big ? "4" : "2") + "\nCPU part\t: " + (big ? "0xd0b" : "0xd05") +
               "\nCPU revision\t: 0\n\n";
  }
  write(root / "proc/cpuinfo", cpuinfo);
  write(root / "proc/meminfo", "MemTotal:       16777216 kB\n");
  return root;
}

TEST(HostClusters, FakeBigLittleTreeGivesTwoClusters) {
  const fs::path root = fake_board("two");
  const HostInfo host = detect_host(root.string());
  EXPECT_EQ(host.online_cores, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  ASSERT_EQ(host.cores.size(), 8u);
  EXPECT_EQ(host.cores[5].capacity, 1024);
  EXPECT_EQ(host.cores[5].max_freq_khz, 2400000);
  EXPECT_EQ(host.cores[5].core_type, "cortex-a76");
  EXPECT_EQ(host.cores[0].core_type, "cortex-a55");
  ASSERT_EQ(host.clusters.size(), 2u);
  EXPECT_EQ(host.clusters[0].cores, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(host.clusters[1].cores, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(host.clusters[1].core_type, "cortex-a76");
  EXPECT_DOUBLE_EQ(host.memory_gib, 16.0);
  EXPECT_NE(std::find(host.cpu_flags.begin(), host.cpu_flags.end(), "asimddp"), host.cpu_flags.end());

  const std::string yaml = draft_soc_yaml(host);
  auto soc = parse_soc(yaml, "detected.yaml");
  ASSERT_TRUE(soc.ok()) << soc.error().format() << "\n" << yaml;
  ASSERT_EQ(soc->pus.size(), 2u);
  EXPECT_EQ(soc->pus[0].id, "cpu0");
  EXPECT_EQ(soc->pus[1].id, "cpu1");
  EXPECT_EQ(soc->pus[1].named_cores(), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(soc->pus[1].clusters[0].core_type, "cortex-a76");
  EXPECT_DOUBLE_EQ(soc->pus[1].freq_ghz, 2.4);
  EXPECT_DOUBLE_EQ(soc->pus[0].freq_ghz, 1.8);
  // 4 + 4 per-cluster variants and one with every core.
  ASSERT_EQ(soc->variants.size(), 9u);
  EXPECT_EQ(soc->variants[4].name, "cpu1-1core");
  EXPECT_EQ(soc->variants[4].units, (std::vector<int>{0, 1}));
  EXPECT_EQ(soc->variants[8].units, (std::vector<int>{4, 4}));
  EXPECT_EQ(yaml.find("source: measured"), std::string::npos);  // nothing was measured
  fs::remove_all(root);
}

TEST(HostClusters, CoresDifferingInFrequencyOnlyAreSeparateClustersAndMissingFilesAreUnknown) {
  const fs::path root = fake_board("freq");
  write(root / "sys/devices/system/cpu/cpu7/cpufreq/cpuinfo_max_freq", "2256000\n");  // a slower A76
  fs::remove(root / "sys/devices/system/cpu/cpu3/cpu_capacity");
  const HostInfo host = detect_host(root.string());
  ASSERT_EQ(host.clusters.size(), 4u);
  EXPECT_EQ(host.clusters[0].cores, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(host.clusters[1].cores, (std::vector<int>{3}));
  EXPECT_EQ(host.clusters[1].capacity, 0);
  EXPECT_EQ(host.clusters[3].cores, (std::vector<int>{7}));
  EXPECT_TRUE(parse_soc(draft_soc_yaml(host), "detected.yaml").ok());
  fs::remove_all(root);
}

TEST(HostClusters, MeasuredFiguresAreWrittenAndMarked) {
  const fs::path root = fake_board("measured");
  const HostInfo host = detect_host(root.string());
  HostFigures figures;
  figures.clusters.push_back(std::nullopt);  // the little cluster was not measured
  ClusterFigures big;
  big.core_triad_gbps = 12.5;
  big.cluster_triad_gbps = 21.3;
  big.peak_gflops_per_core[DType::f32] = 30.75;
  big.peak_gflops_per_core[DType::f16] = 24.5;
  big.peak_gflops_per_core[DType::int8] = 61.0;
  big.dispatch_us = 7.25;
  figures.clusters.push_back(big);
  figures.all_cores_triad_gbps = 23.5;
  DeviceFigures mali;
  mali.gemv_gbps = 8.5;
  mali.gemm_gflops = 100;
  mali.launch_us = 40;
  mali.to_device_latency_us = 20;
  mali.to_device_gbps = 6;
  mali.to_host_latency_us = 25;
  mali.to_host_gbps = 5;
  figures.devices.push_back(mali);
  OpenClDeviceInfo gpu{"ARM Platform", "Mali-G610", "OpenCL 3.0", "gpu", 4, 1 << 30};
  const std::string yaml = draft_soc_yaml(host, {gpu}, &figures);
  auto soc = parse_soc(yaml, "detected.yaml");
  ASSERT_TRUE(soc.ok()) << soc.error().format() << "\n" << yaml;
  EXPECT_DOUBLE_EQ(soc->pus[1].mem_bw_gbps, 21.3);  // one decimal in the file
  EXPECT_DOUBLE_EQ(soc->pus[1].mem_bw_gbps_per_unit, 12.5);
  EXPECT_DOUBLE_EQ(soc->pus[1].peak_gflops_per_unit.at(DType::f32), 30.8);
  EXPECT_DOUBLE_EQ(soc->memories[0].bandwidth_gbps, 23.5);
  // Per stored type: measured on the big cluster (bf16 was not: it keeps the f32 figure as its
  // estimate); the little cluster's estimates (int8 at twice its f32 estimate).
  EXPECT_DOUBLE_EQ(soc->pus[1].peak_gflops_per_unit.at(DType::f16), 24.5);
  EXPECT_DOUBLE_EQ(soc->pus[1].peak_gflops_per_unit.at(DType::int8), 61.0);
  EXPECT_DOUBLE_EQ(soc->pus[1].peak_gflops_per_unit.at(DType::bf16), 30.8);
  EXPECT_DOUBLE_EQ(soc->pus[0].peak_gflops_per_unit.at(DType::int8),
                   2 * soc->pus[0].peak_gflops_per_unit.at(DType::f32));
  EXPECT_FALSE(soc->pus[0].execution(DType::int4).has_value());
  EXPECT_NE(yaml.find("f16: 24.5  # source: measured, the runtime's f16 kernels"), std::string::npos) << yaml;
  EXPECT_DOUBLE_EQ(soc->pus[2].mem_bw_gbps, 8.5);
  EXPECT_DOUBLE_EQ(soc->pus[2].peak_gflops_per_unit.at(DType::f32), 25.0);  // per unit
  // The few-rows kernels read f16 weights on the device: f16 runs there at the f32 rate.
  ASSERT_TRUE(soc->pus[2].execution(DType::f16).has_value());
  EXPECT_DOUBLE_EQ(soc->pus[2].peak_gflops_per_unit.at(DType::f16), 25.0);
  EXPECT_DOUBLE_EQ(soc->pus[2].dispatch_overhead_us, 40.0);
  // The big cluster's dispatch was measured; the little one keeps the estimate.
  EXPECT_DOUBLE_EQ(soc->pus[1].dispatch_overhead_us, 7.25);
  EXPECT_NE(yaml.find("dispatch_overhead_us: 7.25  # source: measured"), std::string::npos) << yaml;
  EXPECT_DOUBLE_EQ(soc->pus[0].dispatch_overhead_us, 5.0);
  EXPECT_DOUBLE_EQ(soc->transfer_time(1, 2, 6e9), 20e-6 + 1.0);
  EXPECT_DOUBLE_EQ(soc->transfer_time(2, 0, 5e9), 25e-6 + 1.0);
  // The little cluster keeps estimates; the big one's figures say they were measured.
  const std::string little =
      yaml.substr(yaml.find("id: cpu0"), yaml.find("id: cpu1") - yaml.find("id: cpu0"));
  EXPECT_EQ(little.find("source: measured"), std::string::npos);
  EXPECT_NE(yaml.find("mem_bw_gbps: 21.3  # source: measured"), std::string::npos) << yaml;
  // The device variant sits on the fast cluster.
  EXPECT_EQ(soc->variants.back().name, "1core+ocl0");
  EXPECT_EQ(soc->variants.back().units, (std::vector<int>{0, 1, 4}));
  fs::remove_all(root);
}

TEST(HostClusters, CpuinfoCoreTypesAndCpuLists) {
  auto types = cpuinfo_core_types(
      "processor\t: 0\nmodel name\t: AMD EPYC\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: "
      "0xd46\n\n"
      "processor\t: 2\nCPU implementer\t: 0x51\nCPU part\t: 0x801\n");
  EXPECT_EQ(types[0], "AMD EPYC");
  EXPECT_EQ(types[1], "cortex-a510");
  EXPECT_EQ(types[2], "part-0x801-impl-0x51");
  EXPECT_EQ(parse_cpu_list("0-3,6,8-9"), (std::vector<int>{0, 1, 2, 3, 6, 8, 9}));
  EXPECT_TRUE(parse_cpu_list("").empty());
  EXPECT_EQ(parse_cpu_list("2,x"), std::vector<int>{2});
}

TEST(HostMeasure, SmallTriadAndSgemmOnThisHost) {
  CpuMeasureOptions options;
  options.triad_bytes = std::size_t{3} << 20;
  options.repetitions = 2;
  options.sgemm_size = 64;
  auto one = measure_triad(make_core_set({0}), options);
  ASSERT_TRUE(one.ok()) << one.error().format();
  EXPECT_GT(one->gbps, 0.05);  // anything alive streams more than this
  EXPECT_LT(one->gbps, 5000.0);
  EXPECT_GE(one->bytes, options.triad_bytes - 64);
  if (testing::has_two_cores()) {
    auto two = measure_triad(make_core_set({0, 1}), options);
    ASSERT_TRUE(two.ok()) << two.error().format();
    EXPECT_GT(two->gbps, 0.05);
    // Each round lasts from the first thread's start to the last one's end: never a figure
    // that no two cores reach even from cache (a late-started clock once gave 5.7 TB/s).
    EXPECT_LT(two->gbps, 2000.0);
  }
  auto sgemm = measure_sgemm_gflops(0, options);
  ASSERT_TRUE(sgemm.ok()) << sgemm.error().format();
  EXPECT_GT(*sgemm, 0.01);
  for (TensorType type : {TensorType::f16, TensorType::q8_0}) {
    auto rate = measure_kernel_gflops(0, type, options);
    ASSERT_TRUE(rate.ok()) << rate.error().format();
    EXPECT_GT(*rate, 0.01) << tensor_type_name(type);
  }
  // Starting a region: inline on one core, a wake-up of sleeping workers on two; never the
  // sleep before it (2 x 200 us), which a clock started too early would include.
  auto inline_start = measure_dispatch_us(make_core_set({0}), options);
  ASSERT_TRUE(inline_start.ok()) << inline_start.error().format();
  EXPECT_GT(*inline_start, 0.0);
  EXPECT_LT(*inline_start, 2 * ThreadPool::kPollBeforeSleep.count());
  if (testing::has_two_cores()) {
    auto wake = measure_dispatch_us(make_core_set({0, 1}), options);
    ASSERT_TRUE(wake.ok()) << wake.error().format();
    EXPECT_GT(*wake, 0.0);
  }
  EXPECT_FALSE(measure_dispatch_us(make_core_set({CPU_SETSIZE - 1}), options).ok());
  EXPECT_FALSE(measure_kernel_gflops(CPU_SETSIZE - 1, TensorType::f16, options).ok());
  EXPECT_FALSE(measure_triad(make_core_set({CPU_SETSIZE - 1}), options).ok());  // a core that is not there
}

}  // namespace
}  // namespace specmap::runtime
