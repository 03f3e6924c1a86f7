#include "runtime/executor/transformer_executor.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "runtime/cpu/blas_threads.h"
#include "runtime/cpu/elementwise.h"
#include "runtime/cpu/linear.h"
#include "runtime/cpu/rms_norm.h"
#include "runtime/cpu/rotary.h"

namespace specmap::runtime {

namespace {

using Clock = std::chrono::steady_clock;

Seconds since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

Status check_arch(const ModelGraph& graph, const TransformerWeights& weights) {
  if (!graph.arch) return Error{"model '" + graph.name + "' has no architecture; the executor needs one"};
  const ModelArch a = normalized_arch(*graph.arch);
  const ModelArch& w = weights.arch;
  if (a.encoder_layers > 0)
    return Error{"model '" + graph.name + "': encoder-decoder models are not supported"};
  if (a.kv_dtype != DType::f32)
    return Error{"model '" + graph.name + "': the executor keeps its KV cache in f32; kv_dtype must be f32"};
  if (a.layers != w.layers || a.d_model != w.d_model || a.d_ff != w.d_ff || a.heads != w.heads ||
      a.kv_heads != w.kv_heads || a.head_dim != w.head_dim || a.vocab != w.vocab ||
      a.tied_embeddings != w.tied_embeddings)
    return Error{"model '" + graph.name + "': the weights were made for a different architecture"};
  if (a.heads % a.kv_heads != 0)
    return Error{"model '" + graph.name + "': heads must be a multiple of kv_heads"};
  if (a.head_dim % 2 != 0)
    return Error{"model '" + graph.name + "': rotary embeddings need an even head_dim"};
  return check_weight_shapes(weights);
}

}  // namespace

const CoreSet* pinned_step_cores(const CoreSet& cores, bool device_step, const CoreSet* current) {
  if (device_step && cores.empty()) return nullptr;
  if (current != nullptr && *current == cores) return nullptr;
  return &cores;
}

const CoreSet& TransformerExecutor::head_cores() const {
  static const CoreSet kNone;
  // Steps run in data order, so the head is the last one (build_steps).
  return steps_.empty() || steps_.back().cores == nullptr ? kNone : *steps_.back().cores;
}

void pin_to_head_cores(const TransformerExecutor& executor) {
  if (!executor.head_cores().empty()) (void)pin_current_thread(executor.head_cores());
}

const std::shared_ptr<OpenClDevice>& CorePlacement::device(std::size_t i) const {
  static const std::shared_ptr<OpenClDevice> kNone;
  return i < subgraph_devices.size() ? subgraph_devices[i] : kNone;
}

CorePlacement place_all_on(const ModelGraph& graph, const CoreSet& cores) {
  return CorePlacement{std::vector<CoreSet>(graph.subgraphs.size(), cores), {}};
}

CorePlacement place_all_on(const ModelGraph& graph, std::shared_ptr<OpenClDevice> device) {
  return CorePlacement{std::vector<CoreSet>(graph.subgraphs.size()),
                       std::vector<std::shared_ptr<OpenClDevice>>(graph.subgraphs.size(), std::move(device))};
}

TransformerExecutor::TransformerExecutor(const ModelGraph& graph,
                                         std::shared_ptr<const TransformerWeights> weights,
                                         CorePlacement placement, ExecutorOptions options)
    : graph_(graph),
      weights_(std::move(weights)),
      placement_(std::move(placement)),
      options_(std::move(options)) {}

TransformerExecutor::~TransformerExecutor() = default;

Result<std::unique_ptr<TransformerExecutor>> TransformerExecutor::create(
    const ModelGraph& graph, std::shared_ptr<const TransformerWeights> weights, CorePlacement placement,
    ExecutorOptions options) {
  if (!weights) return Error{"executor: no weights given"};
  if (Status s = check_arch(graph, *weights); !s) return s.error();
  if (placement.subgraph_cores.size() != graph.subgraphs.size())
    return Error{"executor: the placement names " + std::to_string(placement.subgraph_cores.size()) +
                 " core sets for " + std::to_string(graph.subgraphs.size()) + " subgraphs"};
  if (!placement.subgraph_devices.empty() && placement.subgraph_devices.size() != graph.subgraphs.size())
    return Error{"executor: the placement names " + std::to_string(placement.subgraph_devices.size()) +
                 " OpenCL device entries for " + std::to_string(graph.subgraphs.size()) + " subgraphs"};
  for (std::size_t i = 0; i < placement.subgraph_cores.size(); ++i) {
    CoreSet& cores = placement.subgraph_cores[i];
    cores = make_core_set(cores.cores);
    if (placement.device(i)) continue;  // runs on the device: no cores to check
    if (Status s = check_core_set(cores); !s)
      return Error{"executor: subgraph '" + graph.subgraphs[i].name + "': " + s.error().message};
  }
  if (options.rope_theta <= 0) return Error{"executor: rope_theta must be positive"};
  const std::int64_t layers = weights->arch.layers;
  for (int layer : options.skip_layers)
    if (layer < 0 || layer >= layers)
      return Error{"executor: skip layer " + std::to_string(layer) + " is outside [0, " +
                   std::to_string(layers) + ")"};

  std::unique_ptr<TransformerExecutor> executor(
      new TransformerExecutor(graph, std::move(weights), std::move(placement), std::move(options)));
  if (Status s = executor->build_steps(); !s) return s.error();
  return executor;
}

Status TransformerExecutor::build_steps() {
  const ModelArch& a = weights_->arch;
  shape_.d_model = static_cast<std::size_t>(a.d_model);
  shape_.d_ff = static_cast<std::size_t>(a.d_ff);
  shape_.attention = AttentionShape{static_cast<std::size_t>(a.heads), static_cast<std::size_t>(a.kv_heads),
                                    static_cast<std::size_t>(a.head_dim)};
  shape_.norm_eps = options_.norm_eps;
  rotary_inverse_frequencies_ = rotary_inverse_frequencies(shape_.attention.head_dim, options_.rope_theta);
  skipped_.assign(static_cast<std::size_t>(a.layers), false);
  for (int layer : options_.skip_layers) skipped_[static_cast<std::size_t>(layer)] = true;

  const std::size_t kv_width = shape_.attention.kv_heads * shape_.attention.head_dim;
  cache_ = KvCache(static_cast<std::size_t>(a.layers), kv_width);
  scratch_cache_ = KvCache(static_cast<std::size_t>(a.layers), kv_width);

  std::vector<std::string> names;
  std::vector<bool> block_seen(static_cast<std::size_t>(a.layers), false);
  bool embedding_seen = false;
  bool head_seen = false;
  for (std::size_t i = 0; i < graph_.subgraphs.size(); ++i) {
    const std::string& name = graph_.subgraphs[i].name;
    names.push_back(name);
    Step step;
    step.subgraph = i;
    if (name == "embedding") {
      step.kind = StepKind::embedding;
      embedding_seen = true;
    } else if (name == "head") {
      step.kind = StepKind::head;
      head_seen = true;
    } else if (name.rfind("block.", 0) == 0) {
      step.kind = StepKind::block;
      std::size_t layer = 0;
      try {
        layer = std::stoul(name.substr(6));
      } catch (...) {
        return Error{"executor: subgraph name '" + name + "' has no layer number"};
      }
      if (layer >= block_seen.size() || block_seen[layer])
        return Error{"executor: subgraph '" + name + "' does not match a decoder layer"};
      block_seen[layer] = true;
      step.layer = layer;
    } else {
      return Error{"executor: subgraph '" + name + "' is not embedding, block.<i> or head"};
    }
    if (options_.time_ops) {
      std::vector<std::string_view> op_names;
      if (step.kind == StepKind::embedding) op_names = {"embed_tokens"};
      if (step.kind == StepKind::head) op_names = {"final_norm", "lm_head"};
      if (step.kind == StepKind::block)
        for (std::size_t k = 0; k < kBlockOps; ++k) op_names.push_back(block_op_name(static_cast<BlockOp>(k)));
      const std::vector<Op>& ops = graph_.subgraphs[i].ops;
      for (std::string_view op_name : op_names) {
        auto it = std::find_if(ops.begin(), ops.end(), [&](const Op& op) { return op.name == op_name; });
        if (it == ops.end())
          return Error{"executor: subgraph '" + name + "' has no op '" + std::string(op_name) + "' to time"};
        step.op_index.push_back(static_cast<std::size_t>(it - ops.begin()));
      }
    }
    step.cores = &placement_.subgraph_cores[i];
    if (!placement_.device(i)) {
      const CoreSet& cores = placement_.subgraph_cores[i];
      std::shared_ptr<ThreadPool>& pool = pools_[cores];
      if (!pool) pool = shared_thread_pool(cores);
      step.pool = pool.get();
    }
    steps_.push_back(step);
  }
  if (!embedding_seen || !head_seen || std::count(block_seen.begin(), block_seen.end(), false) > 0)
    return Error{"executor: model '" + graph_.name + "' lacks an embedding, a head or a decoder block"};
  // Run in data order whatever the listing order: embedding, blocks by layer, head.
  std::stable_sort(steps_.begin(), steps_.end(), [](const Step& x, const Step& y) {
    auto rank = [](const Step& s) {
      return s.kind == StepKind::embedding ? 0 : s.kind == StepKind::block ? 1 : 2;
    };
    if (rank(x) != rank(y)) return rank(x) < rank(y);
    return x.layer < y.layer;
  });
  timings_ = SubgraphTimings(names);
  if (options_.time_ops)
    for (const Subgraph& sg : graph_.subgraphs) op_seconds_.emplace_back(sg.ops.size(), 0.0);
  return build_devices();
}

// One runner per OpenCL device of the placement, holding the weights of the subgraphs it
// runs; then the PU boundaries of the data flow, where the hidden state is copied.
Status TransformerExecutor::build_devices() {
  std::map<const OpenClDevice*, OpenClSubgraphSet> sets;
  for (const Step& step : steps_) {
    const std::shared_ptr<OpenClDevice>& device = placement_.device(step.subgraph);
    if (!device) continue;
    OpenClSubgraphSet& set = sets[device.get()];
    set.layers.resize(skipped_.size(), false);
    if (step.kind == StepKind::embedding) set.embedding = true;
    if (step.kind == StepKind::head) set.head = true;
    if (step.kind == StepKind::block && !skipped_[step.layer]) set.layers[step.layer] = true;
  }
  for (const auto& [raw, set] : sets) {
    std::shared_ptr<OpenClDevice> device;
    for (const auto& d : placement_.subgraph_devices)
      if (d.get() == raw) device = d;
    auto runner = OpenClSubgraphRunner::create(device, weights_, shape_, rotary_inverse_frequencies_, set);
    if (!runner)
      return Error{"executor: OpenCL device '" + raw->info().label() + "': " + runner.error().message};
    devices_[raw] = std::move(runner).value();
  }
  const Step* previous = nullptr;
  for (Step& step : steps_) {
    if (step.kind == StepKind::block && skipped_[step.layer]) continue;
    const OpenClDevice* device = placement_.device(step.subgraph).get();
    if (device != nullptr) step.device = devices_.at(device).get();
    if (previous != nullptr && previous->device != step.device) {
      TransferTiming t;
      t.from = graph_.subgraphs[previous->subgraph].name;
      t.to = graph_.subgraphs[step.subgraph].name;
      t.from_subgraph = previous->subgraph;
      t.to_subgraph = step.subgraph;
      step.transfer_in = transfers_.size();
      transfers_.push_back(std::move(t));
    }
    previous = &step;
  }
  return {};
}

Status TransformerExecutor::move_hidden(const Step& from, const Step& to, std::size_t rows) {
  const Clock::time_point start = Clock::now();
  const std::span<float> hidden(hidden_.data(), rows * shape_.d_model);
  if (from.device != nullptr)
    if (Status s = from.device->download_hidden(hidden); !s) return s;
  if (to.device != nullptr)
    if (Status s = to.device->upload_hidden(hidden); !s) return s;
  const Seconds seconds = since(start);
  TransferTiming& t = transfers_[to.transfer_in];
  ++t.calls;
  t.bytes += static_cast<Bytes>(hidden.size_bytes());
  t.total_seconds += seconds;
  t.per_call_seconds.push_back(seconds);
  return {};
}

void TransformerExecutor::reset_timings() {
  timings_.reset();
  for (TransferTiming& t : transfers_) {
    t.calls = 0;
    t.bytes = 0;
    t.total_seconds = 0;
    t.per_call_seconds.clear();
  }
  for (auto& ops : op_seconds_) std::fill(ops.begin(), ops.end(), 0.0);
}

int TransformerExecutor::vocab() const { return static_cast<int>(weights_->arch.vocab); }

std::vector<float> TransformerExecutor::append(std::span<const int> tokens, std::size_t last_rows) {
  Result<std::vector<float>> logits = try_append(tokens, last_rows);
  if (!logits) return {};
  return std::move(logits).value();
}

Result<std::vector<float>> TransformerExecutor::try_append(std::span<const int> tokens,
                                                           std::size_t last_rows) {
  if (tokens.empty()) return Error{"executor: append needs at least one token"};
  if (last_rows < 1 || last_rows > tokens.size())
    return Error{"executor: last_rows " + std::to_string(last_rows) + " is outside [1, " +
                 std::to_string(tokens.size()) + "]"};
  for (int token : tokens)
    if (token < 0 || token >= vocab())
      return Error{"executor: token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                   std::to_string(vocab()) + ")"};

  const std::size_t first_new = tokens_.size();
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
  Result<std::vector<float>> logits = options_.kv_cache ? run(tokens, first_new, cache_, last_rows) : [&] {
    scratch_cache_.truncate(0);
    for (auto& [device, runner] : devices_) runner->truncate(0);
    return run(tokens_, 0, scratch_cache_, last_rows);
  }();
  if (!logits) truncate(first_new);
  return logits;
}

Result<std::vector<float>> TransformerExecutor::run(std::span<const int> input, std::size_t first_position,
                                                    KvCache& cache, std::size_t last_rows) {
  const std::size_t d = shape_.d_model;
  const std::size_t rows = input.size();
  const std::size_t vocab_size = static_cast<std::size_t>(weights_->arch.vocab);
  const TransformerWeights& w = *weights_;
  hidden_.resize(rows * d);
  std::vector<float> logits;

  // Device buffers, KV capacity and rotary tables for this pass: set-up, not a subgraph's work.
  for (auto& [device, runner] : devices_)
    if (Status s = runner->begin_pass(rows, first_position); !s) return s.error();

  ScopedAffinityRestore restore_affinity;
  const CoreSet* current = nullptr;  // where the calling thread is pinned
  const CoreSet* blas = nullptr;     // the cores BLAS threads were set up on
  const Step* previous = nullptr;
  for (const Step& step : steps_) {
    if (step.kind == StepKind::block && skipped_[step.layer]) continue;
    // The boundary tensor moves to the PU of this step, timed on its own.
    if (step.transfer_in != kNoTransfer)
      if (Status s = move_hidden(*previous, step, rows); !s) return s.error();
    previous = &step;
    // Pinning and BLAS set-up sit outside the timed region: they are the dispatch cost of
    // switching PUs, not the subgraph's work. A device step pins the calling thread, the one
    // that enqueues the device's work and waits for it, to the device's host cores when the
    // placement names them (pinned_step_cores): left unpinned it runs wherever the scheduler
    // last woke it, beside a CPU PU's work or on a CPU-hosted device's own worker cores, so
    // whether its enqueueing overlaps the device's work would be the scheduler's choice, not
    // the placement's (docs/runtime-opencl.md).
    if (const CoreSet* pin = pinned_step_cores(*step.cores, step.device != nullptr, current)) {
      Status pinned = pin_current_thread(*pin);
      // Host cores the process may not use leave a device step where the thread is, as they
      // leave the device's own set-up (OpenClDevice::open); a CPU step cannot run elsewhere.
      if (pinned) current = pin;
      else if (step.device == nullptr) return pinned.error();
    }
    if (step.device == nullptr && (blas == nullptr || *blas != *step.cores)) {
      use_blas_threads_on(*step.cores);
      blas = step.cores;
    }
    const Clock::time_point start = Clock::now();
    switch (step.kind) {
      case StepKind::embedding:
        if (step.device != nullptr) {
          if (Status s = step.device->embed(input); !s) return s.error();
        } else if (Status s = embedding_lookup(w.embedding, input, hidden_); !s) {
          return s.error();
        }
        if (options_.time_ops) op_seconds_[step.subgraph][step.op_index[0]] += since(start);
        break;
      case StepKind::block: {
        BlockOpTimes op_times;
        BlockOpTimes* times = options_.time_ops ? &op_times : nullptr;
        if (step.device != nullptr) {
          if (Status s = step.device->run_block(step.layer, first_position, times); !s) return s.error();
        } else {
          run_decoder_block(hidden_, first_position, w.layers[step.layer], shape_, rotary_inverse_frequencies_,
                            cache, step.layer, scratch_, *step.pool, times);
        }
        if (options_.time_ops)
          for (std::size_t k = 0; k < kBlockOps; ++k)
            op_seconds_[step.subgraph][step.op_index[k]] += op_times.seconds[k];
        break;
      }
      case StepKind::head: {
        if (step.device != nullptr) {
          logits.resize(last_rows * vocab_size);
          Seconds norm_seconds = 0, head_seconds = 0;
          if (Status s = step.device->run_head(last_rows, logits, options_.time_ops ? &norm_seconds : nullptr,
                                               options_.time_ops ? &head_seconds : nullptr);
              !s)
            return s.error();
          if (options_.time_ops) {
            op_seconds_[step.subgraph][step.op_index[0]] += norm_seconds;
            op_seconds_[step.subgraph][step.op_index[1]] += head_seconds;
          }
          break;
        }
        std::span<const float> last = std::span<const float>(hidden_).subspan((rows - last_rows) * d);
        head_normed_.resize(last_rows * d);
        rms_norm(last, w.final_norm, shape_.norm_eps, head_normed_, *step.pool);
        const Clock::time_point normed = Clock::now();
        logits.resize(last_rows * vocab_size);
        linear(head_normed_, last_rows, w.head_matrix(), logits, *step.pool);
        if (options_.time_ops) {
          op_seconds_[step.subgraph][step.op_index[0]] += std::chrono::duration<double>(normed - start).count();
          op_seconds_[step.subgraph][step.op_index[1]] += since(normed);
        }
        break;
      }
    }
    timings_.record(step.subgraph, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return logits;
}

void TransformerExecutor::truncate(std::size_t length) {
  if (length >= tokens_.size()) return;
  tokens_.resize(length);
  cache_.truncate(length);
  for (auto& [device, runner] : devices_) runner->truncate(length);
}

}  // namespace specmap::runtime
