#include "validate/acceptance_models.h"

#include <utility>

#include "runtime/cpu/core_set.h"
#include "runtime/plan_runner.h"
#include "runtime/weights/synthetic_weights.h"

namespace specmap {

Result<AcceptanceModel> build_acceptance_model(const ModelGraph& graph, std::uint64_t weight_seed,
                                               bool kv_cache) {
  if (Status st = runtime::check_runnable(graph); !st) return st.error();
  const std::vector<int> online = runtime::online_cores();
  if (online.empty()) return Error{"no online CPU core to run model '" + graph.name + "' on"};
  auto weights = runtime::SyntheticWeights(weight_seed).load(*graph.arch);
  if (!weights) return weights.error();
  runtime::ExecutorOptions options;
  options.kv_cache = kv_cache;
  auto executor = runtime::TransformerExecutor::create(
      graph, std::make_shared<const runtime::TransformerWeights>(std::move(weights).value()),
      runtime::place_all_on(graph, runtime::make_core_set(online)), options);
  if (!executor) return executor.error();
  AcceptanceModel model;
  model.executor = std::move(executor).value();
  model.weights = "synthetic (seed " + std::to_string(weight_seed) + ")";
  return model;
}

}  // namespace specmap
