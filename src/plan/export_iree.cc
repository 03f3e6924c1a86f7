#include "plan/export_iree.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "plan/export_text.h"
#include "plan/mapping_text.h"

namespace specmap {

namespace {

// LLVM's view of a CPU PU's cores: triple, CPU name and features.
struct CpuTarget {
  std::string triple;
  std::string cpu;       // empty: features only
  std::string features;  // empty: the CPU name implies them
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<CpuTarget> cpu_target(const ProcessingUnit& pu) {
  const std::string core = pu.clusters.empty() ? std::string() : lower(pu.clusters.front().core_type);
  // Cortex-A55/A76 are Armv8.2-A with the dot-product and half-precision extensions.
  for (const char* arm : {"cortex-a55", "cortex-a76", "cortex-a78", "cortex-a53", "cortex-a72"})
    if (core.find(arm) != std::string::npos) {
      const bool v82 = core.find("a53") == std::string::npos && core.find("a72") == std::string::npos;
      return CpuTarget{"aarch64-unknown-linux-gnu", arm, v82 ? "+neon,+dotprod,+fullfp16" : "+neon"};
    }
  if (core.find("x86-64") != std::string::npos || core.find("x86_64") != std::string::npos) {
    const bool avx512 = core.find("avx512") != std::string::npos;
    return CpuTarget{"x86_64-unknown-linux-gnu", "",
                     avx512 ? "+avx2,+fma,+avx512f,+avx512bw,+avx512dq,+avx512vl" : "+avx2,+fma"};
  }
  return std::nullopt;
}

// IREE's Vulkan target architecture of a GPU PU; empty when the SoC does not say.
std::string vulkan_target(const ProcessingUnit& pu) {
  const std::string what = lower(pu.opencl_device_match + " " + pu.id);
  if (what.find("mali") != std::string::npos) return "valhall";
  return "";
}

std::string join(const std::vector<int>& v) {
  std::string out;
  for (int x : v) out += (out.empty() ? "" : ",") + std::to_string(x);
  return out;
}

// Runs "pu:first..last" of the model's subgraphs, one per PU change.
std::vector<std::string> affinity_runs(const ModelGraph& m, const ModelPlacement& p, const Soc& soc) {
  std::vector<std::string> runs;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= m.subgraphs.size(); ++i) {
    if (i < m.subgraphs.size() && p.pu_of_subgraph[i] == p.pu_of_subgraph[start]) continue;
    std::string run = m.subgraphs[start].name;
    if (i - 1 > start) run += ".." + m.subgraphs[i - 1].name;
    runs.push_back(run + " -> @" + soc.pus[static_cast<std::size_t>(p.pu_of_subgraph[start])].id);
    start = i;
  }
  return runs;
}

void add_model(const ExportContext& ctx, const ModelPlacement& p, std::ostringstream& text,
               std::vector<std::string>& warnings) {
  const ModelGraph& m = *p.model;
  const ModelFile file = model_file(ctx, p.role, m, ".mlir");
  if (file.warning) warnings.push_back(*file.warning);
  const std::string module = m.name + ".vmfb";
  const bool split = !p.on_one_pu();

  CommandLine compile("iree-compile");
  compile.add_inline({file.path, "-o", module});
  std::vector<std::string> run_devices;
  std::vector<std::string> cpu_ids;  // one --task_topology_cpu_ids per CPU device, in device order
  bool any_cpu = false;
  std::string vulkan;
  std::optional<CpuTarget> llvm;
  for (int pu : p.pus) {
    const ProcessingUnit& unit = ctx.soc.pus[static_cast<std::size_t>(pu)];
    const std::string device = unit.kind == PuKind::gpu ? "vulkan" : "local";
    // A model on one PU targets one unnamed device; a split one names a device per PU.
    compile.add({"--iree-hal-target-device=" + (split ? unit.id + "=" : std::string()) + device});
    if (unit.kind == PuKind::gpu) {
      run_devices.push_back("vulkan");
      vulkan = vulkan_target(unit);
      if (vulkan.empty())
        warnings.push_back("GPU PU '" + unit.id +
                           "' names no GPU IREE knows (only Mali, as valhall, is mapped); "
                           "add --iree-vulkan-target=ARCH for it");
      if (!unit.opencl_device_match.empty() &&
          lower(unit.opencl_device_match).find("mali") == std::string::npos)
        warnings.push_back("GPU PU '" + unit.id + "' runs through OpenCL device '" +
                           unit.opencl_device_match +
                           "' in specmap; IREE has no OpenCL HAL, so it is targeted through Vulkan");
      continue;
    }
    if (unit.kind == PuKind::npu)
      warnings.push_back("PU '" + unit.id +
                         "' is an NPU; IREE reaches NPUs only through vendor plugins, so the "
                         "commands target it as a CPU device ('local')");
    any_cpu = true;
    run_devices.push_back("local-task");
    cpu_ids.push_back(join(cpu_cores(ctx.soc, pu, ctx.units(pu))));
    auto target = cpu_target(unit);
    if (!target)
      warnings.push_back("PU '" + unit.id + "' has cores of type '" +
                         (unit.clusters.empty() ? std::string() : unit.clusters.front().core_type) +
                         "', which specmap cannot map to an LLVM triple; compiling for the host CPU instead");
    if (llvm && target && target->triple != llvm->triple)
      warnings.push_back(
          "a model's CPU PUs have different LLVM targets; one llvm-cpu backend serves them all");
    if (!llvm) llvm = target ? target : std::optional<CpuTarget>(CpuTarget{"", "host", ""});
  }
  if (any_cpu) {
    compile.add({"--iree-hal-local-target-device-backends=llvm-cpu"});
    if (!llvm->triple.empty()) compile.add({"--iree-llvmcpu-target-triple=" + llvm->triple});
    if (!llvm->cpu.empty()) compile.add({"--iree-llvmcpu-target-cpu=" + llvm->cpu});
    if (!llvm->features.empty()) compile.add({"--iree-llvmcpu-target-cpu-features=" + llvm->features});
  }
  if (!vulkan.empty()) compile.add({"--iree-vulkan-target=" + vulkan});
  if (split) compile.add({"--iree-execution-model=async-external"});

  text << "\n# " << p.role << " " << m.name << " on " << mapping_text(m, p.pu_of_subgraph, ctx.soc) << "\n";
  if (split) {
    text << "# split over " << p.pus.size()
         << " devices: the imported module must place each subgraph's ops on its device\n"
            "# (#hal.device.affinity<@NAME> on the functions or flow.tensor.transfer between them):\n";
    for (const std::string& run : affinity_runs(m, p, ctx.soc)) text << "#   " << run << "\n";
  }
  text << compile.text();
  for (const char* tool : {"iree-run-module", "iree-benchmark-module"}) {
    CommandLine run(tool);
    run.add_inline({"--module=" + module});
    for (const std::string& d : run_devices) run.add({"--device=" + d});
    // One executor per CPU device, pinned to the cores the plan gives that PU.
    for (const std::string& ids : cpu_ids) run.add({"--task_topology_cpu_ids=" + ids});
    text << run.text();
  }
}

}  // namespace

ExportText export_iree(const ExportContext& ctx) {
  ExportText out;
  std::ostringstream head, body;
  head << "# IREE commands for plan " << ctx.plan_path << " (" << ctx.plan.experiment << "): variant "
       << ctx.plan.choice.variant << ", gamma " << ctx.plan.choice.gamma << ", schedule "
       << schedule_name(ctx.plan.schedule) << "\n"
       << "# MODEL.mlir is each model imported into MLIR (iree-import-onnx, iree-turbine); IREE has no\n"
          "# speculative decoding loop: the application calls the draft gamma times, then the target once.\n";
  if (ctx.plan.choice.gamma > 0) add_model(ctx, ctx.placement("draft"), body, out.warnings);
  add_model(ctx, ctx.placement("target"), body, out.warnings);
  if (ctx.plan.choice.gamma > 0 && ctx.plan.schedule == Schedule::overlapped)
    out.warnings.push_back(
        "the plan's schedule is overlapped; the application must run the draft's next block "
        "while the target verifies (two IREE invocations in flight)");
  dedupe(out.warnings);
  for (const std::string& w : out.warnings) head << "# warning: " << w << "\n";
  out.text = head.str() + body.str();
  return out;
}

}  // namespace specmap
