// Every command explains itself with an example.
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace specmap::testing {
namespace {

TEST(Help, TopLevelListsCommandsAndExamples) {
  const CliRun r = run_cli("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"sweep", "explain", "reproduce", "check", "Examples"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
}

TEST(Help, EverySubcommandHasAnExample) {
  for (const char* cmd : {"sweep", "explain", "reproduce", "check"}) {
    const CliRun r = run_cli(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd << ":\n" << r.out;
    EXPECT_NE(r.out.find(std::string("specmap ") + cmd), std::string::npos) << cmd;
  }
}

TEST(Help, VersionPrintsTheVersion) {
  const CliRun r = run_cli("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("specmap 0."), std::string::npos) << r.out;
}

TEST(Help, UnknownCommandIsAUsageError) {
  const CliRun r = run_cli("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace specmap::testing
