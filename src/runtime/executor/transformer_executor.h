#pragma once
// Runs a Llama-family decoder-only model subgraph by subgraph, from the same ModelGraph the
// cost model reads: each subgraph (embedding, block.<i>, head) runs on the CPU core set its
// placement names or on an OpenCL device, and its wall time is recorded per call.
//
// Where data lives: the hidden state [rows x d_model] lives where the current subgraph runs.
// Between two consecutive subgraphs on different PUs (CPU cores and a device, or two
// devices) it is copied for real (blocking clEnqueueWriteBuffer / clEnqueueReadBuffer), and
// that copy is timed apart from both subgraphs (transfers()). CPU core sets share host
// memory, so a change of core set moves nothing. Tokens for an OpenCL embedding are
// uploaded inside the embedding's time; an OpenCL head reads its logits back inside its
// own time (they feed sampling on the host). A subgraph on OpenCL is timed up to the end of
// its device work (the queue is finished after every device subgraph). With everything on
// CPU cores the executor does exactly what it did before OpenCL existed.
#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "describe/model.h"
#include "runtime/cpu/core_set.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/executor/decoder_block.h"
#include "runtime/executor/kv_cache.h"
#include "runtime/opencl/opencl_device.h"
#include "runtime/opencl/opencl_subgraphs.h"
#include "runtime/executor/subgraph_timings.h"
#include "runtime/executor/token_model.h"
#include "runtime/weights/weights.h"

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
// subgraph_devices: empty (everything on CPU cores), or one entry per subgraph: non-null
// runs that subgraph on the OpenCL device (its core set is then the device's host cores, where
// the calling thread enqueues and waits, or empty: the thread stays where it is).
struct CorePlacement {
  std::vector<CoreSet> subgraph_cores;
  std::vector<std::shared_ptr<OpenClDevice>> subgraph_devices;

  // The device of subgraph i, null when it runs on CPU cores.
  [[nodiscard]] const std::shared_ptr<OpenClDevice>& device(std::size_t i) const;
};

// The cores a pass pins its calling thread to before a step whose core set is `cores` (a CPU
// step's cores; a device step's host cores, possibly none), with the thread pinned to `current`
// so far in the pass (null: not yet); null to leave the thread where it is.
const CoreSet* pinned_step_cores(const CoreSet& cores, bool device_step, const CoreSet* current);

// Every subgraph of `graph` on `cores`.
CorePlacement place_all_on(const ModelGraph& graph, const CoreSet& cores);
// Every subgraph of `graph` on the OpenCL device.
CorePlacement place_all_on(const ModelGraph& graph, std::shared_ptr<OpenClDevice> device);

// The boundary tensor copied between two consecutive subgraphs on different PUs.
struct TransferTiming {
  std::string from;  // subgraph names, e.g. "block.3" -> "head"
  std::string to;
  std::size_t from_subgraph = 0;  // ModelGraph indices
  std::size_t to_subgraph = 0;
  std::size_t calls = 0;
  Bytes bytes = 0;  // summed over the calls: rows * d_model * 4 each
  Seconds total_seconds = 0;
  std::vector<Seconds> per_call_seconds;
};

class TransformerExecutor final : public TokenModel {
 public:
  // `graph` must carry its ModelArch (derived from hyperparameters), be decoder-only and
  // keep an f32 KV cache; `weights` (each tensor in its stored type, computed in f32
  // activations) must match that architecture and may be shared
  // with other executors (a layer-skipping draft reuses the target's).
  static Result<std::unique_ptr<TransformerExecutor>> create(
      const ModelGraph& graph, std::shared_ptr<const TransformerWeights> weights, CorePlacement placement,
      ExecutorOptions options = {});
  ~TransformerExecutor() override;

  [[nodiscard]] int vocab() const override;
  // Empty on failure (no tokens, last_rows outside [1, tokens.size()], a token outside the
  // vocabulary, a core set that cannot be pinned, an OpenCL error), leaving the state unchanged;
  // try_append says why. Not thread-safe: one call at a time per executor.
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override;
  Result<std::vector<float>> try_append(std::span<const int> tokens, std::size_t last_rows);
  // Rolls the sequence and the KV cache back; a length beyond length() changes nothing.
  void truncate(std::size_t length) override;
  [[nodiscard]] std::size_t length() const override { return tokens_.size(); }

