#include "validate/acceptance_models.h"

#include <utility>

#include "runtime/cpu/core_set.h"
#include "runtime/formats/gguf_file.h"
#include "runtime/formats/gguf_model.h"
#include "runtime/formats/gguf_weights.h"
#include "runtime/executor/plan_runner.h"

namespace specmap {

Result<AcceptanceModel> build_acceptance_model(const ModelGraph& graph, std::uint64_t weight_seed,
                                               bool kv_cache) {
  if (Status st = runtime::check_runnable(graph); !st) return st.error();
  const std::vector<int> online = runtime::online_cores();
  if (online.empty()) return Error{"no online CPU core to run model '" + graph.name + "' on"};
  auto weights = runtime::model_weights(graph, weight_seed);
  if (!weights) return weights.error();
  runtime::ExecutorOptions options = runtime::executor_options_for(graph);
  options.kv_cache = kv_cache;
  auto executor = runtime::TransformerExecutor::create(
      graph, std::make_shared<const runtime::TransformerWeights>(std::move(weights).value()),
      runtime::place_all_on(graph, runtime::make_core_set(online)), options);
  if (!executor) return executor.error();
  AcceptanceModel model;
  model.executor = std::move(executor).value();
  model.weights = graph.weights
                      ? "checkpoint " + graph.weights->path + " (fnv1a64 " + graph.weights->fingerprint + ")"
                      : "synthetic (seed " + std::to_string(weight_seed) + ")";
  return model;
}

Result<formats::Tokenizer> checkpoint_tokenizer(const ModelGraph& graph) {
  if (!graph.weights)
    return Error{"model '" + graph.name +
                     "' has no `weights:` checkpoint, so no tokenizer: text prompts need one (models with "
                     "synthetic weights take token ids)",
                 graph.source_file, 0, 0, "weights"};
  auto file = formats::open_gguf(graph.weights->path);
  if (!file) return file.error();
  auto model = formats::read_gguf_model(*file);
  if (!model) return model.error();
  return formats::Tokenizer::from_gguf(*file, model->arch.vocab);
}

}  // namespace specmap
