#include "runtime/measure/host_figures.h"

#include <algorithm>

#include "core/format.h"
#include "runtime/cpu/core_set.h"
#include "runtime/measure/cpu_measure.h"
#include "runtime/opencl/device_probe.h"

namespace specmap::runtime {

namespace {

bool all_online(const std::vector<int>& cores, const std::vector<int>& online) {
  return std::all_of(cores.begin(), cores.end(),
                     [&](int c) { return std::binary_search(online.begin(), online.end(), c); });
}

}  // namespace

HostFigures measure_host(const HostInfo& host, const std::vector<OpenClDeviceInfo>& devices,
                         const HostMeasureOptions& options) {
  auto step = [&](const std::string& what) {
    if (options.on_step) options.on_step(what);
  };
  CpuMeasureOptions cpu;
  OpenClProbeOptions ocl;
  if (options.quick) {
    cpu.triad_bytes = std::size_t{24} << 20;
    cpu.repetitions = 2;
    cpu.sgemm_size = 192;
    ocl.gemv_in = 512;
    ocl.gemv_out = 1024;
    ocl.gemm_size = 128;
    ocl.copy_large_bytes = std::size_t{1} << 20;
    ocl.repetitions = 2;
  }
  HostFigures figures;
  const std::vector<int> online = online_cores();
  for (const CoreCluster& cluster : host.clusters) {
    const CoreSet cores = make_core_set(cluster.cores);
    if (cluster.cores.empty() || !all_online(cluster.cores, online)) {
      figures.clusters.emplace_back();
      figures.notes.push_back("cluster " + cores.to_string() +
                              ": not all of its cores are online here, not measured");
      continue;
    }
    ClusterFigures f;
    const int first = cluster.cores.front();
    step("triad on core " + std::to_string(first));
    auto one = measure_triad(make_core_set({first}), cpu);
    step("triad on cores " + cores.to_string());
    auto all = cores.size() == 1 ? one : measure_triad(cores, cpu);
    step("SGEMM on core " + std::to_string(first));
    auto sgemm = measure_sgemm_gflops(first, cpu);
    if (one)
      f.core_triad_gbps = one->gbps;
    else
      figures.notes.push_back(one.error().message);
    if (all)
      f.cluster_triad_gbps = all->gbps;
    else
      figures.notes.push_back(all.error().message);
    if (sgemm)
      f.peak_gflops_per_core[DType::f32] = *sgemm;
    else
      figures.notes.push_back(sgemm.error().message);
    // The other stored types run the runtime's own kernels: q8_0 (and q4_0) are the int8 rate.
    for (auto [type, dtype] : {std::pair{TensorType::f16, DType::f16}, std::pair{TensorType::bf16, DType::bf16},
                               std::pair{TensorType::q8_0, DType::int8}}) {
      step(std::string(tensor_type_name(type)) + " kernels on core " + std::to_string(first));
      auto rate = measure_kernel_gflops(first, type, cpu);
      if (rate)
        f.peak_gflops_per_core[dtype] = *rate;
      else
        figures.notes.push_back(rate.error().message);
    }
    step("dispatch on cores " + cores.to_string());
    if (auto dispatch = measure_dispatch_us(cores, cpu))
      f.dispatch_us = *dispatch;
    else
      figures.notes.push_back(dispatch.error().message);
    figures.clusters.push_back(f);
  }
  if (host.clusters.size() > 1 && all_online(host.online_cores, online) && !host.online_cores.empty()) {
    step("triad on every online core");
    auto every = measure_triad(make_core_set(host.online_cores), cpu);
    if (every)
      figures.all_cores_triad_gbps = every->gbps;
    else
      figures.notes.push_back(every.error().message);
  } else if (host.clusters.size() == 1 && figures.clusters[0]) {
    figures.all_cores_triad_gbps = figures.clusters[0]->cluster_triad_gbps;
  }
  for (const OpenClDeviceInfo& info : devices) {
    step("OpenCL device " + info.label());
    OpenClDeviceRequest request;
    request.device_match = info.label();
    auto device = shared_opencl_device(request);
    if (!device) {
      figures.devices.emplace_back();
      figures.notes.push_back(device.error().message);
      continue;
    }
    auto probe = probe_opencl_device(*device, ocl);
    if (!probe) {
      figures.devices.emplace_back();
      figures.notes.push_back("OpenCL device " + info.label() + ": " + probe.error().message);
      continue;
    }
    DeviceFigures d;
    d.gemv_gbps = probe->gemv_gbps;
    d.gemm_gflops = probe->gemm_gflops;
    d.launch_us = probe->launch_us;
    d.to_device_latency_us = probe->to_device.latency_us;
    d.to_device_gbps = probe->to_device.bandwidth_gbps;
    d.to_host_latency_us = probe->to_host.latency_us;
    d.to_host_gbps = probe->to_host.bandwidth_gbps;
    d.mapped = probe->path == BoundaryPath::map;
    figures.notes_measured.push_back(
        info.label() + ": boundary " + (d.mapped ? "map" : "copy") + " (the runtime's) to device " +
        fixed(probe->to_device.latency_us, 1) + " us + " + fixed(probe->to_device.bandwidth_gbps, 2) +
        " GB/s, back " + fixed(probe->to_host.latency_us, 1) + " us + " +
        fixed(probe->to_host.bandwidth_gbps, 2) + " GB/s; " + (d.mapped ? "copy" : "map") + " to device " +
        fixed(probe->other_to_device.latency_us, 1) + " us + " +
        fixed(probe->other_to_device.bandwidth_gbps, 2) + " GB/s, back " +
        fixed(probe->other_to_host.latency_us, 1) + " us + " + fixed(probe->other_to_host.bandwidth_gbps, 2) +
        " GB/s");
    figures.devices.push_back(d);
  }
  return figures;
}

}  // namespace specmap::runtime
