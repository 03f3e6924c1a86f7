// The profiler measures every (model, CPU configuration, new tokens, context) point at the
// forward and subgraph levels, in a file the profile reader accepts.
#include "runtime/measure/profiler.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "profile/profile_db.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

ModelGraph tiny_model(const std::string& name, std::int64_t layers) {
  return derive_model(name, testing::tiny_arch(layers));
}

// One CPU PU plus a GPU the runtime cannot drive and a variant asking for more cores than
// any host has: only (cpu, 1 unit) is measurable.
Soc test_soc() {
  Soc soc;
  soc.name = "test-soc";
  ProcessingUnit cpu;
  cpu.id = "cpu";
  cpu.kind = PuKind::cpu;
  cpu.units = 4096;
  ProcessingUnit gpu;
  gpu.id = "gpu";
  gpu.kind = PuKind::gpu;
  gpu.units = 4;
  soc.pus = {cpu, gpu};
  soc.variants = {{"one", {1, 0}}, {"with-gpu", {1, 4}}, {"huge", {4096, 0}}};
  return soc;
}

Workload workload(Tokens prompt, Tokens generate, bool kv_cache) {
  Workload w;
  w.name = "test";
  w.kv_cache = kv_cache;
  w.samples = {WorkloadSample{1.0, prompt, generate, {0.5}}};
  return w;
}

ProfilerOptions quick_options() {
  ProfilerOptions o;
  o.new_tokens = {1, 3};
  o.contexts = {0, 5};
  o.repetitions = 2;
  o.min_time = 0.001;
  return o;
}

using PointKey = std::tuple<ProfileLevel, std::string, std::string, std::string, int, Tokens, Tokens>;

std::set<PointKey> keys_of(const ProfileDb& db) {
  std::set<PointKey> keys;
  for (const auto& e : db.entries)
    keys.insert({e.level, e.model, e.key, e.pu, e.units, e.new_tokens, e.context});
  return keys;
}

TEST(DefaultContexts, CoverStartPromptAndEndOfGeneration) {
  EXPECT_EQ(default_contexts(workload(10, 6, true)), (std::vector<Tokens>{0, 10, 16}));
  EXPECT_EQ(default_contexts(workload(0, 4, true)), (std::vector<Tokens>{0, 4}));
}

