#include "runtime/profiler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <utility>

#include "profile/profile_db.h"
#include "runtime/benchmark_json_writer.h"
#include "runtime/plan_runner.h"
#include "runtime/synthetic_weights.h"
#include "runtime/transformer_executor.h"

namespace specmap::runtime {

namespace {

using Clock = std::chrono::steady_clock;

// Safety cap: a pass far below the clock's resolution must not loop for ever.
constexpr std::size_t kMaxIterations = 1'000'000;

// One CPU PU with a unit count, and the cores the runtime gives it (see pu_core_sets).
struct PuConfig {
  std::string pu;
  int units = 0;
  CoreSet cores;
};

// One timed point: `prefix` tokens untimed, then `timed` tokens per iteration.
struct Point {
  Tokens name_new_tokens = 1;
  Tokens name_context = 0;
  std::size_t prefix = 0;
  std::size_t timed = 1;
};

std::vector<int> synthetic_tokens(std::size_t count, int vocab, std::uint64_t seed) {
  std::mt19937_64 engine(seed ^ 0x51ed270b27a3c0f1ULL);
  std::vector<int> tokens(count);
  for (int& t : tokens) t = static_cast<int>(engine() % static_cast<std::uint64_t>(vocab));
  return tokens;
}

Result<std::vector<PuConfig>> cpu_configs(const Soc& soc, std::vector<std::string>& skipped) {
  const std::vector<int> online = online_cores();
  std::vector<PuConfig> configs;
  std::set<std::pair<std::size_t, int>> seen;
  for (const DesignVariant& variant : soc.variants) {
    Result<std::vector<CoreSet>> sets = pu_core_sets(soc, variant.name, online);
    for (std::size_t pu = 0; pu < soc.pus.size(); ++pu) {
      const int units = pu < variant.units.size() ? variant.units[pu] : 0;
      if (units <= 0 || !seen.insert({pu, units}).second) continue;
      const std::string what = "PU '" + soc.pus[pu].id + "' with " + std::to_string(units) + " units";
      if (soc.pus[pu].kind != PuKind::cpu) {
        skipped.push_back(what + ": not a CPU (the runtime executes on CPU cores only)");
        continue;
      }
      if (!sets) {
        skipped.push_back(what + ": " + sets.error().message);
        continue;
      }
      configs.push_back(PuConfig{soc.pus[pu].id, units, (*sets)[pu]});
    }
  }
  if (configs.empty()) return Error{"SoC '" + soc.name + "' has no CPU configuration this host can run"};
  return configs;
}

std::vector<Point> points_for(const Workload& workload, const std::vector<Tokens>& new_tokens,
                              const std::vector<Tokens>& contexts) {
  std::vector<Point> points;
  if (workload.kv_cache) {
    for (Tokens n : new_tokens)
      for (Tokens ctx : contexts)
        points.push_back(Point{n, ctx, static_cast<std::size_t>(ctx), static_cast<std::size_t>(n)});
    return points;
  }
  // Without a cache every pass runs the whole sequence: one point per distinct length.
  std::set<Tokens> lengths;
  for (Tokens n : new_tokens)
    for (Tokens ctx : contexts) lengths.insert(n + ctx);
  for (Tokens length : lengths) points.push_back(Point{length, 0, 0, static_cast<std::size_t>(length)});
  return points;
}

// Times `point` on `executor`: the first repetition runs until min_time and fixes the
// iteration count for the rest. Forward and subgraph samples come from the same passes.
Status measure(TransformerExecutor& executor, const Point& point, const ProfilerOptions& options,
               std::uint64_t seed, BenchmarkSamples& forward, std::vector<BenchmarkSamples>& subgraphs) {
  const std::vector<int> tokens = synthetic_tokens(point.prefix + point.timed, executor.vocab(), seed);
  const std::span<const int> prefix(tokens.data(), point.prefix);
  const std::span<const int> timed(tokens.data() + point.prefix, point.timed);
  // Verification passes need the logits of every appended token; a no-cache pass stands
  // for one decoding step, which reads only the last row.
  const std::size_t last_rows = executor.options().kv_cache ? point.timed : 1;

  executor.truncate(0);
  if (!prefix.empty())
    if (auto r = executor.try_append(prefix, 1); !r) return r.error();
  auto one_pass = [&]() -> Result<Seconds> {
    const auto start = Clock::now();
    auto r = executor.try_append(timed, last_rows);
    const Seconds elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    executor.truncate(point.prefix);
    if (!r) return r.error();
    return elapsed;
  };
  if (auto warm = one_pass(); !warm) return warm.error();  // caches and thread pool warm

  std::size_t iterations = 0;
  for (int rep = 0; rep < options.repetitions; ++rep) {
    executor.reset_timings();
    Seconds total = 0;
    std::size_t done = 0;
    while (rep == 0 ? (total < options.min_time && done < kMaxIterations) || done == 0 : done < iterations) {
      auto t = one_pass();
      if (!t) return t.error();
      total += *t;
      ++done;
    }
    if (rep == 0) iterations = done;
    forward.per_iteration.push_back(total / static_cast<double>(done));
    const auto& entries = executor.timings().entries();
    for (std::size_t i = 0; i < subgraphs.size() && i < entries.size(); ++i)
      subgraphs[i].per_iteration.push_back(entries[i].total_seconds / static_cast<double>(done));
  }
  forward.iterations = iterations;
  for (auto& s : subgraphs) s.iterations = iterations;
  return {};
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
  auto configs = cpu_configs(soc, run.skipped);
  if (!configs) return configs.error();
  // Weight seed offset per model by its place in `models`, so a skipped draft does not
  // change the target's weights.
  std::vector<std::pair<const ModelGraph*, std::uint64_t>> runnable;
  for (std::size_t m = 0; m < models.size(); ++m) {
    if (Status st = check_runnable(*models[m]); !st) {
      run.skipped.push_back("model '" + models[m]->name + "': " + st.error().message);
      continue;
    }
    runnable.emplace_back(models[m], options.seed + m);
  }
  if (runnable.empty()) return Error{"none of the models can run on this runtime"};

  const std::vector<Point> points = points_for(workload, options.new_tokens, contexts);
  ProfileProgress progress;
  progress.total = runnable.size() * configs->size() * points.size();
  BenchmarkJsonWriter writer;
  writer.add_context("specmap_machine", machine);

  for (const auto& [model, weight_seed] : runnable) {
    const ModelGraph& graph = *model;
    auto weights = SyntheticWeights(weight_seed).load(*graph.arch);
    if (!weights) return weights.error();
    auto shared = std::make_shared<const TransformerWeights>(std::move(weights).value());
    for (const PuConfig& config : *configs) {
      ExecutorOptions exec_options;
      exec_options.kv_cache = workload.kv_cache;
      auto executor =
          TransformerExecutor::create(graph, shared, place_all_on(graph, config.cores), exec_options);
      if (!executor) return executor.error();
      for (const Point& point : points) {
        auto name = [&](ProfileLevel level, const std::string& key) {
          return benchmark_name(level, graph.name, key, config.pu, config.units, point.name_new_tokens,
                                point.name_context);
        };
        BenchmarkSamples forward{name(ProfileLevel::forward, "forward"), 1, {}};
        std::vector<BenchmarkSamples> subgraphs;
        for (const Subgraph& sg : graph.subgraphs)
          subgraphs.push_back(BenchmarkSamples{name(ProfileLevel::subgraph, sg.name), 1, {}});
        progress.name = forward.name;
        if (options.on_progress) options.on_progress(progress);
        if (Status st = measure(**executor, point, options, options.seed + point.prefix + point.timed,
                                forward, subgraphs);
            !st)
          return Error{forward.name + ": " + st.error().message};
        writer.add(std::move(forward));
        // Skipped layers are never called: they have no time to report.
        const auto& entries = (*executor)->timings().entries();
        for (std::size_t i = 0; i < subgraphs.size(); ++i)
          if (i < entries.size() && entries[i].calls > 0) writer.add(std::move(subgraphs[i]));
        ++run.points;
        ++progress.done;
      }
    }
  }
  run.entries = writer.size();
  run.json = writer.json();
  return run;
}

}  // namespace specmap::runtime
