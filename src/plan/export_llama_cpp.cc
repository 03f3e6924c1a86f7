#include "plan/export_llama_cpp.h"

#include <algorithm>
#include <sstream>

#include "plan/export_text.h"

namespace specmap {

namespace {

// The flags of one spelling; a flag llama.cpp lacks in that spelling is empty.
struct Spelling {
  const char* name;
  const char* draft_model;
  const char* draft_max;
  const char* draft_min;
  const char* draft_p_min;
  const char* draft_threads;  // empty: the draft shares -t
  const char* draft_mask;     // empty: the draft shares -C
  const char* draft_ngl;
  const char* draft_device;
  const char* draft_cache_k;  // empty: the draft's KV cache type follows the default
  const char* draft_cache_v;
  const char* spec_type;  // empty: a draft model alone selects speculative decoding
};

const Spelling kSpelling2026{"2026",
                             "--spec-draft-model",
                             "--spec-draft-n-max",
                             "--spec-draft-n-min",
                             "--spec-draft-p-min",
                             "--spec-draft-threads",
                             "--spec-draft-cpu-mask",
                             "--spec-draft-ngl",
                             "--spec-draft-device",
                             "--spec-draft-type-k",
                             "--spec-draft-type-v",
                             "--spec-type"};
const Spelling kSpellingLegacy{
    "legacy", "-md", "--draft-max", "--draft-min", "--draft-p-min", "", "", "-ngld", "-devd", "", "", ""};

// llama.cpp's KV cache types; int8/int4 become its block-quantized q8_0 / q4_0.
std::string cache_type(DType t) {
  switch (t) {
    case DType::f32:
      return "f32";
    case DType::f16:
      return "f16";
    case DType::bf16:
      return "bf16";
    case DType::int8:
      return "q8_0";
    case DType::int4:
      return "q4_0";
    case DType::q8_0:
      return "q8_0";
    case DType::q4_0:
      return "q4_0";
  }
  return "f16";
}

// GGUF has f32, f16 and bf16 tensors as they are; integer weights only block-quantized.
std::optional<std::string> dtype_warning(const ModelGraph& m, const std::string& role) {
  const DType t = m.arch ? m.arch->dtype : m.dtype;
  if (t == DType::int8 || t == DType::int4) {
    const char* q = t == DType::int8 ? "Q8_0" : "Q4_0";
    return "the " + role + " model '" + m.name + "' is " + std::string(dtype_name(t)) +
           "; llama.cpp has no per-tensor " + std::string(dtype_name(t)) + " weights and would run it as " +
           q + " (blocks of 32 with an f16 scale each), so the plan's " + std::string(dtype_name(t)) +
           " timings do not carry over";
  }
  return std::nullopt;
}

std::string hex_mask(const std::vector<int>& cores) {
  // llama.cpp takes an arbitrarily long hex mask, lowest core in the lowest bit.
  int top = 0;
  for (int c : cores) top = std::max(top, c);
  std::vector<int> nibbles(static_cast<std::size_t>(top / 4 + 1), 0);
  for (int c : cores) nibbles[static_cast<std::size_t>(c / 4)] |= 1 << (c % 4);
  std::string out = "0x";
  for (auto it = nibbles.rbegin(); it != nibbles.rend(); ++it) out += "0123456789abcdef"[*it];
  return out;
}

// How one model sits on llama.cpp's devices: the CPU it runs on, the GPU layers offloaded.
struct LlamaPlacement {
  int cpu_pu = -1;          // the CPU PU whose cores run the model's CPU part
  int gpu_pu = -1;          // the GPU it offloads to, if any
  int gpu_layers = 0;       // -ngl
  bool all_on_gpu = false;  // blocks and head on the GPU
};

LlamaPlacement place(const ExportContext& ctx, const ModelPlacement& p, std::vector<std::string>& warnings) {
  LlamaPlacement out;
  const ModelGraph& m = *p.model;
  const std::string who = "the " + p.role + " model '" + m.name + "'";
  // The CPU part runs on the CPU PU holding most subgraphs; llama.cpp has one CPU thread pool per model.
  std::map<int, int> count;
  for (int pu : p.pu_of_subgraph) ++count[pu];
  int best = 0;
  for (const auto& [pu, n] : count) {
    const PuKind kind = ctx.soc.pus[static_cast<std::size_t>(pu)].kind;
    if (kind == PuKind::cpu && n > best) best = n, out.cpu_pu = pu;
    if (kind == PuKind::gpu && out.gpu_pu < 0) out.gpu_pu = pu;
    if (kind == PuKind::npu)
      warnings.push_back(who + " has subgraphs on NPU '" + ctx.soc.pus[static_cast<std::size_t>(pu)].id +
                         "'; llama.cpp has no backend for it and runs them on the CPU");
  }
  for (const auto& [pu, n] : count)
    if (ctx.soc.pus[static_cast<std::size_t>(pu)].kind == PuKind::cpu && pu != out.cpu_pu)
      warnings.push_back(who + " is split over CPU PUs '" +
                         ctx.soc.pus[static_cast<std::size_t>(out.cpu_pu)].id + "' and '" +
                         ctx.soc.pus[static_cast<std::size_t>(pu)].id +
                         "'; llama.cpp runs a model's CPU part on one thread pool, here on '" +
                         ctx.soc.pus[static_cast<std::size_t>(out.cpu_pu)].id + "'");
  if (out.gpu_pu < 0) return out;
  for (const auto& [pu, n] : count)
    if (ctx.soc.pus[static_cast<std::size_t>(pu)].kind == PuKind::gpu && pu != out.gpu_pu)
      warnings.push_back(who +
                         " is split over two GPUs; llama.cpp's layer split follows -ts, not the plan: "
                         "only '" +
                         ctx.soc.pus[static_cast<std::size_t>(out.gpu_pu)].id + "' is used");

  // llama.cpp offloads the last -ngl decoder blocks, and the output head only when every
  // block is offloaded; token embeddings stay on the CPU.
  const auto on_gpu = [&](std::size_t i) { return p.pu_of_subgraph[i] == out.gpu_pu; };
  int blocks = 0, gpu_blocks = 0;
  bool suffix = true, seen_gpu_block = false, head_on_gpu = false, embedding_on_gpu = false;
  for (std::size_t i = 0; i < m.subgraphs.size(); ++i) {
    const SubgraphKind kind = m.subgraphs[i].kind;
    if (kind == SubgraphKind::decoder_block) {
      ++blocks;
      if (on_gpu(i)) {
        ++gpu_blocks;
        seen_gpu_block = true;
      } else if (seen_gpu_block) {
        suffix = false;
      }
    } else if (kind == SubgraphKind::head) {
      head_on_gpu = head_on_gpu || on_gpu(i);
    } else if (kind == SubgraphKind::embedding) {
      embedding_on_gpu = embedding_on_gpu || on_gpu(i);
    } else if (on_gpu(i)) {
      warnings.push_back(who + ": subgraph '" + m.subgraphs[i].name +
                         "' on the GPU has no llama.cpp layer to offload; it runs where llama.cpp puts it");
    }
  }
  out.all_on_gpu = gpu_blocks == blocks && head_on_gpu;
  out.gpu_layers = gpu_blocks + (out.all_on_gpu ? 1 : 0);
  if (!suffix)
    warnings.push_back(
        who + " puts decoder blocks on the GPU that are not the last ones; llama.cpp offloads the last " +
        std::to_string(gpu_blocks) + " blocks instead (layer offload is coarser than the plan's split)");
  if (head_on_gpu && gpu_blocks != blocks)
    warnings.push_back(who +
                       " puts its head on the GPU but not every block; llama.cpp offloads the head only with "
                       "all blocks, so it stays on the CPU");
  if (gpu_blocks == blocks && !head_on_gpu && blocks > 0)
    warnings.push_back(who + " keeps its head on the CPU with every block on the GPU; -ngl " +
                       std::to_string(blocks) + " does that");
  if (embedding_on_gpu)
    warnings.push_back(who + " puts its embedding on the GPU; llama.cpp keeps token embeddings on the CPU");
  return out;
}

std::string device_name(const ExportContext& ctx, const LlamaCppOptions& options, int pu,
                        std::vector<std::string>& warnings) {
  const std::string& id = ctx.soc.pus[static_cast<std::size_t>(pu)].id;
  if (auto it = options.device_names.find(id); it != options.device_names.end()) return it->second;
  warnings.push_back("GPU PU '" + id +
                     "' is assumed to be llama.cpp device 'Vulkan0' (see `llama-server --list-devices`; give "
                     "--device-name " +
                     id + "=NAME)");
  return "Vulkan0";
}

}  // namespace

ExportText export_llama_cpp(const ExportContext& ctx, const LlamaCppOptions& options) {
  const Spelling& s = options.flags == LlamaCppFlags::v2026 ? kSpelling2026 : kSpellingLegacy;
  ExportText out;
  std::vector<std::string>& warnings = out.warnings;
  const int gamma = ctx.plan.choice.gamma;
  const bool speculative = gamma > 0;
  CommandLine cmd("llama-server");

  const ModelPlacement target = ctx.placement("target");
  const ModelFile target_file = model_file(ctx, "target", ctx.target, ".gguf");
  if (target_file.warning) warnings.push_back(*target_file.warning);
  if (auto w = dtype_warning(ctx.target, "target")) warnings.push_back(*w);
  cmd.add({"-m", target_file.path});
  cmd.add({"-c", std::to_string(ctx.context_tokens())});

  const LlamaPlacement tp = place(ctx, target, warnings);
  std::vector<int> target_cores;
  if (tp.cpu_pu >= 0 || !tp.all_on_gpu) {
    // Even a fully offloaded model keeps its embedding lookup and sampling on the CPU.
    int cpu = tp.cpu_pu;
    for (std::size_t i = 0; cpu < 0 && i < ctx.soc.pus.size(); ++i)
      if (ctx.soc.pus[i].kind == PuKind::cpu && ctx.units(static_cast<int>(i)) > 0) cpu = static_cast<int>(i);
    if (cpu >= 0) {
      target_cores = cpu_cores(ctx.soc, cpu, ctx.units(cpu));
      cmd.add({"-t", std::to_string(target_cores.size()), "-C", hex_mask(target_cores)});
    }
  }
  if (tp.gpu_pu >= 0)
    cmd.add({"-ngl", std::to_string(tp.gpu_layers), "-dev", device_name(ctx, options, tp.gpu_pu, warnings)});
  else
    cmd.add({"-ngl", "0", "-dev", "none"});
  const DType target_kv = ctx.target.arch ? ctx.target.arch->kv_dtype : DType::f16;
  if (target_kv != DType::f16) cmd.add({"-ctk", cache_type(target_kv), "-ctv", cache_type(target_kv)});

  if (speculative) {
    const ModelPlacement draft = ctx.placement("draft");
    const ModelFile draft_file = model_file(ctx, "draft", ctx.draft, ".gguf");
    if (draft_file.warning) warnings.push_back(*draft_file.warning);
    if (auto w = dtype_warning(ctx.draft, "draft")) warnings.push_back(*w);
    if (*s.spec_type) cmd.add({s.spec_type, "draft-simple"});
    cmd.add({s.draft_model, draft_file.path});
    // Exactly gamma tokens per step, as the plan costs it: no early stop on a low draft probability.
    const std::string g = std::to_string(gamma);
    cmd.add({s.draft_max, g, s.draft_min, g, s.draft_p_min, "0"});
    const LlamaPlacement dp = place(ctx, draft, warnings);
    if (dp.cpu_pu >= 0) {
      const std::vector<int> cores = cpu_cores(ctx.soc, dp.cpu_pu, ctx.units(dp.cpu_pu));
      if (*s.draft_threads) {
        cmd.add({s.draft_threads, std::to_string(cores.size()), s.draft_mask, hex_mask(cores)});
      } else if (cores != target_cores) {
        warnings.push_back(
            "the draft runs on cores " + hex_mask(cores) + " and the target on " + hex_mask(target_cores) +
            "; llama-server builds with the legacy flags have no draft threads or CPU mask, so the "
            "draft shares -t / -C");
      }
    }
    if (dp.gpu_pu >= 0)
      cmd.add({s.draft_ngl, std::to_string(dp.gpu_layers), s.draft_device,
               device_name(ctx, options, dp.gpu_pu, warnings)});
    else
      cmd.add({s.draft_ngl, "0", s.draft_device, "none"});
    const DType draft_kv = ctx.draft.arch ? ctx.draft.arch->kv_dtype : DType::f16;
    if (draft_kv != DType::f16) {
      if (*s.draft_cache_k)
        cmd.add({s.draft_cache_k, cache_type(draft_kv), s.draft_cache_v, cache_type(draft_kv)});
      else
        warnings.push_back("the draft's KV cache is " + std::string(dtype_name(draft_kv)) +
                           "; legacy llama-server builds keep the draft's cache at their default (f16)");
    }
    if (ctx.plan.schedule == Schedule::overlapped)
      warnings.push_back(
          "the plan's schedule is overlapped (the draft drafts the next block while the target "
          "verifies); llama.cpp drafts and verifies one after the other, so expect the sequential "
          "schedule's time");
  }
  if (!ctx.workload.kv_cache)
    warnings.push_back(
        "the workload runs without a KV cache; llama.cpp always keeps one, so its passes are the "
        "cached ones");

  dedupe(warnings);
  std::ostringstream text;
  text << "# llama.cpp command for plan " << ctx.plan_path << " (" << ctx.plan.experiment << "): variant "
       << ctx.plan.choice.variant << ", gamma " << gamma << ", schedule " << schedule_name(ctx.plan.schedule)
       << "\n";
  text << "# flag spelling: " << s.name
       << (options.flags == LlamaCppFlags::v2026
               ? " (llama.cpp builds since ggml-org/llama.cpp#22964, May 2026)"
               : " (llama-server builds from ggml-org/llama.cpp#10455, Nov 2024, until #22964, May 2026)")
       << "\n";
  if (!speculative) text << "# gamma 0: the plan runs the target alone, without a draft model\n";
  for (const std::string& w : warnings) text << "# warning: " << w << "\n";
  text << cmd.text();
  out.text = text.str();
  return out;
}

}  // namespace specmap
