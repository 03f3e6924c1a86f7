#include <gtest/gtest.h>

#include <string>

#include "profile/profile_db.h"
#include "profile_fixtures.h"

namespace specmap {
namespace {

using testing::data_path;

const char* kHeader = "version: 1\ntime_unit: us\nentries:\n";

Result<ProfileDb> parse(const std::string& entries_text) {
  return parse_profile_yaml(std::string(kHeader) + entries_text, "t.yaml");
}

TEST(ProfileYaml, LoadsSingleEntriesAndPointListsInSeconds) {
  auto db = load_profile(data_path("small_profile.yaml"));
  ASSERT_TRUE(db.ok()) << db.error().format();
  EXPECT_EQ(db->time_unit, "s");
  EXPECT_EQ(db->machine, "test bench");
  ASSERT_EQ(db->entries.size(), 3u);

  const ProfileEntry& fwd = db->entries[0];
  EXPECT_EQ(fwd.level, ProfileLevel::forward);
  EXPECT_EQ(fwd.key, "forward");
  EXPECT_EQ(fwd.model, "tiny-model");
  EXPECT_EQ(fwd.new_tokens, 63);
  EXPECT_DOUBLE_EQ(fwd.stats.median, 812.5e-6);
  EXPECT_DOUBLE_EQ(fwd.stats.mean, 815.0e-6);
  EXPECT_DOUBLE_EQ(fwd.stats.stddev, 9.1e-6);
  EXPECT_EQ(fwd.stats.repetitions, 10);
  EXPECT_EQ(fwd.origin, EntryOrigin::measured);
  EXPECT_EQ(fwd.line, 6);  // 1-based line of the entry in the file

  const ProfileEntry& p0 = db->entries[1];
  const ProfileEntry& p1 = db->entries[2];
  EXPECT_EQ(p0.level, ProfileLevel::op);
  EXPECT_EQ(p0.key, "matmul.256x512.f32");
  EXPECT_EQ(p0.origin, EntryOrigin::assumed);
  EXPECT_EQ(p0.note, "extrapolated by hand");
  EXPECT_EQ(p0.new_tokens, 1);
  EXPECT_DOUBLE_EQ(p0.stats.median, 20e-6);
  EXPECT_DOUBLE_EQ(p0.stats.mean, 20e-6);  // a bare number is the median; mean defaults to it
  EXPECT_EQ(p1.new_tokens, 16);
  EXPECT_DOUBLE_EQ(p1.stats.stddev, 2e-6);
  EXPECT_EQ(p1.line, p0.line + 1);
}

TEST(ProfileYaml, RelativeKeepsRawNumbersAndReference) {
  auto db = parse_profile_yaml(
      "version: 1\ntime_unit: relative\nreference: \"target on one core\"\nentries:\n"
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 63, context: 0, latency_rel: 0.8,"
      " origin: derived, note: \"c\"}\n",
      "r.yaml");
  ASSERT_TRUE(db.ok()) << db.error().format();
  EXPECT_EQ(db->time_unit, "relative");
  EXPECT_EQ(db->reference, "target on one core");
  EXPECT_DOUBLE_EQ(db->entries[0].stats.median, 0.8);
}

TEST(ProfileYaml, UnknownKeyNamesFileLineColumnAndPath) {
  auto db = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0,\n"
      "     latency_us: 5, colour: red}\n");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().file, "t.yaml");
  EXPECT_EQ(db.error().line, 5);
  EXPECT_EQ(db.error().column, 21);
  EXPECT_EQ(db.error().key_path, "entries[0].colour");
  EXPECT_NE(db.error().message.find("colour"), std::string::npos);
}

TEST(ProfileYaml, NegativeAndZeroLatenciesAreErrors) {
  auto negative = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0,"
      " latency_us: {median: -3}}\n");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().key_path, "entries[0].latency_us.median");
  EXPECT_EQ(negative.error().line, 4);

  auto zero =
      parse("  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0, latency_us: 0}\n");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().key_path, "entries[0].latency_us");

  auto negative_sd = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0,"
      " latency_us: {median: 3, stddev: -1}}\n");
  ASSERT_FALSE(negative_sd.ok());
  EXPECT_EQ(negative_sd.error().key_path, "entries[0].latency_us.stddev");
}

TEST(ProfileYaml, VersionIsRequiredAndMustBeOne) {
  auto missing = parse_profile_yaml("time_unit: us\nentries: []\n", "t.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().key_path, "version");
  auto two = parse_profile_yaml("version: 2\ntime_unit: us\nentries: []\n", "t.yaml");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().line, 1);
}

TEST(ProfileYaml, LatencyKeyMustMatchTimeUnit) {
  auto db =
      parse("  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0, latency_rel: 5}\n");
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("latency_us"), std::string::npos) << db.error().message;
}

