#pragma once
// The draft and target a measurement of acceptance runs: each model of the experiment as a
// TransformerExecutor over every online core of this host (acceptance does not depend on the
// mapping), with the workload's KV-cache setting. Weights: the model's `weights:` checkpoint
// when its YAML names one, else seeded synthetic ones in its real shapes (draft `seed`,
// target `seed + 1`, as `specmap run` builds them): runtime::model_weights decides.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "describe/model.h"
#include "runtime/formats/tokenizer.h"
#include "runtime/executor/transformer_executor.h"

namespace specmap {

struct AcceptanceModel {
  std::unique_ptr<runtime::TransformerExecutor> executor;
  std::string weights;  // where the weights came from, for the outputs
};

// Errors: a model the executor cannot run (no architecture, encoder-decoder, a data type
// without kernels), a checkpoint that changed or is malformed, no online core.
Result<AcceptanceModel> build_acceptance_model(const ModelGraph& graph, std::uint64_t weight_seed,
                                               bool kv_cache);

// The tokenizer of the model's GGUF checkpoint; an error when it has no `weights:`.
Result<formats::Tokenizer> checkpoint_tokenizer(const ModelGraph& graph);

}  // namespace specmap
