// `specmap detect --root DIR` reads another board's copied files: a malformed list of online
// cores is an error naming the file and column, not a list with some cores silently dropped.
#include <gtest/gtest.h>

#include <regex>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

// Runs detect on a board whose online list is `online`; `soc` is where it was asked to write.
CliRun detect_with_online(const std::string& online, fs::path& soc) {
  const fs::path root = scratch_dir("detect-root-online");
  soc = root / "soc.yaml";
  fs::create_directories(root / "sys/devices/system/cpu");
  fs::create_directories(root / "proc");
  std::ofstream(root / "sys/devices/system/cpu/online") << online;
  std::ofstream(root / "proc/cpuinfo") << "processor\t: 0\n";
  std::ofstream(root / "proc/meminfo") << "MemTotal: 4194304 kB\n";
  return run_cli("detect --root '" + root.string() + "' --no-measure --out '" + soc.string() + "'");
}

TEST(DetectRoot, MalformedOnlineListsAreErrorsAtTheirColumn) {
  for (const auto& [online, column] : std::vector<std::pair<std::string, int>>{
           {"0-3,x\n", 5}, {"0-99999999\n", 1}, {"4294967295\n", 1}, {"3-1\n", 1}, {"0-1,,2\n", 5}, {"\n", 0}}) {
    fs::path soc;
    const CliRun r = detect_with_online(online, soc);
    EXPECT_EQ(r.exit_code, 2) << online << r.out << r.err;
    const std::string where = column > 0 ? "online:1:" + std::to_string(column) + ": " : "online:1: ";
    EXPECT_NE(r.err.find(where), std::string::npos) << online << r.err;
    EXPECT_FALSE(fs::exists(soc)) << online;
  }
  fs::path soc;
  const CliRun good = detect_with_online("0-3,6\n", soc);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.out.find("online cores: 5 {0,1,2,3,6}"), std::string::npos) << good.out;
  EXPECT_TRUE(fs::exists(soc));
}

}  // namespace
}  // namespace specmap::testing
