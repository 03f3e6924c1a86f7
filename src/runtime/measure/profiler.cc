#include "runtime/measure/profiler.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <utility>

#include "profile/profile_db.h"
#include "runtime/executor/plan_runner.h"
#include "runtime/measure/profile_benchmarks.h"
#include "runtime/measure/profile_coverage.h"
#include "runtime/formats/gguf_weights.h"
#include "runtime/speculative/sampling.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime/executor/transformer_executor.h"

namespace specmap::runtime {

namespace {

using Clock = std::chrono::steady_clock;

// One runnable PU (CPU cores or an OpenCL device) with a unit count, in the first design
// variant that has it (see pu_core_sets and placement_for).
struct PuConfig {
  std::string pu;
  int units = 0;
  std::string variant;
  std::vector<CoreSet> pu_cores;  // of that variant
  bool opencl = false;
};

// One timed point: `prefix` tokens untimed, then `timed` tokens per iteration.
struct Point {
  Tokens name_new_tokens = 1;
  Tokens name_context = 0;
  std::size_t prefix = 0;
  std::size_t timed = 1;
  Tokens rows = 0;  // rows sampled when not the implied ones (ProfileEntry::rows)
};

std::vector<int> synthetic_tokens(std::size_t count, int vocab, std::uint64_t seed) {
  std::mt19937_64 engine(seed ^ 0x51ed270b27a3c0f1ULL);
  std::vector<int> tokens(count);
  for (int& t : tokens) t = static_cast<int>(engine() % static_cast<std::uint64_t>(vocab));
  return tokens;
}

Result<std::vector<PuConfig>> pu_configs(const Soc& soc, std::vector<std::string>& skipped) {
  const std::vector<int> online = online_cores();
  std::vector<PuConfig> configs;
  std::set<std::pair<std::size_t, int>> seen;
  for (const DesignVariant& variant : soc.variants) {
    Result<std::vector<CoreSet>> sets = pu_core_sets(soc, variant.name, online);
    for (std::size_t pu = 0; pu < soc.pus.size(); ++pu) {
      const int units = pu < variant.units.size() ? variant.units[pu] : 0;
      if (units <= 0 || !seen.insert({pu, units}).second) continue;
      const std::string what = "PU '" + soc.pus[pu].id + "' with " + std::to_string(units) + " units";
      const bool opencl = is_opencl_pu(soc.pus[pu]);
      if (soc.pus[pu].kind != PuKind::cpu && !opencl) {
        skipped.push_back(what + ": neither a CPU nor an OpenCL device (no backend for it)");
        continue;
      }
      if (!sets) {
        skipped.push_back(what + ": " + sets.error().message);
        continue;
      }
      configs.push_back(PuConfig{soc.pus[pu].id, units, variant.name, *sets, opencl});
    }
  }
  if (configs.empty()) return Error{"SoC '" + soc.name + "' has no PU configuration this host can run"};
  return configs;
}

// The profile's points of one model, as named: the grid of new-token counts and contexts, and
// what covers the passes the cost model reads for it (profile_coverage.h). With a KV cache a
// point (n, ctx) appends n tokens after ctx; without one every pass runs the whole sequence,
// so the grid has one point per distinct length n + ctx, sampling one row and, for n >= 2,
// n rows (a verification of n - 1 drafts: the same tokens as a one-row pass, not the same
// work, as the LM head runs n rows).
std::vector<PassPoint> named_points(const Workload& workload, const std::vector<Tokens>& new_tokens,
                                    const std::vector<Tokens>& contexts, const std::vector<PassPoint>& needed) {
  std::vector<PassPoint> grid;
  for (Tokens n : new_tokens)
    for (Tokens ctx : contexts) {
      if (workload.kv_cache) {
        grid.push_back(PassPoint{n, ctx, 0});
      } else {
        grid.push_back(PassPoint{n + ctx, 0, 0});
        if (n >= 2) grid.push_back(PassPoint{n + ctx, 0, n});
      }
    }
  return covering_points(grid, needed);
}

std::vector<Point> points_for(const Workload& workload, const std::vector<Tokens>& new_tokens,
                              const std::vector<Tokens>& contexts, const std::vector<PassPoint>& needed) {
  std::vector<Point> points;
  for (const PassPoint& p : named_points(workload, new_tokens, contexts, needed)) {
    const Tokens prefix = workload.kv_cache ? p.context : 0;
    const Tokens timed = workload.kv_cache ? p.new_tokens : p.new_tokens + p.context;
    points.push_back(Point{workload.kv_cache ? p.new_tokens : timed, workload.kv_cache ? p.context : 0,
                           static_cast<std::size_t>(prefix), static_cast<std::size_t>(timed), p.rows});
  }
  return points;
}

// One point of one executor as a Google Benchmark benchmark. Each call of run() is one
// repetition (or the library's search for the iteration count): the prefix is prefilled
// untimed, every iteration appends the timed tokens, samples them and rolls back, and only
// the append and the sampling are timed (manual time). The subgraphs and ops of the same
// passes become the run's "subgraph:<name>" and "op:<op profile key>" counters, in seconds
// per iteration (an op key shared by several ops: seconds of one of them).
class PointBenchmark {
 public:
  PointBenchmark(TransformerExecutor& executor, const ModelGraph& graph, const Point& point, std::uint64_t seed)
      : executor_(executor),
        graph_(graph),
        point_(point),
        tokens_(synthetic_tokens(point.prefix + point.timed, executor.vocab(), seed)) {}