TEST(ProfileYaml, EstimatedFiguresNeedANote) {
  auto db = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0, latency_us: 5,"
      " origin: assumed}\n");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().key_path, "entries[0].note");
  auto bad_origin = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0,"
      " latency_us: 5, origin: guessed, note: x}\n");
  ASSERT_FALSE(bad_origin.ok());
  EXPECT_EQ(bad_origin.error().key_path, "entries[0].origin");
}

TEST(ProfileYaml, OpAndSubgraphLevelsNeedAKey) {
  auto db = parse("  - {level: op, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0, latency_us: 5}\n");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().key_path, "entries[0].key");
  auto forward_with_other_key = parse(
      "  - {level: forward, key: block.0, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0, "
      "latency_us: 5}\n");
  EXPECT_FALSE(forward_with_other_key.ok());
}

TEST(ProfileYaml, DuplicatePointsAreErrors) {
  auto db = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0, latency_us: 5}\n"
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1, context: 0, latency_us: 6}\n");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().line, 5);
  EXPECT_NE(db.error().message.find("t.yaml:4"), std::string::npos) << db.error().message;
}

TEST(ProfileYaml, PointsExcludeSingleFields) {
  auto db = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 1,"
      " points: [{new_tokens: 2, context: 0, latency_us: 5}]}\n");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().key_path, "entries[0].new_tokens");
}

TEST(ProfileYaml, TypeErrorsAndBadUnits) {
  auto fractional = parse(
      "  - {level: forward, model: m, pu: cpu, units: 1.5, new_tokens: 1, context: 0, latency_us: 5}\n");
  ASSERT_FALSE(fractional.ok());
  EXPECT_EQ(fractional.error().key_path, "entries[0].units");
  auto zero_units =
      parse("  - {level: forward, model: m, pu: cpu, units: 0, new_tokens: 1, context: 0, latency_us: 5}\n");
  EXPECT_FALSE(zero_units.ok());
  auto unit = parse_profile_yaml("version: 1\ntime_unit: fortnights\nentries: []\n", "t.yaml");
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(unit.error().key_path, "time_unit");
  auto no_reference = parse_profile_yaml("version: 1\ntime_unit: relative\nentries: []\n", "t.yaml");
  EXPECT_FALSE(no_reference.ok());
}

TEST(ProfileYaml, MalformedYamlReportsPosition) {
  auto db = parse_profile_yaml("version: 1\ntime_unit: us\nentries: [\n  {level: forward\n", "bad.yaml");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().file, "bad.yaml");
  EXPECT_GT(db.error().line, 0);
}

TEST(ProfileLoad, PicksTheReaderByExtension) {
  EXPECT_TRUE(load_profile(data_path("small_profile.yaml")).ok());
  auto json = load_profile(data_path("imx95_repetitions.json"));
  ASSERT_TRUE(json.ok()) << json.error().format();
  EXPECT_EQ(json->source_files.front(), data_path("imx95_repetitions.json"));
  EXPECT_FALSE(load_profile(data_path("small_profile.txt")).ok());
  auto missing = load_profile(data_path("does_not_exist.yaml"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().file, data_path("does_not_exist.yaml"));
}

TEST(ProfileMerge, RefusesDifferentTimeUnits) {
  auto seconds = load_profile(data_path("small_profile.yaml"));
  auto relative = parse_profile_yaml(
      "version: 1\ntime_unit: relative\nreference: x\nentries:\n"
      "  - {level: forward, model: m, pu: cpu, units: 1, new_tokens: 63, context: 0, latency_rel: 1, origin: "
      "derived,"
      " note: ref}\n",
      "r.yaml");
  ASSERT_TRUE(seconds.ok() && relative.ok());
  ProfileDb db = *seconds;
  Status st = db.merge(*relative);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().key_path, "time_unit");
  EXPECT_EQ(db.entries.size(), 3u);  // unchanged on error
}

TEST(ProfileMerge, AppendsAndAdoptsIntoAnEmptyDb) {
  auto json = load_profile(data_path("imx95_repetitions.json"));
  auto yaml = load_profile(data_path("small_profile.yaml"));
  ASSERT_TRUE(json.ok() && yaml.ok());
  ProfileDb db;
  ASSERT_TRUE(db.merge(*yaml).ok());
  ASSERT_TRUE(db.merge(*json).ok());
  EXPECT_EQ(db.entries.size(), 5u);
  EXPECT_EQ(db.source_files.size(), 2u);
  Status again = db.merge(*json);  // the same points twice cannot both hold
  EXPECT_FALSE(again.ok());
}

}  // namespace
}  // namespace specmap