  [[nodiscard]] const SubgraphTimings& timings() const { return timings_; }
  // One entry per PU boundary of the data flow (consecutive subgraphs, skipped layers left
  // out, on different PUs), in data order, since the last reset_timings(); empty when the
  // whole model runs on one PU.
  [[nodiscard]] const std::vector<TransferTiming>& transfers() const { return transfers_; }
  // [subgraph][op] (ModelGraph order): seconds since the last reset_timings(), with
  // options.time_ops; empty otherwise. The head's "sample" op stays 0: sampling happens
  // outside the executor, on the logits it returns.
  [[nodiscard]] const std::vector<std::vector<Seconds>>& op_seconds() const { return op_seconds_; }
  void reset_timings();
  [[nodiscard]] const ModelGraph& graph() const { return graph_; }
  [[nodiscard]] const ExecutorOptions& options() const { return options_; }
  [[nodiscard]] const CorePlacement& placement() const { return placement_; }
  // The cores of the last step (the head), or its device's host cores; empty when the head
  // runs on a device that names none. See pin_to_head_cores.
  [[nodiscard]] const CoreSet& head_cores() const;
  [[nodiscard]] std::span<const int> tokens() const { return tokens_; }

 private:
  enum class StepKind { embedding, block, head };
  static constexpr std::size_t kNoTransfer = static_cast<std::size_t>(-1);
  struct Step {
    std::size_t subgraph = 0;
    StepKind kind = StepKind::embedding;
    std::size_t layer = 0;  // blocks only
    const CoreSet* cores = nullptr;
    ThreadPool* pool = nullptr;                // CPU steps
    OpenClSubgraphRunner* device = nullptr;    // OpenCL steps
    // Index into transfers_ of the copy into this step, kNoTransfer when its input is
    // already where it runs.
    std::size_t transfer_in = kNoTransfer;
    // With time_ops: the graph's op index of each BlockOp (blocks), or of embed_tokens
    // (embedding), or of final_norm and lm_head (head).
    std::vector<std::size_t> op_index;
  };

  TransformerExecutor(const ModelGraph& graph, std::shared_ptr<const TransformerWeights> weights,
                      CorePlacement placement, ExecutorOptions options);
  Status build_steps();
  Status build_devices();
  Status move_hidden(const Step& from, const Step& to, std::size_t rows);
  Result<std::vector<float>> run(std::span<const int> input, std::size_t first_position, KvCache& cache,
                                 std::size_t last_rows);

  ModelGraph graph_;
  std::shared_ptr<const TransformerWeights> weights_;
  CorePlacement placement_;
  ExecutorOptions options_;
  BlockShape shape_;
  std::vector<float> rotary_inverse_frequencies_;
  std::vector<bool> skipped_;  // per layer
  std::map<CoreSet, std::shared_ptr<ThreadPool>> pools_;  // shared with other executors on the same cores
  std::map<const OpenClDevice*, std::unique_ptr<OpenClSubgraphRunner>> devices_;
  std::vector<Step> steps_;
  SubgraphTimings timings_;
  std::vector<TransferTiming> transfers_;
  std::vector<std::vector<Seconds>> op_seconds_;

  std::vector<int> tokens_;
  KvCache cache_;          // kv_cache mode: the sequence so far
  KvCache scratch_cache_;  // no-cache mode: rebuilt from position 0 on every append
  std::vector<float> hidden_;
  std::vector<float> head_normed_;
  BlockScratch scratch_;
};

// Pins the calling thread to executor.head_cores(), when it names cores, for a loop of
// passes: the decode loop, or a profile's series of passes timed as the loop runs them. The
// loop's own work (sampling, verification) then runs beside the logits the head wrote, and a
// pass whose steps run there needs no affinity system call (on a virtual machine a few
// microseconds each, as much as a small drafter's step) to pin and restore the thread.
// Callers hold a ScopedAffinityRestore; if the pin fails the passes pin per step as before.
void pin_to_head_cores(const TransformerExecutor& executor);

}  // namespace specmap::runtime