  void run(benchmark::State& state) {
    // Where the decode loop runs this model's passes (pin_to_head_cores).
    const ScopedAffinityRestore restore_affinity;
    pin_to_head_cores(executor_);
    if (Status st = prefill(); !st) {
      fail(state, st.error().message);
      return;
    }
    executor_.reset_timings();
    Seconds sampling = 0;
    for (auto _ : state) {
      auto t = one_pass();
      if (!t) {
        fail(state, t.error().message);
        return;
      }
      state.SetIterationTime(t->first);
      sampling += t->second;
    }
    const auto& entries = executor_.timings().entries();
    const auto& op_seconds = executor_.op_seconds();
    // Ops of the same shape share a profile key: their figure is the time of one of them.
    std::map<std::string, std::pair<Seconds, int>> ops;  // key -> (seconds, occurrences per pass)
    for (std::size_t i = 0; i < graph_.subgraphs.size() && i < entries.size(); ++i) {
      if (entries[i].calls == 0) continue;  // a skipped layer has no time to report
      const bool head = i + 1 == graph_.subgraphs.size();
      Seconds seconds = entries[i].total_seconds;
      if (head) seconds += sampling;  // the head samples
      state.counters[std::string(kSubgraphCounterPrefix) + graph_.subgraphs[i].name] =
          benchmark::Counter(seconds, benchmark::Counter::kAvgIterations);
      if (i >= op_seconds.size()) continue;
      const std::vector<Op>& graph_ops = graph_.subgraphs[i].ops;
      for (std::size_t k = 0; k < graph_ops.size() && k < op_seconds[i].size(); ++k) {
        auto& [op_total, occurrences] = ops[op_profile_key(graph_ops[k])];
        op_total += op_seconds[i][k] + (head && graph_ops[k].name == "sample" ? sampling : 0.0);
        occurrences += 1;
      }
    }
    for (const auto& [key, total] : ops)
      state.counters[std::string(kOpCounterPrefix) + key] =
          benchmark::Counter(total.first / total.second, benchmark::Counter::kAvgIterations);
  }

  // The first failure, if any ("" when every run completed).
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  void fail(benchmark::State& state, const std::string& message) {
    if (error_.empty()) error_ = message;
    state.SkipWithError(error_.c_str());
  }

