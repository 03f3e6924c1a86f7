#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "profile/profile_db.h"
#include "profile_fixtures.h"

namespace specmap {
namespace {

using testing::data_path;

std::string one_run(const std::string& name, double real_time, const std::string& unit,
                    const std::string& extra = "") {
  return "{\"name\": \"" + name + "\", \"run_name\": \"" + name +
         "\", \"run_type\": \"iteration\", \"iterations\": 1, \"real_time\": " + std::to_string(real_time) +
         ", \"cpu_time\": 1, \"time_unit\": \"" + unit + "\"" + extra + "}";
}

std::string document(const std::string& benchmarks, const std::string& context = "{\"host_name\": \"box\"}") {
  return "{\"context\": " + context + ", \"benchmarks\": [" + benchmarks + "]}";
}

TEST(BenchmarkJson, RepetitionsUseTheLibraryAggregates) {
  auto db = load_profile(data_path("imx95_repetitions.json"));
  ASSERT_TRUE(db.ok()) << db.error().format();
  EXPECT_EQ(db->time_unit, "s");
  EXPECT_EQ(db->machine, "NXP i.MX 95 EVK, 6x Cortex-A55 @ 1.8 GHz + Mali-G310");
  ASSERT_EQ(db->entries.size(), 2u);

  const ProfileEntry& fwd = db->entries[0];
  EXPECT_EQ(fwd.level, ProfileLevel::forward);
  EXPECT_EQ(fwd.model, "llama-3.2-1b");
  EXPECT_EQ(fwd.key, "forward");
  EXPECT_EQ(fwd.pu, "cpu");
  EXPECT_EQ(fwd.units, 1);
  EXPECT_EQ(fwd.new_tokens, 63);
  EXPECT_EQ(fwd.context, 0);
  EXPECT_EQ(fwd.origin, EntryOrigin::measured);
  EXPECT_DOUBLE_EQ(fwd.stats.median, 8120.43e-3);  // ms in the file
  EXPECT_DOUBLE_EQ(fwd.stats.mean, 8125.66e-3);
  EXPECT_NEAR(fwd.stats.stddev, 29.8605e-3, 1e-7);
  EXPECT_EQ(fwd.stats.repetitions, 3);

  const ProfileEntry& block = db->entries[1];
  EXPECT_EQ(block.level, ProfileLevel::subgraph);
  EXPECT_EQ(block.key, "block.0");
  EXPECT_EQ(block.pu, "gpu");
  EXPECT_EQ(block.new_tokens, 1);
  EXPECT_EQ(block.context, 128);
  EXPECT_DOUBLE_EQ(block.stats.median, 18734.2e-6);  // us in the file
  EXPECT_EQ(block.stats.repetitions, 1);
  EXPECT_EQ(block.stats.stddev, 0.0);
}

TEST(BenchmarkJson, AggregatesWinOverRecomputedStatistics) {
  const std::string name = "specmap/forward/m/forward/cpu/units:2/n:4/ctx:8";
  const std::string agg = "\"run_type\": \"aggregate\", \"repetitions\": 2, \"aggregate_unit\": \"time\", ";
  auto db = parse_benchmark_json(
      document(one_run(name, 10, "ms") + "," + one_run(name, 30, "ms") + "," + "{\"name\": \"" + name +
               "_median\", \"run_name\": \"" + name + "\", " + agg +
               "\"aggregate_name\": \"median\", \"real_time\": 7, \"time_unit\": \"ms\"}," + "{\"name\": \"" +
               name + "_stddev\", \"run_name\": \"" + name + "\", " + agg +
               "\"aggregate_name\": \"stddev\", \"real_time\": 1, \"time_unit\": \"ms\"}"),
      "agg.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  ASSERT_EQ(db->entries.size(), 1u);
  EXPECT_DOUBLE_EQ(db->entries[0].stats.median, 7e-3);
  EXPECT_DOUBLE_EQ(db->entries[0].stats.mean, 7e-3);  // no mean aggregate: the median stands in
  EXPECT_DOUBLE_EQ(db->entries[0].stats.stddev, 1e-3);
  EXPECT_EQ(db->entries[0].stats.repetitions, 2);
}

TEST(BenchmarkJson, PlainIterationRunsAreSummarised) {
  const std::string name = "specmap/op/m/matmul.8x8.f32/gpu/units:1/n:1/ctx:0";
  auto db = parse_benchmark_json(
      document(one_run(name, 1, "ms") + "," + one_run(name, 4, "ms") + "," + one_run(name, 2, "ms")),
      "it.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  ASSERT_EQ(db->entries.size(), 1u);
  const ProfileStats& s = db->entries[0].stats;
  EXPECT_DOUBLE_EQ(s.median, 2e-3);
  EXPECT_DOUBLE_EQ(s.mean, 7e-3 / 3);
  // Sample deviations -4/3, 5/3, -1/3 ms: variance (16 + 25 + 1) / 9 / 2 = 21/9 ms^2.
  EXPECT_NEAR(s.stddev, std::sqrt(21.0 / 9.0) * 1e-3, 1e-12);
  EXPECT_EQ(s.repetitions, 3);
  EXPECT_EQ(db->entries[0].key, "matmul.8x8.f32");
}

TEST(BenchmarkJson, SubgraphCountersOfAForwardRunBecomeSubgraphEntries) {
  const std::string name = "specmap/forward/m/forward/cpu/units:2/n:4/ctx:8";
  auto db = parse_benchmark_json(
      document(one_run(name, 10.0, "ms",
                       ", \"subgraph:block.0\": 0.004, \"subgraph:head\": 0.005, \"op:matmul.64x64.f32\": 0.001") +
               ", " +
               one_run(name, 12.0, "ms",
                       ", \"subgraph:block.0\": 0.006, \"subgraph:head\": 0.005, \"op:matmul.64x64.f32\": 0.003")),
      "p.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  ASSERT_EQ(db->entries.size(), 4u);
  bool op_seen = false;
  for (const auto& e : db->entries)
    if (e.level == ProfileLevel::op) {
      op_seen = true;
      EXPECT_EQ(e.key, "matmul.64x64.f32");
      EXPECT_DOUBLE_EQ(e.stats.median, 0.002);
    }
  EXPECT_TRUE(op_seen);
  for (const auto& e : db->entries) {
    EXPECT_EQ(e.pu, "cpu");
    EXPECT_EQ(e.units, 2);
    EXPECT_EQ(e.new_tokens, 4);
    EXPECT_EQ(e.context, 8);
    EXPECT_EQ(e.stats.repetitions, 2);
    if (e.level == ProfileLevel::forward) {
      EXPECT_DOUBLE_EQ(e.stats.median, 0.011);
    }
    if (e.level == ProfileLevel::op) continue;
    if (e.key == "block.0") {
      EXPECT_EQ(e.level, ProfileLevel::subgraph);
      EXPECT_DOUBLE_EQ(e.stats.median, 0.005);  // counters are seconds per iteration, any time unit
      EXPECT_NEAR(e.stats.stddev, std::sqrt(2e-6), 1e-12);
    }
  }
  // A counter that is not a number is an error naming it.
  auto bad = parse_benchmark_json(document(one_run(name, 1.0, "ms", ", \"subgraph:head\": \"x\"")), "p.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().format().find("subgraph:head"), std::string::npos) << bad.error().format();
}

TEST(BenchmarkJson, TimeUnitsConvertToSeconds) {
  auto db = parse_benchmark_json(
      document(one_run("specmap/forward/m/forward/cpu/units:1/n:1/ctx:0", 1500, "ns") + "," +
               one_run("specmap/forward/m/forward/cpu/units:1/n:2/ctx:0", 2, "s") + "," +
               one_run("specmap/forward/m/forward/cpu/units:1/n:3/ctx:0", 40, "us")),
      "u.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  ASSERT_EQ(db->entries.size(), 3u);
  EXPECT_DOUBLE_EQ(db->entries[0].stats.median, 1.5e-6);
  EXPECT_DOUBLE_EQ(db->entries[1].stats.median, 2.0);
  EXPECT_DOUBLE_EQ(db->entries[2].stats.median, 40e-6);
  auto bad = parse_benchmark_json(
      document(one_run("specmap/forward/m/forward/cpu/units:1/n:1/ctx:0", 1, "min")), "u.json");
  EXPECT_FALSE(bad.ok());
}

TEST(BenchmarkJson, MachineFromHostContextWithoutSpecmapKey) {
  auto db =
      parse_benchmark_json(document(one_run("specmap/forward/m/forward/cpu/units:1/n:1/ctx:0", 5, "ms"),
                                    "{\"host_name\": \"rock5\", \"num_cpus\": 8, \"mhz_per_cpu\": 2400}"),
                           "m.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  EXPECT_NE(db->machine.find("rock5"), std::string::npos);
  EXPECT_NE(db->machine.find("8 CPUs"), std::string::npos);
  EXPECT_NE(db->machine.find("2400 MHz"), std::string::npos);
}

TEST(BenchmarkJson, BenchmarkNameRoundTrips) {
  const std::string name =
      benchmark_name(ProfileLevel::subgraph, "llama-3.2-3b-w8a8", "block.7", "cpu", 4, 63, 256);
  EXPECT_EQ(name, "specmap/subgraph/llama-3.2-3b-w8a8/block.7/cpu/units:4/n:63/ctx:256");
  auto db = parse_benchmark_json(document(one_run(name + "/repeats:1/threads:1", 3, "ms")), "n.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  const ProfileEntry& e = db->entries.at(0);
  EXPECT_EQ(e.level, ProfileLevel::subgraph);
  EXPECT_EQ(e.model, "llama-3.2-3b-w8a8");
  EXPECT_EQ(e.key, "block.7");
  EXPECT_EQ(e.pu, "cpu");
  EXPECT_EQ(e.units, 4);
  EXPECT_EQ(e.new_tokens, 63);
  EXPECT_EQ(e.context, 256);
}

TEST(BenchmarkJson, ForeignBenchmarksAreReportedNotDropped) {
  auto db =
      parse_benchmark_json(document(one_run("specmap/forward/m/forward/cpu/units:1/n:1/ctx:0", 5, "ms") +
                                    "," + one_run("BM_memcpy/4096", 12, "ns")),
                           "f.json");
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("BM_memcpy/4096"), std::string::npos) << db.error().message;
}

TEST(BenchmarkJson, MalformedSpecmapNamesAreErrors) {
  for (const char* name :
       {"specmap/forward/m/forward/cpu/units:1/n:1", "specmap/block/m/x/cpu/units:1/n:1/ctx:0",
        "specmap/forward/m/forward/cpu/units:zero/n:1/ctx:0",
        "specmap/forward/m/forward/cpu/units:1/n:1/ctx:0/extra"}) {
    auto db = parse_benchmark_json(document(one_run(name, 5, "ms")), "bad.json");
    EXPECT_FALSE(db.ok()) << name;
  }
}

TEST(BenchmarkJson, FailedRunsAreErrors) {
  auto db = parse_benchmark_json(
      document(one_run("specmap/forward/m/forward/gpu/units:1/n:1/ctx:0", 5, "ms",
                       ", \"error_occurred\": true, \"error_message\": \"out of device memory\"")),
      "e.json");
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("out of device memory"), std::string::npos);
}

TEST(BenchmarkJson, MalformedJsonNamesFileAndPosition) {
  auto db = parse_benchmark_json("{\"context\": {},\n \"benchmarks\": [ {\"name\": }\n]}", "broken.json");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().file, "broken.json");
  EXPECT_EQ(db.error().line, 2);
  EXPECT_EQ(db.error().column, 27);
  EXPECT_NE(db.error().message.find("byte"), std::string::npos);

  auto not_benchmark = parse_benchmark_json("{\"rows\": []}", "other.json");
  ASSERT_FALSE(not_benchmark.ok());
  EXPECT_EQ(not_benchmark.error().key_path, "benchmarks");
}

}  // namespace
}  // namespace specmap
