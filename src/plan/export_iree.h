#pragma once
// A plan as IREE commands: per model, iree-compile flags for the PUs it runs on (llvm-cpu
// with the cores' target triple and CPU features; Vulkan with the GPU's architecture, e.g.
// valhall for Mali), the device flags for iree-run-module / iree-benchmark-module, and for a
// model split over PUs one named device per PU with the subgraphs' affinities.
#include "plan/export_context.h"
#include "plan/export_llama_cpp.h"  // ExportText

namespace specmap {

ExportText export_iree(const ExportContext& ctx);

}  // namespace specmap
