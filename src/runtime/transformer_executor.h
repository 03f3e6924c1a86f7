#pragma once
// Runs a Llama-family decoder-only model on CPU cores, subgraph by subgraph, from the same
// ModelGraph the cost model reads: each subgraph (embedding, block.<i>, head) runs on the
// core set its placement names, and its wall time is recorded per call.
#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "describe/model.h"
#include "runtime/cpu/core_set.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/decoder_block.h"
#include "runtime/kv_cache.h"
#include "runtime/subgraph_timings.h"
#include "runtime/token_model.h"
#include "runtime/weights.h"

namespace specmap::runtime {

struct ExecutorOptions {
  // true: keep keys/values and process only appended tokens. false: every append re-runs
  // the whole sequence (prompt and everything so far), as the paper's runs did.
  bool kv_cache = true;
  // Decoder layers (0-based) bypassed entirely: with the target's weights this is a
  // self-speculative draft model. Their subgraphs are not run and get no timings.
  std::vector<int> skip_layers;
  // Time every op of the model graph too (op_seconds()); the profiler's op level. Costs a
  // clock read per op.
  bool time_ops = false;
  double rope_theta = 500000.0;  // Llama 3
  float norm_eps = 1e-5f;
};

// subgraph_cores[i]: the core set graph.subgraphs[i] runs on.
struct CorePlacement {
  std::vector<CoreSet> subgraph_cores;
};

// Every subgraph of `graph` on `cores`.
CorePlacement place_all_on(const ModelGraph& graph, const CoreSet& cores);

class TransformerExecutor final : public TokenModel {
 public:
  // `graph` must carry its ModelArch (derived from hyperparameters), be decoder-only and
  // f32 (weights and KV cache); `weights` must match that architecture and may be shared
  // with other executors (a layer-skipping draft reuses the target's).
  static Result<std::unique_ptr<TransformerExecutor>> create(
      const ModelGraph& graph, std::shared_ptr<const TransformerWeights> weights, CorePlacement placement,
      ExecutorOptions options = {});
  ~TransformerExecutor() override;

  [[nodiscard]] int vocab() const override;
  // Empty on failure (no tokens, last_rows outside [1, tokens.size()], a token outside the
  // vocabulary, a core set that cannot be pinned), leaving the state unchanged;
  // try_append says why. Not thread-safe: one call at a time per executor.
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override;
  Result<std::vector<float>> try_append(std::span<const int> tokens, std::size_t last_rows);
  // Rolls the sequence and the KV cache back; a length beyond length() changes nothing.
  void truncate(std::size_t length) override;
  [[nodiscard]] std::size_t length() const override { return tokens_.size(); }

  [[nodiscard]] const SubgraphTimings& timings() const { return timings_; }
  // [subgraph][op] (ModelGraph order): seconds since the last reset_timings(), with
  // options.time_ops; empty otherwise. The head's "sample" op stays 0: sampling happens
  // outside the executor, on the logits it returns.
  [[nodiscard]] const std::vector<std::vector<Seconds>>& op_seconds() const { return op_seconds_; }
  void reset_timings();
  [[nodiscard]] const ModelGraph& graph() const { return graph_; }
  [[nodiscard]] const ExecutorOptions& options() const { return options_; }
  [[nodiscard]] const CorePlacement& placement() const { return placement_; }
  [[nodiscard]] std::span<const int> tokens() const { return tokens_; }

 private:
  enum class StepKind { embedding, block, head };
  struct Step {
    std::size_t subgraph = 0;
    StepKind kind = StepKind::embedding;
    std::size_t layer = 0;  // blocks only
    const CoreSet* cores = nullptr;
    ThreadPool* pool = nullptr;
    // With time_ops: the graph's op index of each BlockOp (blocks), or of embed_tokens
    // (embedding), or of final_norm and lm_head (head).
    std::vector<std::size_t> op_index;
  };

  TransformerExecutor(const ModelGraph& graph, std::shared_ptr<const TransformerWeights> weights,
                      CorePlacement placement, ExecutorOptions options);
  Status build_steps();
  Result<std::vector<float>> run(std::span<const int> input, std::size_t first_position, KvCache& cache,
                                 std::size_t last_rows);

  ModelGraph graph_;
  std::shared_ptr<const TransformerWeights> weights_;
  CorePlacement placement_;
  ExecutorOptions options_;
  BlockShape shape_;
  std::vector<float> rotary_inverse_frequencies_;
  std::vector<bool> skipped_;  // per layer
  std::map<CoreSet, std::unique_ptr<ThreadPool>> pools_;
  std::vector<Step> steps_;
  SubgraphTimings timings_;
  std::vector<std::vector<Seconds>> op_seconds_;

  std::vector<int> tokens_;
  KvCache cache_;          // kv_cache mode: the sequence so far
  KvCache scratch_cache_;  // no-cache mode: rebuilt from position 0 on every append
  std::vector<float> hidden_;
  std::vector<float> head_normed_;
  BlockScratch scratch_;
};

}  // namespace specmap::runtime
