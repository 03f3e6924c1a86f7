#pragma once
// A plan as a llama.cpp command (llama-server): target and draft model files, the draft
// length, threads and CPU masks from the PUs' cores, GPU layer offload and devices, the
// context size. What llama.cpp cannot express is returned as warnings, never dropped.
#include <map>
#include <string>
#include <vector>

#include "plan/export_context.h"

namespace specmap {

// llama.cpp renamed its speculative flags in May 2026 (ggml-org/llama.cpp#22964): builds
// since then take --spec-draft-* and refuse --draft-max / --draft-min; builds from
// ggml-org/llama.cpp#10455 (November 2024, speculative decoding in llama-server) until then
// take -md / --draft-max / --draft-min / -ngld / -devd and no draft threads or CPU mask.
enum class LlamaCppFlags { v2026, legacy };

struct LlamaCppOptions {
  LlamaCppFlags flags = LlamaCppFlags::v2026;
  // llama.cpp device name per GPU PU id (`llama-server --list-devices`); default "Vulkan0".
  std::map<std::string, std::string> device_names;
};

struct ExportText {
  std::string text;                   // what to run, with '#' comment lines
  std::vector<std::string> warnings;  // what the plan asks that the tool cannot do
};

ExportText export_llama_cpp(const ExportContext& ctx, const LlamaCppOptions& options);

}  // namespace specmap
