#pragma once
// Runtime weights viewed in place in a memory-mapped GGUF checkpoint: every matrix is a
// WeightTensor over the file's bytes in its stored type (ggml's [out x in] rows, as the
// runtime keeps them), so a q8_0 model takes the memory its file takes. Only the small f32
// vectors (norms, biases) are copied. The mapping lives as long as any tensor does.
#include <string>

#include "core/result.h"
#include "describe/model.h"
#include "runtime/executor/transformer_executor.h"
#include "runtime/weights/weights.h"

namespace specmap::runtime {

// Loads `path`, checks it still has `fingerprint` (empty: not checked) and that its
// architecture is `arch` (sizes, tied head). Errors name the file (a changed fingerprint, a
// tensor or key with its byte offset).
Result<TransformerWeights> load_gguf_weights(const std::string& path, const std::string& fingerprint,
                                             const ModelArch& arch);

// The weights a model runs with: its `weights:` checkpoint when it names one, else seeded
// synthetic weights in its shapes.
Result<TransformerWeights> model_weights(const ModelGraph& graph, std::uint64_t seed);

// Executor options the model's architecture states (rope theta, norm epsilon); the
// executor's defaults where it states none.
ExecutorOptions executor_options_for(const ModelGraph& graph);

}  // namespace specmap::runtime