TEST(Profiler, MeasuresEveryPointAtBothLevels) {
  const ModelGraph draft = tiny_model("tiny-draft", 1);
  const ModelGraph target = tiny_model("tiny-target", 2);
  std::size_t progress_calls = 0;
  std::size_t loop_calls = 0;
  ProfilerOptions options = quick_options();
  // Both models share one vocabulary: one loop point per drafts count.
  const std::size_t loop_points = options.loop_drafts.size();
  ASSERT_EQ(loop_points, 5u);
  options.on_progress = [&](const ProfileProgress& p) {
    EXPECT_EQ(p.done, progress_calls);
    // (models x points + loop points) x repetitions, one call per repetition of any of them
    EXPECT_EQ(p.total, (2u * 2u * 2u + loop_points) * static_cast<std::size_t>(options.repetitions));
    if (p.name.rfind("specmap/loop/", 0) == 0) ++loop_calls;
    ++progress_calls;
  };
  auto run = profile_models(test_soc(), {&draft, &target}, workload(5, 3, true), options, "test machine");
  ASSERT_TRUE(run.ok()) << run.error().format();
  EXPECT_EQ(progress_calls, (8u + loop_points) * static_cast<std::size_t>(options.repetitions));
  EXPECT_EQ(loop_calls, loop_points * static_cast<std::size_t>(options.repetitions));
  EXPECT_EQ(run->points, 8u);
  EXPECT_EQ(run->loops, loop_points);
  EXPECT_EQ(run->skipped.size(), 2u);  // the GPU and the 4096-core variant

  auto db = parse_benchmark_json(run->json, "profile.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  EXPECT_EQ(db->machine, "test machine");
  EXPECT_EQ(db->entries.size(), run->entries);
  const std::set<PointKey> keys = keys_of(*db);
  for (const ModelGraph* model : {&draft, &target}) {
    for (Tokens n : {1, 3}) {
      for (Tokens ctx : {0, 5}) {
        EXPECT_TRUE(keys.count({ProfileLevel::forward, model->name, "forward", "cpu", 1, n, ctx}))
            << model->name << " n " << n << " ctx " << ctx;
        for (const Subgraph& sg : model->subgraphs)
          EXPECT_TRUE(keys.count({ProfileLevel::subgraph, model->name, sg.name, "cpu", 1, n, ctx}))
              << sg.name;
      }
    }
  }
  // Every op is measured too, one entry per op profile key (ops of one shape share it).
  std::size_t op_keys = 0;
  for (const ModelGraph* model : {&draft, &target}) {
    std::set<std::string> model_keys;
    for (const Subgraph& sg : model->subgraphs)
      for (const Op& op : sg.ops) model_keys.insert(op_profile_key(op));
    for (const std::string& key : model_keys)
      for (Tokens n : {1, 3})
        for (Tokens ctx : {0, 5})
          EXPECT_TRUE(keys.count({ProfileLevel::op, model->name, key, "cpu", 1, n, ctx})) << key;
    op_keys += model_keys.size();
  }
  EXPECT_EQ(keys.size(), (1 + draft.subgraphs.size() + 1 + target.subgraphs.size() + op_keys) * 4);
  for (const auto& e : db->entries) {
    EXPECT_GT(e.stats.median, 0) << e.key;
    EXPECT_EQ(e.stats.repetitions, 2) << e.key;
    EXPECT_EQ(e.pu, "cpu");
  }
}

// Passes the grid does not interpolate are measured as well, each model only its own: here the
// first verification of a cached loop (the 5-token prompt and 2 drafts from context 0, 3 rows),
// beyond the grid's 3 new tokens, and the draft's 2-token catch-up sampling 1 row.
TEST(Profiler, MeasuresTheNeededPassesTheGridDoesNotGive) {
  const ModelGraph draft = tiny_model("tiny-draft", 1);
  const ModelGraph target = tiny_model("tiny-target", 1);
  ProfilerOptions options = quick_options();
  options.loop_drafts = {};
  options.needed = {{PassPoint{1, 4, 0}, PassPoint{2, 3, 1}}, {PassPoint{7, 0, 3}, PassPoint{3, 5, 0}}};
  auto run = profile_models(test_soc(), {&draft, &target}, workload(5, 3, true), options, "m");
  ASSERT_TRUE(run.ok()) << run.error().format();
  // Grid 2 x 2 per model; the draft's (1, 4) and the target's (3, 5) are on it or between.
  EXPECT_EQ(run->points, 4u + 1u + 4u + 1u);
  std::set<std::tuple<std::string, Tokens, Tokens, Tokens>> forward;
  for (const auto& e : run->db.entries)
    if (e.level == ProfileLevel::forward) forward.insert({e.model, e.new_tokens, e.context, e.rows});
  EXPECT_TRUE(forward.count({"tiny-draft", 2, 3, 1}));
  EXPECT_TRUE(forward.count({"tiny-target", 7, 0, 3}));
  EXPECT_FALSE(forward.count({"tiny-draft", 7, 0, 3}));
  EXPECT_FALSE(forward.count({"tiny-target", 2, 3, 1}));
  EXPECT_FALSE(forward.count({"tiny-draft", 1, 4, 0}));
}

TEST(Profiler, SubgraphsComeFromTheSameForwardPasses) {
  const ModelGraph model = tiny_model("tiny", 2);
  ProfilerOptions options = quick_options();
  options.new_tokens = {2};
  options.contexts = {4};
  auto run = profile_models(test_soc(), {&model}, workload(4, 2, true), options, "m");
  ASSERT_TRUE(run.ok()) << run.error().format();
  auto db = parse_benchmark_json(run->json, "profile.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  double forward = 0, subgraphs = 0;
  for (const auto& e : db->entries) {
    if (e.level == ProfileLevel::forward) forward += e.stats.mean;
    if (e.level == ProfileLevel::subgraph) subgraphs += e.stats.mean;
  }
  // The subgraphs run inside the timed pass: together they cannot take longer than it.
  EXPECT_GT(subgraphs, 0);
  EXPECT_LE(subgraphs, forward * 1.0001);
}

TEST(Profiler, WithoutKvCacheNamesWholeSequencesAtContextZero) {
  const ModelGraph model = tiny_model("tiny", 1);
  auto run = profile_models(test_soc(), {&model}, workload(5, 3, false), quick_options(), "m");
  ASSERT_TRUE(run.ok()) << run.error().format();
  auto db = parse_benchmark_json(run->json, "profile.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  std::set<Tokens> forward_lengths;
  for (const auto& e : db->entries) {
    EXPECT_EQ(e.context, 0) << e.key;
    if (e.level == ProfileLevel::forward) forward_lengths.insert(e.new_tokens);
  }
  EXPECT_EQ(forward_lengths, (std::set<Tokens>{1, 3, 6, 8}));  // n + ctx for n {1,3}, ctx {0,5}
}

TEST(Profiler, SkipsModelsTheRuntimeCannotRun) {
  const ModelGraph runnable = tiny_model("tiny", 1);
  // The executor keeps its KV cache in f32 only.
  ModelArch f16_cache_arch = testing::tiny_arch(1);
  f16_cache_arch.kv_dtype = DType::f16;
  const ModelGraph f16_cache = derive_model("tiny-f16-cache", f16_cache_arch);
  ProfilerOptions options = quick_options();
  options.new_tokens = {1};
  options.contexts = {0};
  auto run = profile_models(test_soc(), {&f16_cache, &runnable}, workload(1, 1, true), options, "m");
  ASSERT_TRUE(run.ok()) << run.error().format();
  bool noted = false;
  for (const auto& why : run->skipped) noted = noted || why.find("tiny-f16-cache") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_EQ(run->json.find("tiny-f16-cache"), std::string::npos);

  // With no model left, the error says why each was skipped.
  auto none = profile_models(test_soc(), {&f16_cache}, workload(1, 1, true), options, "m");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("KV cache in f16"), std::string::npos) << none.error().message;
}

TEST(Profiler, ProfilesAQuantizedSyntheticModel) {
  ModelArch q4_arch = testing::tiny_arch(1);
  q4_arch.dtype = DType::q4_0;
  const ModelGraph q4 = derive_model("tiny-q4_0", q4_arch);
  ProfilerOptions options = quick_options();
  options.new_tokens = {1};
  options.contexts = {0};
  auto run = profile_models(test_soc(), {&q4}, workload(1, 1, true), options, "m");
  ASSERT_TRUE(run.ok()) << run.error().format();
  EXPECT_NE(run->json.find("tiny-q4_0"), std::string::npos);
}

TEST(Profiler, RejectsBadOptions) {
  const ModelGraph model = tiny_model("tiny", 1);
  ProfilerOptions options = quick_options();
  options.repetitions = 0;
  EXPECT_FALSE(profile_models(test_soc(), {&model}, workload(1, 1, true), options, "m").ok());
  options = quick_options();
  options.new_tokens = {0};
  EXPECT_FALSE(profile_models(test_soc(), {&model}, workload(1, 1, true), options, "m").ok());
  options = quick_options();
  options.contexts = {-1};
  EXPECT_FALSE(profile_models(test_soc(), {&model}, workload(1, 1, true), options, "m").ok());
}

}  // namespace
}  // namespace specmap::runtime
