// Contention keyed per role: the drafter's slowdown measured with the drafter's own work
// beside the target, the target's with its own beside the drafter; profiles without roles
// still load and answer for both.
#include <gtest/gtest.h>

#include "profile/latency_oracle.h"
#include "profile/profile_db.h"
#include "profile/transfer_calibration.h"
#include "study/study.h"

namespace specmap {
namespace {

ContentionEntry reference(const std::string& beside, double seconds, const std::string& role) {
  ContentionEntry e;
  e.pu = "cpu";
  e.units = 1;
  e.beside = beside;
  e.beside_units = beside.empty() ? 0 : 1;
  e.stats.median = seconds;
  e.role = role;
  return e;
}

TEST(ContentionRole, NamesCarryTheRoleAndOldNamesStillLoad) {
  EXPECT_EQ(contention_benchmark_name("cpu", 1, "ocl", 1),
            "specmap/contention/cpu/units:1/beside:ocl/units:1");
  EXPECT_EQ(contention_benchmark_name("cpu", 1, "", 0, "draft"),
            "specmap/contention/cpu/units:1/beside:none/units:0/role:draft");
  const std::string json = R"({"context": {}, "benchmarks": [
    {"name": "specmap/contention/cpu/units:1/beside:none/units:0/role:draft", "run_type": "iteration", "real_time": 1, "time_unit": "ms"},
    {"name": "specmap/contention/cpu/units:1/beside:ocl/units:1/role:draft", "run_type": "iteration", "real_time": 1.5, "time_unit": "ms"},
    {"name": "specmap/contention/cpu/units:1/beside:none/units:0", "run_type": "iteration", "real_time": 2, "time_unit": "ms"}]})";
  auto db = parse_benchmark_json(json, "t.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  ASSERT_EQ(db->contention.size(), 3u);
  int draft = 0, legacy = 0;
  for (const ContentionEntry& e : db->contention) {
    if (e.role == "draft") ++draft;
    if (e.role.empty()) ++legacy;
  }
  EXPECT_EQ(draft, 2);
  EXPECT_EQ(legacy, 1);
  const std::string bad = R"({"context": {}, "benchmarks": [
    {"name": "specmap/contention/cpu/units:1/beside:none/units:0/role:verifier", "run_type": "iteration", "real_time": 1, "time_unit": "ms"}]})";
  EXPECT_FALSE(parse_benchmark_json(bad, "bad.json").ok());
}

TEST(ContentionRole, EachRoleReadsItsOwnReferencesNeverMixed) {
  const std::vector<ContentionEntry> entries = {
      reference("", 1.0, "target"),
      reference("ocl", 1.2, "target"),
      reference("", 0.5, "draft"),
      reference("ocl", 0.8, "draft"),
  };
  EXPECT_NEAR(*measured_slowdown(entries, "cpu", 1, "ocl", 1, "draft"), 1.6, 1e-12);
  EXPECT_NEAR(*measured_slowdown(entries, "cpu", 1, "ocl", 1, "target"), 1.2, 1e-12);
  // No role asked: the target's references (what profiles without roles measured), not a mix
  // of the draft's alone and the target's beside.
  EXPECT_NEAR(*measured_slowdown(entries, "cpu", 1, "ocl", 1), 1.2, 1e-12);
  // A profile without roles answers for both.
  const std::vector<ContentionEntry> legacy = {reference("", 1.0, ""), reference("ocl", 1.1, "")};
  EXPECT_NEAR(*measured_slowdown(legacy, "cpu", 1, "ocl", 1, "draft"), 1.1, 1e-12);
  EXPECT_NEAR(*measured_slowdown(legacy, "cpu", 1, "ocl", 1, "target"), 1.1, 1e-12);
  // Only the draft's alone: no figure for the draft, which must not borrow the target's beside.
  const std::vector<ContentionEntry> half = {reference("", 0.5, "draft"), reference("ocl", 1.2, "target")};
  EXPECT_FALSE(measured_slowdown(half, "cpu", 1, "ocl", 1, "draft").has_value());
}

TEST(ContentionRole, TheOracleGivesEachRoleItsOwnSlowdown) {
  auto study = load_study(std::string(SPECMAP_SOURCE_DIR) + "/configs/experiments/host-hetero-40m-kv.yaml");
  if (!study.ok()) GTEST_SKIP() << study.error().format();
  const Soc& soc = study->soc;
  const auto cpu = soc.pu_index("cpu");
  const auto ocl = soc.pu_index("ocl");
  if (!cpu || !ocl) GTEST_SKIP() << "the SoC names no cpu and ocl PUs";
  ProfileDb db;
  db.contention = {reference("", 1.0, "target"), reference("ocl", 1.2, "target"), reference("", 0.5, "draft"),
                   reference("ocl", 0.8, "draft")};
  const LatencyOracle oracle(soc, db);
  const Slowdown d = oracle.role_slowdown("draft", *cpu, 1, *ocl, 1);
  const Slowdown t = oracle.role_slowdown("target", *cpu, 1, *ocl, 1);
  EXPECT_TRUE(d.measured);
  EXPECT_NEAR(d.factor, 1.6, 1e-12);
  EXPECT_NEAR(t.factor, 1.2, 1e-12);
  EXPECT_NEAR(oracle.slowdown(*cpu, 1, *ocl, 1).factor, 1.2, 1e-12);
}

}  // namespace
}  // namespace specmap
