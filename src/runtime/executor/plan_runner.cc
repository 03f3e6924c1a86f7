#include "runtime/executor/plan_runner.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "core/dtype.h"
#include "runtime/formats/gguf_weights.h"
#include "runtime/speculative/sampling.h"
#include "runtime/weights/synthetic_weights.h"

namespace specmap::runtime {

namespace {

std::string dtype_text(DType t) { return std::string(dtype_name(t)); }

// Tokens drawn from the raw generator output (not std::uniform_int_distribution, which
// differs between standard libraries), so a seed names the same prompt everywhere.
std::vector<int> synthetic_prompt(std::size_t count, int vocab, std::uint64_t seed) {
  std::mt19937_64 engine(seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<int> prompt(count);
  for (int& token : prompt) token = static_cast<int>(engine() % static_cast<std::uint64_t>(vocab));
  return prompt;
}

Result<std::unique_ptr<TransformerExecutor>> build_executor(const ModelGraph& graph,
                                                            const std::vector<std::string>& pus,
                                                            const Soc& soc, const std::string& variant,
                                                            const std::vector<CoreSet>& pu_cores,
                                                            std::uint64_t weight_seed, bool kv_cache) {
  if (Status st = check_runnable(graph); !st) return st.error();
  auto placement = placement_for(graph, pus, soc, variant, pu_cores);
  if (!placement) return placement.error();
  auto weights = model_weights(graph, weight_seed);
  if (!weights) return weights.error();
  ExecutorOptions options = executor_options_for(graph);
  options.kv_cache = kv_cache;
  return TransformerExecutor::create(graph,
                                     std::make_shared<const TransformerWeights>(std::move(weights).value()),
                                     std::move(placement).value(), options);
}

std::vector<SubgraphMeasurement> measurements(const TransformerExecutor& executor,
                                              const std::vector<std::string>& pus) {
  std::vector<SubgraphMeasurement> out;
  const auto& entries = executor.timings().entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    SubgraphMeasurement m;
    m.name = entries[i].name;
    if (i < pus.size()) m.pu = pus[i];
    if (const auto& device = executor.placement().device(i))
      m.opencl_device = device->info().label();
    else if (i < executor.placement().subgraph_cores.size())
      m.cores = executor.placement().subgraph_cores[i];
    m.calls = entries[i].calls;
    m.total_seconds = entries[i].total_seconds;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<TransferMeasurement> transfer_measurements(const TransformerExecutor& executor,
                                                       const std::vector<std::string>& pus) {
  std::vector<TransferMeasurement> out;
  for (const TransferTiming& t : executor.transfers()) {
    TransferMeasurement m;
    m.from = t.from;
    m.to = t.to;
    if (t.from_subgraph < pus.size()) m.from_pu = pus[t.from_subgraph];
    if (t.to_subgraph < pus.size()) m.to_pu = pus[t.to_subgraph];
    m.calls = t.calls;
    m.bytes = t.bytes;
    m.total_seconds = t.total_seconds;
    out.push_back(std::move(m));
  }
  return out;
}

// Every core the draft's subgraphs run on (an OpenCL PU's: its driver's host cores): the
// overlapped schedule pins the drafter's thread there.
CoreSet draft_cores(const TransformerExecutor& draft) {
  std::vector<int> cores;
  for (const CoreSet& set : draft.placement().subgraph_cores)
    cores.insert(cores.end(), set.cores.begin(), set.cores.end());
  return make_core_set(std::move(cores));
}

const DesignVariant* find_variant(const Soc& soc, const std::string& name) {
  for (const auto& v : soc.variants)
    if (v.name == name) return &v;
  return nullptr;
}

}  // namespace

bool is_opencl_pu(const ProcessingUnit& pu) { return !pu.opencl_device_match.empty(); }

namespace {

std::string cores_text(const std::vector<int>& cores) { return make_core_set(cores).to_string(); }

// The cluster of `pu` that lists `core` (for messages).
std::string cluster_of(const ProcessingUnit& pu, int core) {
  for (const CpuCluster& cluster : pu.clusters)
    if (std::find(cluster.core_ids.begin(), cluster.core_ids.end(), core) != cluster.core_ids.end())
      return cluster.name;
  return {};
}

}  // namespace

namespace {

// Every core some PU of the SoC names: a PU that gives a count never runs on them, whichever
// variant is chosen (as export's cpu_cores() numbers them).
std::vector<int> all_named_cores(const Soc& soc) {
  std::vector<int> named;
  for (const ProcessingUnit& pu : soc.pus) {
    const std::vector<int> cores = pu.named_cores();
    named.insert(named.end(), cores.begin(), cores.end());
  }
  std::sort(named.begin(), named.end());
  return named;
}

std::vector<int> without(const std::vector<int>& online, const std::vector<int>& sorted_excluded) {
  std::vector<int> left;
  for (int core : online)
    if (!std::binary_search(sorted_excluded.begin(), sorted_excluded.end(), core)) left.push_back(core);
  return left;
}

bool is_counted_cpu(const ProcessingUnit& pu) {
  return pu.kind == PuKind::cpu && !is_opencl_pu(pu) && pu.named_cores().empty();
}

}  // namespace

Status check_host_cores(const Soc& soc, const std::string& variant, const std::vector<int>& online) {
  const DesignVariant* chosen = find_variant(soc, variant);
  if (chosen == nullptr)
    return Error{"the plan's design variant '" + variant + "' is not defined by SoC '" + soc.name + "'"};
  std::size_t counted = 0;  // cores asked for by count, by CPU PUs that name none
  for (std::size_t pu = 0; pu < soc.pus.size(); ++pu) {
    const int units = pu < chosen->units.size() ? chosen->units[pu] : 0;
    const ProcessingUnit& unit = soc.pus[pu];
    if (units <= 0) continue;
    const std::vector<int> named = unit.named_cores();
    if (!named.empty()) {
      for (int k = 0; k < units && k < static_cast<int>(named.size()); ++k)
        if (!std::binary_search(online.begin(), online.end(), named[k]))
          return Error{"PU '" + unit.id + "' runs on core " + std::to_string(named[k]) + " (cluster '" +
                       cluster_of(unit, named[k]) + "') in design variant '" + variant +
                       "', which is not online on this host (online cores: " + cores_text(online) + ")"};
    } else if (is_counted_cpu(unit)) {
      counted += static_cast<std::size_t>(units);
    }
  }
  const std::vector<int> free = without(online, all_named_cores(soc));
  if (counted > free.size()) {
    const bool any_named = free.size() < online.size();
    return Error{"design variant '" + variant + "' needs " + std::to_string(counted) + " CPU cores" +
                 (any_named ? " besides those the SoC's PUs name" : "") + ", but this host has " +
                 std::to_string(free.size()) + " such online (online cores: " + cores_text(online) + ")"};
  }
  return {};
}

Result<std::vector<CoreSet>> pu_core_sets(const Soc& soc, const std::string& variant,
                                          const std::vector<int>& online) {
  if (Status st = check_host_cores(soc, variant, online); !st) return st.error();
  const DesignVariant* chosen = find_variant(soc, variant);
  auto units_of = [&](std::size_t pu) { return pu < chosen->units.size() ? chosen->units[pu] : 0; };
  std::vector<CoreSet> sets(soc.pus.size());
  // PUs that name their cores take the first `units` of them; the PUs that give counts take
  // online cores no PU names, in SoC order.
  std::vector<int> taken;
  for (std::size_t pu = 0; pu < soc.pus.size(); ++pu) {
    const int units = units_of(pu);
    const std::vector<int> named = soc.pus[pu].named_cores();
    if (units <= 0 || named.empty()) continue;
    std::vector<int> cores(named.begin(), named.begin() + std::min<std::ptrdiff_t>(units, named.size()));
    taken.insert(taken.end(), cores.begin(), cores.end());
    sets[pu] = make_core_set(std::move(cores));
  }
  const std::vector<int> counted_free = without(online, all_named_cores(soc));
  std::size_t next_core = 0;
  for (std::size_t pu = 0; pu < soc.pus.size(); ++pu) {
    const int units = units_of(pu);
    if (units <= 0 || !is_counted_cpu(soc.pus[pu])) continue;
    std::vector<int> cores(counted_free.begin() + static_cast<std::ptrdiff_t>(next_core),
                           counted_free.begin() + static_cast<std::ptrdiff_t>(next_core + units));
    taken.insert(taken.end(), cores.begin(), cores.end());
    sets[pu] = make_core_set(std::move(cores));
    next_core += static_cast<std::size_t>(units);
  }
  std::sort(taken.begin(), taken.end());
  const std::vector<int> free = without(online, taken);
  next_core = 0;
  // OpenCL PUs: host cores for the driver's threads from the cores the CPU PUs left, all
  // `units` of them or none (a crowded pocl is worse than an unpinned one).
  for (std::size_t pu = 0; pu < soc.pus.size(); ++pu) {
    const int units = units_of(pu);
    if (units <= 0 || !is_opencl_pu(soc.pus[pu]) || !soc.pus[pu].named_cores().empty()) continue;
    if (next_core + static_cast<std::size_t>(units) > free.size()) continue;
    std::vector<int> cores(free.begin() + static_cast<std::ptrdiff_t>(next_core),
                           free.begin() + static_cast<std::ptrdiff_t>(next_core + units));
    sets[pu] = make_core_set(std::move(cores));
    next_core += static_cast<std::size_t>(units);
  }
  return sets;
}

Result<CorePlacement> placement_for(const ModelGraph& graph, const std::vector<std::string>& pus,
                                    const Soc& soc, const std::string& variant,
                                    const std::vector<CoreSet>& pu_cores) {
  if (pus.size() != graph.subgraphs.size()) {
    return Error{"model '" + graph.name + "' has " + std::to_string(graph.subgraphs.size()) +
                 " subgraphs, but the plan assigns " + std::to_string(pus.size())};
  }
  const DesignVariant* chosen = find_variant(soc, variant);
  if (chosen == nullptr)
    return Error{"the plan's design variant '" + variant + "' is not defined by SoC '" + soc.name + "'"};
  CorePlacement placement;
  std::vector<std::shared_ptr<OpenClDevice>> devices(soc.pus.size());  // opened once per PU
  bool any_device = false;
  for (std::size_t i = 0; i < pus.size(); ++i) {
    const std::string where = "subgraph '" + graph.subgraphs[i].name + "' of model '" + graph.name + "'";
    auto pu = soc.pu_index(pus[i]);
    if (!pu)
      return Error{where + " is assigned to PU '" + pus[i] + "', which SoC '" + soc.name +
                   "' does not define"};
    const ProcessingUnit& unit = soc.pus[*pu];
    const int units = static_cast<std::size_t>(*pu) < chosen->units.size() ? chosen->units[*pu] : 0;
    if (units <= 0)
      return Error{where + " is assigned to PU '" + pus[i] + "', which the design variant switches off"};
    if (is_opencl_pu(unit)) {
      std::shared_ptr<OpenClDevice>& device = devices[*pu];
      if (!device) {
        OpenClDeviceRequest request;
        request.device_match = unit.opencl_device_match;
        request.max_compute_units = units;
        if (static_cast<std::size_t>(*pu) < pu_cores.size()) request.host_cores = pu_cores[*pu];
        auto opened = shared_opencl_device(request);
        if (!opened)
          return Error{where + " is assigned to OpenCL PU '" + pus[i] + "': " + opened.error().message};
        device = std::move(opened).value();
      }
      placement.subgraph_cores.push_back(static_cast<std::size_t>(*pu) < pu_cores.size() ? pu_cores[*pu]
                                                                                         : CoreSet{});
      placement.subgraph_devices.push_back(device);
      any_device = true;
      continue;
    }
    if (unit.kind != PuKind::cpu) {
      return Error{where + " is assigned to PU '" + pus[i] +
                   "', which is not a CPU and names no opencl_device: this runtime executes on CPU cores "
                   "and OpenCL devices only"};
    }
    if (static_cast<std::size_t>(*pu) >= pu_cores.size() || pu_cores[*pu].empty())
      return Error{where + " is assigned to PU '" + pus[i] + "', which the design variant switches off"};
    placement.subgraph_cores.push_back(pu_cores[*pu]);
    placement.subgraph_devices.push_back(nullptr);
  }
  // All on CPU cores: the plain placement, exactly as before OpenCL.
  if (!any_device) placement.subgraph_devices.clear();
  return placement;
}

Status check_runnable(const ModelGraph& graph) {
  if (!graph.arch) {
    return Error{
        "model '" + graph.name +
            "' has no architecture (hyperparameters): the runtime can only build models derived from one",
        graph.source_file, 0, 0, "architecture"};
  }
  if (graph.arch->encoder_layers > 0) {
    return Error{"model '" + graph.name + "' is an encoder-decoder: the runtime runs decoder-only models",
                 graph.source_file, 0, 0, "architecture.encoder_layers"};
  }
  // A checkpoint's types are the file's (the loader checks them). Synthetic weights are
  // generated in the architecture's one type (f32, f16, bf16, q8_0 or q4_0: the kernels run
  // all of them), so a model that asks for another type in its embedding or head, or for a
  // KV cache the executor does not keep, would run in types its description does not name.
  if (graph.weights) return {};
  const ModelArch& arch = *graph.arch;
  const auto group_differs = [&](const std::optional<DType>& group) { return group && *group != arch.dtype; };
  if (group_differs(arch.embedding_dtype) || (!arch.tied_embeddings && group_differs(arch.head_dtype))) {
    return Error{"model '" + graph.name + "' gives its embedding or LM head a type of its own (" +
                     dtype_text(arch.embedding_type()) + " / " + dtype_text(arch.head_type()) + " beside " +
                     dtype_text(arch.dtype) +
                     "): synthetic weights are made in one type; give a checkpoint (weights:) or one dtype",
                 graph.source_file, 0, 0, "architecture.dtype"};
  }
  if (arch.kv_dtype != DType::f32) {
    return Error{"model '" + graph.name + "' keeps its KV cache in " + dtype_text(arch.kv_dtype) +
                     ": the runtime keeps it in f32 only",
                 graph.source_file, 0, 0, "architecture.kv_dtype"};
  }
  return {};
}

Result<std::unique_ptr<PlanRunner>> PlanRunner::create(const Soc& soc, const ModelGraph& draft,
                                                       const ModelGraph& target, const PlanChoice& choice,
                                                       const PlanRunOptions& options) {
  if (choice.gamma < 0) return Error{"gamma must be >= 0, got " + std::to_string(choice.gamma)};
  if (options.prompt_tokens == 0 && options.prompt.empty()) return Error{"the prompt needs at least one token"};
  auto pu_cores = pu_core_sets(soc, choice.variant, online_cores());
  if (!pu_cores) return pu_cores.error();
  std::unique_ptr<PlanRunner> runner(new PlanRunner(choice, options));
  if (choice.gamma > 0) {
    auto built = build_executor(draft, choice.draft_pus, soc, choice.variant, *pu_cores, options.seed,
                                options.kv_cache);
    if (!built) return built.error();
    runner->draft_ = std::move(built).value();
  }
  auto built = build_executor(target, choice.target_pus, soc, choice.variant, *pu_cores, options.seed + 1,
                              options.kv_cache);
  if (!built) return built.error();
  runner->target_ = std::move(built).value();
  if (runner->draft_ && runner->draft_->vocab() != runner->target_->vocab()) {
    return Error{"draft '" + draft.name + "' has a vocabulary of " + std::to_string(runner->draft_->vocab()) +
                 " tokens, target '" + target.name + "' of " + std::to_string(runner->target_->vocab())};
  }
  return runner;
}

Result<PlanRunReport> PlanRunner::run() { return run_with_gamma(choice_.gamma); }

Result<PlanRunReport> PlanRunner::run_with_gamma(int gamma) {
  return run_case(gamma, options_.controlled_alpha, options_.seed, options_.seed);
}

Result<PlanRunReport> PlanRunner::run_case(int gamma, std::optional<double> controlled_alpha,
                                           std::uint64_t prompt_seed, std::uint64_t sampling_seed,
                                           std::optional<Schedule> schedule) {
  if (gamma > 0 && !draft_)
    return Error{"gamma " + std::to_string(gamma) + " needs the draft, which was not built"};
  if (gamma < 0) return Error{"gamma must be >= 0, got " + std::to_string(gamma)};
  PlanRunReport report;
  report.prompt = options_.prompt.empty() ? synthetic_prompt(options_.prompt_tokens, target_->vocab(), prompt_seed)
                                          : options_.prompt;
  for (int token : report.prompt)
    if (token < 0 || token >= target_->vocab())
      return Error{"prompt token " + std::to_string(token) + " is outside the vocabulary"};

  SpeculativeConfig config;
  config.greedy = !options_.temperature.has_value();
  if (options_.temperature) config.temperature = *options_.temperature;
  config.seed = sampling_seed;
  config.controlled_alpha = controlled_alpha;
  config.schedule = schedule.value_or(options_.schedule);
  config.on_iteration = options_.on_iteration;
  config.stop_token = options_.stop_token;  // generation ends there
  if (draft_) config.drafter_cores = draft_cores(*draft_);

  target_->reset_timings();
  if (draft_) draft_->reset_timings();
  // With gamma 0 the decoder never touches the draft, so the target stands in for it.
  TokenModel& draft_model = draft_ ? static_cast<TokenModel&>(*draft_) : static_cast<TokenModel&>(*target_);
  SpeculativeDecoder decoder(draft_model, *target_);
  // The loop runs where the target's head samples (pin_to_head_cores).
  const ScopedAffinityRestore restore_affinity;
  pin_to_head_cores(*target_);
  auto generated = decoder.generate(report.prompt, options_.new_tokens, gamma, config);
  if (!generated) return generated.error();

  report.tokens = std::move(generated->tokens);
  report.stats = generated->stats;
  const Seconds total = report.stats.total_time();
  const auto count = static_cast<double>(report.stats.tokens_generated);
  if (count > 0) report.time_per_token = total / count;
  if (total > 0) report.tokens_per_second = count / total;
  report.accept_ratio = report.stats.accept_ratio();
  report.alpha_estimate = report.stats.alpha_estimate();
  if (draft_ && gamma > 0) {
    report.draft_subgraphs = measurements(*draft_, choice_.draft_pus);
    report.draft_transfers = transfer_measurements(*draft_, choice_.draft_pus);
  }
  report.target_subgraphs = measurements(*target_, choice_.target_pus);
  report.target_transfers = transfer_measurements(*target_, choice_.target_pus);
  return report;
}

Result<PlanRunner::ForwardTimes> PlanRunner::time_forwards(std::size_t tokens, int repetitions,
                                                           std::uint64_t seed) {
  if (!draft_) return Error{"timing the draft needs it built (the plan's gamma is 0)"};
  if (tokens == 0 || repetitions < 1) return Error{"time_forwards needs tokens and repetitions"};
  const std::vector<int> prompt = synthetic_prompt(tokens, target_->vocab(), seed);
  std::vector<double> probabilities;
  auto one_pass = [&](TransformerExecutor& model) -> Result<Seconds> {
    model.truncate(0);
    const auto start = std::chrono::steady_clock::now();
    auto logits = model.try_append(prompt, 1);
    if (!logits) return logits.error();
    volatile int token = softmax_and_argmax_rows(*logits, 1, probabilities);  // as the decoder samples
    (void)token;
    const Seconds elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    model.truncate(0);
    return elapsed;
  };
  std::vector<Seconds> draft_times, target_times;
  // On the loop's thread placement (run_case).
  const ScopedAffinityRestore restore_affinity;
  pin_to_head_cores(*target_);
  // The first round warms caches and buffers and is not kept. Draft and target alternate,
  // so both see the same state of the machine.
  for (int rep = 0; rep <= repetitions; ++rep) {
    auto d = one_pass(*draft_);
    if (!d) return d.error();
    auto t = one_pass(*target_);
    if (!t) return t.error();
    if (rep == 0) continue;
    draft_times.push_back(*d);
    target_times.push_back(*t);
  }
  auto median = [](std::vector<Seconds> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  };
  return ForwardTimes{median(draft_times), median(target_times)};
}

}  // namespace specmap::runtime
