// All-or-nothing outputs: a failure leaves the previous files exactly as they were.
#include "core/output_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace specmap {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("specmap-output-set-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(OutputSet, WritesEveryFile) {
  const fs::path dir = fresh_dir("all");
  OutputSet out;
  out.add((dir / "a.csv").string(), "a");
  out.add((dir / "sub" / "b.json").string(), "b");
  ASSERT_TRUE(out.commit());
  EXPECT_EQ(read(dir / "a.csv"), "a");
  EXPECT_EQ(read(dir / "sub" / "b.json"), "b");
  EXPECT_EQ(entries(dir), 2u) << "no temporaries left";
}

TEST(OutputSet, AFolderInTheWayFailsBeforeAnythingIsReplaced) {
  const fs::path dir = fresh_dir("folder");
  std::ofstream(dir / "sweep.csv") << "old";
  fs::create_directories(dir / "plan.json");
  OutputSet out;
  out.add((dir / "sweep.csv").string(), "new");
  out.add((dir / "plan.json").string(), "{}");
  const Status st = out.commit();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("is a folder"), std::string::npos) << st.error().message;
  EXPECT_EQ(read(dir / "sweep.csv"), "old");
  EXPECT_EQ(entries(dir), 2u);
}

TEST(OutputSet, AFailedRenameRestoresTheOldFiles) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores the read-only folder this test relies on";
  const fs::path dir = fresh_dir("readonly");
  std::ofstream(dir / "a.csv") << "old";
  fs::create_directories(dir / "locked");
  fs::permissions(dir / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  OutputSet out;
  out.add((dir / "a.csv").string(), "new");
  out.add((dir / "locked" / "b.json").string(), "b");
  EXPECT_FALSE(out.commit());
  fs::permissions(dir / "locked", fs::perms::owner_all);
  EXPECT_EQ(read(dir / "a.csv"), "old");
  EXPECT_EQ(entries(dir), 2u);
  EXPECT_EQ(entries(dir / "locked"), 0u);
}

}  // namespace
}  // namespace specmap