  Status prefill() {
    executor_.truncate(0);
    if (point_.prefix == 0) return {};
    auto r = executor_.try_append(std::span<const int>(tokens_.data(), point_.prefix), 1);
    if (!r) return r.error();
    return {};
  }

  // Seconds of the whole pass (sampling included) and of its sampling alone.
  Result<std::pair<Seconds, Seconds>> one_pass() {
    const std::span<const int> timed(tokens_.data() + point_.prefix, point_.timed);
    // With a cache, a pass at context 0 is a prefill, which samples from its last row only;
    // later passes are decoding steps and verifications, which need every appended row. A
    // no-cache pass is a decoding step (last row only) or, with rows, a verification.
    const std::size_t rows = point_.rows > 0 ? static_cast<std::size_t>(point_.rows)
                             : executor_.options().kv_cache && point_.prefix > 0 ? point_.timed
                                                                                 : 1;
    const auto start = Clock::now();
    auto r = executor_.try_append(timed, rows);
    const auto sampled = Clock::now();
    // The cost model counts sampling in the head subgraph's "sample" op: timed with the pass.
    if (r) benchmark::DoNotOptimize(softmax_and_argmax_rows(*r, rows, scratch_));
    const auto end = Clock::now();
    executor_.truncate(point_.prefix);
    if (!r) return r.error();
    return std::pair<Seconds, Seconds>{std::chrono::duration<double>(end - start).count(),
                                       std::chrono::duration<double>(end - sampled).count()};
  }

  TransformerExecutor& executor_;
  const ModelGraph& graph_;
  Point point_;
  std::vector<int> tokens_;
  std::vector<double> scratch_;
  std::string error_;
};

// The library's JSON reporter, writing to a string, with a progress callback per run.
class ProfileReporter : public benchmark::JSONReporter {
 public:
  ProfileReporter(std::ostream& out, std::ostream& err, const ProfilerOptions& options, std::size_t total)
      : options_(options) {
    SetOutputStream(&out);
    SetErrorStream(&err);
    progress_.total = total;
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    JSONReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      progress_.name = run.run_name.str();
      if (options_.on_progress) options_.on_progress(progress_);
      ++progress_.done;
    }
  }

