// iree-benchmark-module's function names mapped to specmap profile names.
#include "profile/iree_benchmark_names.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "profile/profile_db.h"

namespace specmap {
namespace {

const std::string kDir = "tests/profile/data/iree-benchmark/";

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(IreeBenchmarkNames, MappedFileLoadsAsAProfile) {
  auto names = parse_name_map(slurp(kDir + "names.txt"), "names.txt");
  ASSERT_TRUE(names) << names.error().format();
  auto renamed = rename_iree_benchmarks(slurp(kDir + "isolated-benchmark.json"), "b.json", *names);
  ASSERT_TRUE(renamed) << renamed.error().format();
  auto db = parse_benchmark_json(*renamed, "b.json");
  ASSERT_TRUE(db) << db.error().format();
  ASSERT_EQ(db->entries.size(), 1u);
  const ProfileEntry& e = db->entries[0];
  EXPECT_EQ(e.model, "host-draft-20m");
  EXPECT_EQ(e.pu, "cpu");
  EXPECT_EQ(e.context, 16);
  EXPECT_NEAR(e.stats.median, 0.036e-3, 1e-12);
  EXPECT_EQ(e.stats.repetitions, 3);
}

TEST(IreeBenchmarkNames, UnmappedFunctionsAndBadMapsAreErrors) {
  auto other = parse_name_map("something_else = specmap/forward/m/forward/cpu/units:1/n:1/ctx:0\n", "n.txt");
  ASSERT_TRUE(other);
  auto unmapped = rename_iree_benchmarks(slurp(kDir + "isolated-benchmark.json"), "b.json", *other);
  ASSERT_FALSE(unmapped);
  EXPECT_NE(unmapped.error().message.find("isolated_benchmark"), std::string::npos);
  auto no_eq = parse_name_map("# c\nfoo specmap/x\n", "n.txt");
  ASSERT_FALSE(no_eq);
  EXPECT_EQ(no_eq.error().line, 2);
  auto twice = parse_name_map("a = specmap/x\na = specmap/y\n", "n.txt");
  ASSERT_FALSE(twice);
  auto not_specmap = parse_name_map("a = BM_a\n", "n.txt");
  ASSERT_FALSE(not_specmap);
}

// A number beyond a double's range threw nlohmann's out_of_range past the parse_error handler
// and aborted; now it is an error with its line and column, like every JSON input's.
TEST(IreeBenchmarkNames, NumberBeyondADoubleIsAnErrorWithItsLocation) {
  auto names = parse_name_map(slurp(kDir + "names.txt"), "names.txt");
  ASSERT_TRUE(names);
  for (const std::string& text :
       {std::string("{\"benchmarks\": [\n  {\"name\": \"BM_x\", \"real_time\": 1e400}]}"),
        std::string("{\"benchmarks\": [],\n \"benchmarks\": []}")}) {
    auto renamed = rename_iree_benchmarks(text, "b.json", *names);
    ASSERT_FALSE(renamed) << text;
    EXPECT_EQ(renamed.error().file, "b.json");
    EXPECT_EQ(renamed.error().line, 2) << renamed.error().format();
  }
}

}  // namespace
}  // namespace specmap