 private:
  const ProfilerOptions& options_;
  ProfileProgress progress_;
};

// Google Benchmark keeps its flags and registered benchmarks in globals: one profile at a time.
std::mutex& library_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

std::vector<Tokens> default_contexts(const Workload& workload) {
  const auto prompt = static_cast<Tokens>(std::llround(workload.mean_prompt_tokens()));
  const auto end =
      static_cast<Tokens>(std::llround(workload.mean_prompt_tokens() + workload.mean_generate_tokens()));
  std::set<Tokens> contexts{0, std::max<Tokens>(prompt, 0), std::max<Tokens>(end, 0)};
  return {contexts.begin(), contexts.end()};
}

Result<ProfileRun> profile_models(const Soc& soc, const std::vector<const ModelGraph*>& models,
                                  const Workload& workload, const ProfilerOptions& options,
                                  const std::string& machine) {
  if (options.repetitions < 1) return Error{"repetitions must be at least 1"};
  if (options.new_tokens.empty()) return Error{"no new-token counts to profile"};
  for (Tokens n : options.new_tokens)
    if (n < 1) return Error{"new-token counts must be at least 1, got " + std::to_string(n)};
  const std::vector<Tokens> contexts =
      options.contexts.empty() ? default_contexts(workload) : options.contexts;
  for (Tokens c : contexts)
    if (c < 0) return Error{"contexts must be at least 0, got " + std::to_string(c)};

  ProfileRun run;
  auto configs = pu_configs(soc, run.skipped);
  if (!configs) return configs.error();
  // Weight seed offset per model by its place in `models`, so a skipped draft does not
  // change the target's weights.
  std::vector<std::pair<const ModelGraph*, std::uint64_t>> runnable;
  std::vector<std::size_t> place_of;  // parallel to runnable: the model's index in `models`
  for (std::size_t m = 0; m < models.size(); ++m) {
    if (Status st = check_runnable(*models[m]); !st) {
      run.skipped.push_back("model '" + models[m]->name + "': " + st.error().message);
      continue;
    }
    runnable.emplace_back(models[m], options.seed + m);
    place_of.push_back(m);
  }
  if (runnable.empty()) {
    // The reasons are the only thing the user can act on: name every model's.
    std::string why = "none of the models can run on this runtime";
    for (const std::string& reason : run.skipped) why += "; " + reason;
    return Error{why};
  }

  if (options.needed.size() > models.size()) return Error{"needed points given for more models than profiled"};

  // An OpenCL PU whose device this host lacks (a board without its GPU driver, a machine
  // without pocl) is skipped with the reason, as other PUs that cannot run here are. Opening
  // it here is the process's first OpenCL call, so pocl's threads start where they should.
  std::vector<PuConfig> usable;
  for (const PuConfig& config : *configs) {
    if (config.opencl) {
      const ModelGraph& graph = *runnable.front().first;
      auto placement = placement_for(graph, std::vector<std::string>(graph.subgraphs.size(), config.pu), soc,
                                     config.variant, config.pu_cores);
      if (!placement) {
        run.skipped.push_back("PU '" + config.pu + "' with " + std::to_string(config.units) +
                              " units: " + placement.error().message);
        continue;
      }
    }
    usable.push_back(config);
  }
  if (usable.empty()) return Error{"SoC '" + soc.name + "' has no PU configuration this host can run"};
  *configs = std::move(usable);

  // Every executor and benchmark first; the library then runs the repetitions of all
  // benchmarks randomly interleaved, so a slow phase of a shared machine lands in every
  // point's spread instead of shifting the few points measured during it.
  std::vector<std::unique_ptr<TransformerExecutor>> executors;
  std::vector<std::unique_ptr<PointBenchmark>> benchmarks;
  std::vector<std::string> names;
  // executor_of[{model index, config index}]: for the contention references.
  std::map<std::pair<std::size_t, std::size_t>, TransformerExecutor*> executor_of;
  for (std::size_t m = 0; m < runnable.size(); ++m) {
    const ModelGraph& graph = *runnable[m].first;
    auto weights = model_weights(graph, runnable[m].second);
    if (!weights) return weights.error();
    auto shared = std::make_shared<const TransformerWeights>(std::move(weights).value());
    const std::size_t place = place_of[m];
    const std::vector<Point> points = points_for(
        workload, options.new_tokens, contexts, place < options.needed.size() ? options.needed[place] : std::vector<PassPoint>{});
    for (std::size_t k = 0; k < configs->size(); ++k) {
      const PuConfig& config = (*configs)[k];
      ExecutorOptions exec_options = executor_options_for(graph);
      exec_options.kv_cache = workload.kv_cache;
      exec_options.time_ops = true;
      auto placement = placement_for(graph, std::vector<std::string>(graph.subgraphs.size(), config.pu), soc,
                                     config.variant, config.pu_cores);
      if (!placement) return placement.error();
      auto executor = TransformerExecutor::create(graph, shared, std::move(placement).value(), exec_options);
      if (!executor) return executor.error();
      executors.push_back(std::move(executor).value());
      executor_of[{m, k}] = executors.back().get();
      for (const Point& point : points) {
        benchmarks.push_back(std::make_unique<PointBenchmark>(*executors.back(), graph, point,
                                                              options.seed + point.prefix + point.timed));
        names.push_back(benchmark_name(ProfileLevel::forward, graph.name, "forward", config.pu, config.units,
                                       point.name_new_tokens, point.name_context, point.rows));
      }
    }
  }

  // Copies between host memory and each OpenCL PU, both directions, over the sizes asked for.
  std::vector<std::unique_ptr<TransferProbe>> probes;
  std::vector<std::unique_ptr<TransferBenchmark>> transfers;
  std::vector<std::string> transfer_names;
  std::set<std::string> probed;
  const std::size_t max_bytes =
      options.transfer_bytes.empty() ? 0 : *std::max_element(options.transfer_bytes.begin(), options.transfer_bytes.end());
  for (std::size_t k = 0; k < configs->size(); ++k) {
    const PuConfig& config = (*configs)[k];
    if (!config.opencl || max_bytes == 0 || !probed.insert(config.pu).second) continue;
    // The device the executors of this PU run on; the host side of the copy is every CPU PU
    // of the same variant.
    auto probe = TransferProbe::create(executor_of[{0, k}]->placement().device(0), max_bytes);
    if (!probe) return probe.error();
    probes.push_back(std::move(probe).value());
    const auto pu_index = *soc.pu_index(config.pu);
    const DesignVariant* variant = nullptr;
    for (const auto& v : soc.variants)
      if (v.name == config.variant) variant = &v;
    for (std::size_t host = 0; host < soc.pus.size(); ++host) {
      if (soc.pus[host].kind != PuKind::cpu || is_opencl_pu(soc.pus[host]) || static_cast<int>(host) == pu_index)
        continue;
      if (variant && (host >= variant->units.size() || variant->units[host] <= 0)) continue;
      for (std::size_t bytes : options.transfer_bytes)
        for (bool to_device : {true, false}) {
          transfers.push_back(std::make_unique<TransferBenchmark>(*probes.back(), bytes, to_device));
          transfer_names.push_back(to_device ? transfer_benchmark_name(soc.pus[host].id, config.pu, double(bytes))
                                             : transfer_benchmark_name(config.pu, soc.pus[host].id, double(bytes)));
        }
    }
  }

  // Contention, keyed per role: the last model (the target) on each PU of a variant, alone and
  // while the first model (the draft) keeps another PU of the same variant busy, and the draft
  // alone and beside the target the same way (role:target / role:draft in the names).
  std::vector<std::unique_ptr<ContentionBenchmark>> contention;
  std::vector<std::string> contention_names;
  if (options.contention && !runnable.empty()) {
    const std::size_t reference_model = runnable.size() - 1;
    const std::size_t load_model = 0;
    const Tokens context = std::max<Tokens>(std::llround(workload.mean_prompt_tokens()), 1);
    std::set<std::string> added;
    auto config_index = [&](const std::string& pu, int units) -> std::optional<std::size_t> {
      for (std::size_t k = 0; k < configs->size(); ++k)
        if ((*configs)[k].pu == pu && (*configs)[k].units == units) return k;
      return std::nullopt;
    };
    for (const DesignVariant& variant : soc.variants) {
      for (std::size_t a = 0; a < soc.pus.size(); ++a) {
        for (std::size_t b = 0; b < soc.pus.size(); ++b) {
          if (a == b || a >= variant.units.size() || b >= variant.units.size()) continue;
          const int ua = variant.units[a], ub = variant.units[b];
          if (ua <= 0 || ub <= 0) continue;
          auto ka = config_index(soc.pus[a].id, ua);
          auto kb = config_index(soc.pus[b].id, ub);
          if (!ka || !kb) continue;
          for (const bool target_role : {true, false}) {
            const std::string role = target_role ? "target" : "draft";
            TransformerExecutor* reference = executor_of[{target_role ? reference_model : load_model, *ka}];
            TransformerExecutor* load = executor_of[{target_role ? load_model : reference_model, *kb}];
            if (reference == load || !reference || !load) continue;
            const std::string alone = contention_benchmark_name(soc.pus[a].id, ua, "", 0, role);
            if (added.insert(alone).second) {
              contention.push_back(std::make_unique<ContentionBenchmark>(
                  *reference, static_cast<std::size_t>(context), 1, nullptr, options.seed));
              contention_names.push_back(alone);
            }
            const std::string beside = contention_benchmark_name(soc.pus[a].id, ua, soc.pus[b].id, ub, role);
            if (added.insert(beside).second) {
              contention.push_back(std::make_unique<ContentionBenchmark>(
                  *reference, static_cast<std::size_t>(context), 1, load, options.seed));
              contention_names.push_back(beside);
            }
          }
        }
      }
    }
  }

  // The loop's own work per iteration, at each vocabulary the models have.
  std::vector<std::unique_ptr<LoopBenchmark>> loops;
  std::vector<std::string> loop_names;
  {
    std::set<int> vocabs;
    for (const auto& executor : executors) vocabs.insert(executor->vocab());
    for (int vocab : vocabs)
      for (int drafts : std::set<int>(options.loop_drafts.begin(), options.loop_drafts.end())) {
        if (vocab < 1 || drafts < 0) continue;
        loops.push_back(std::make_unique<LoopBenchmark>(vocab, drafts, options.seed));
        loop_names.push_back(loop_benchmark_name(vocab, drafts));
      }
  }

  std::ostringstream out;
  std::ostringstream err;
  {
    const std::lock_guard<std::mutex> lock(library_mutex());
    // The library reads its settings from flags; these are the only ones set.
    std::string program = "specmap-profile";
    std::string interleave = "--benchmark_enable_random_interleaving=true";
    std::vector<char*> argv{program.data(), interleave.data(), nullptr};
    int argc = 2;
    benchmark::Initialize(&argc, argv.data());
    benchmark::ClearRegisteredBenchmarks();
    auto add = [&](const std::string& name, auto* b) {
      benchmark::RegisterBenchmark(name.c_str(), [b](benchmark::State& state) { b->run(state); })
          ->Repetitions(options.repetitions)
          ->MinTime(options.min_time)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    };
    for (std::size_t i = 0; i < benchmarks.size(); ++i) add(names[i], benchmarks[i].get());
    for (std::size_t i = 0; i < transfers.size(); ++i) add(transfer_names[i], transfers[i].get());
    for (std::size_t i = 0; i < contention.size(); ++i) add(contention_names[i], contention[i].get());
    for (std::size_t i = 0; i < loops.size(); ++i) {
      LoopBenchmark* b = loops[i].get();
      benchmark::RegisterBenchmark(loop_names[i].c_str(), [b](benchmark::State& state) { b->run(state); })
          ->Repetitions(options.repetitions)
          ->Iterations(b->iterations_for(options.min_time))
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
    const std::size_t all = benchmarks.size() + transfers.size() + contention.size() + loops.size();
    ProfileReporter reporter(out, err, options, all * static_cast<std::size_t>(options.repetitions));
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();
  }
  for (std::size_t i = 0; i < benchmarks.size(); ++i)
    if (!benchmarks[i]->error().empty()) return Error{names[i] + ": " + benchmarks[i]->error()};
  for (std::size_t i = 0; i < transfers.size(); ++i)
    if (!transfers[i]->error().empty()) return Error{transfer_names[i] + ": " + transfers[i]->error()};
  for (std::size_t i = 0; i < contention.size(); ++i)
    if (!contention[i]->error().empty()) return Error{contention_names[i] + ": " + contention[i]->error()};
  for (std::size_t i = 0; i < loops.size(); ++i)
    if (!loops[i]->error().empty()) return Error{loop_names[i] + ": " + loops[i]->error()};

  // The library's output plus the machine; read back here so a malformed file is never written.
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(out.str());
  } catch (const nlohmann::json::parse_error& e) {
    return Error{std::string("Google Benchmark wrote unreadable JSON: ") + e.what()};
  }
  doc["context"]["specmap_machine"] = machine;
  run.json = doc.dump(2) + "\n";
  auto db = parse_benchmark_json(run.json, "profile");
  if (!db) return db.error();
  run.db = std::move(db).value();
  run.points = benchmarks.size();
  run.entries = run.db.entries.size();
  run.transfers = run.db.transfers.size();
  run.contention = run.db.contention.size();
  run.loops = run.db.loops.size();
  return run;
}

}  // namespace specmap::runtime
