// `specmap profile` writes a Google Benchmark JSON profile that load_profile reads and a
// sweep then uses as measured figures instead of roofline estimates.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "cli_runner.h"
#include "small_experiment.h"
#include "describe/loaders.h"
#include "profile/profile_db.h"
#include "runtime/cpu/core_set.h"

namespace specmap::testing {
namespace {

namespace fs = std::filesystem;

const char* const kQuick = " --new-tokens 1,2,4 --contexts 0,8 --repetitions 2 --min-time 0.01";

TEST(Profile, WritesAProfileTheSweepMeasuresWith) {
  const fs::path dir = scratch_dir("profile-host");
  const fs::path experiment = write_small_experiment(dir);
  const fs::path out = dir / "out";
  const CliRun r = run_cli("profile '" + experiment.string() + "' --out '" + out.string() + "'" + kQuick);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // not a terminal: no progress output
  const fs::path file = out / "profile.json";
  ASSERT_TRUE(fs::exists(file));

  auto db = load_profile(file.string());
  ASSERT_TRUE(db.ok()) << db.error().format();
  EXPECT_EQ(db->time_unit, "s");
  EXPECT_FALSE(db->machine.empty());
  auto soc = load_soc((fs::path(SPECMAP_SOURCE_DIR) / "configs/soc/host.yaml").string());
  ASSERT_TRUE(soc.ok());

  // host.yaml's variants run the cpu PU on 1 and 2 cores; a smaller host measures what it has.
  std::set<int> expected_units;
  for (const auto& v : soc->variants)
    if (v.units[0] <= static_cast<int>(runtime::online_cores().size())) expected_units.insert(v.units[0]);
  ASSERT_FALSE(expected_units.empty());

  using Key = std::tuple<ProfileLevel, std::string, std::string, int, Tokens, Tokens>;
  std::set<Key> keys;
  for (const auto& e : db->entries) {
    keys.insert({e.level, e.model, e.key, e.units, e.new_tokens, e.context});
    EXPECT_GT(e.stats.median, 0);
    EXPECT_EQ(e.pu, "cpu");
  }
  for (const char* model_file : {"host-draft-8m", "host-target-40m"}) {
    auto model = load_model(
        (fs::path(SPECMAP_SOURCE_DIR) / "configs/models" / (std::string(model_file) + ".yaml")).string());
    ASSERT_TRUE(model.ok());
    for (int units : expected_units)
      for (Tokens n : {1, 2, 4})
        for (Tokens ctx : {0, 8}) {
          EXPECT_TRUE(keys.count({ProfileLevel::forward, model->name, "forward", units, n, ctx}))
              << model->name << " units " << units << " n " << n << " ctx " << ctx;
          for (const auto& sg : model->subgraphs)
            EXPECT_TRUE(keys.count({ProfileLevel::subgraph, model->name, sg.name, units, n, ctx})) << sg.name;
        }
  }

  const CliRun sweep = run_cli("sweep '" + experiment.string() + "' --profiles '" + file.string() +
                               "' --out '" + (dir / "sweep").string() + "'");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  const auto plan = nlohmann::json::parse(slurp(dir / "sweep/plan.json"));
  const std::string source = plan.at("prediction").at("coarsest_source").get<std::string>();
  EXPECT_EQ(source.rfind("measured_", 0), 0u) << source;
}

TEST(Profile, RejectsBadValues) {
  const fs::path dir = scratch_dir("profile-bad");
  const fs::path experiment = write_small_experiment(dir);
  for (const char* bad : {" --new-tokens 0", " --contexts -1", " --repetitions 0", " --min-time 0"}) {
    const CliRun r =
        run_cli("profile '" + experiment.string() + "' --out '" + (dir / "out").string() + "'" + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_FALSE(fs::exists(dir / "out/profile.json")) << bad;
  }
  const CliRun missing =
      run_cli("profile '" + (dir / "missing.yaml").string() + "' --out '" + (dir / "out").string() + "'");
  EXPECT_EQ(missing.exit_code, 2);
}

// An OpenCL PU whose device this host lacks is skipped with the reason, not fatal: a board
// without its GPU driver can still profile its CPU cores.
TEST(Profile, SkipsAnOpenClPuWithoutItsDevice) {
  const fs::path dir = scratch_dir("profile-nodevice");
  const fs::path experiment = write_small_experiment(dir);
  std::string soc = slurp(fs::path(SPECMAP_SOURCE_DIR) / "configs/soc/host-opencl.yaml");
  const std::string match = "opencl_device: \"pthread\"";
  ASSERT_NE(soc.find(match), std::string::npos);
  soc.replace(soc.find(match), match.size(), "opencl_device: \"NoSuchDeviceName\"");
  std::ofstream(dir / "soc.yaml") << soc;
  std::string text = slurp(experiment);
  const std::string host = (fs::path(SPECMAP_SOURCE_DIR) / "configs/soc/host.yaml").string();
  text.replace(text.find(host), host.size(), (dir / "soc.yaml").string());
  std::ofstream(experiment) << text;
  const CliRun r = run_cli("profile '" + experiment.string() + "' --out '" + (dir / "out").string() +
                           "' --new-tokens 1 --contexts 0 --repetitions 1 --min-time 0.001");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("skipped PU 'ocl'"), std::string::npos) << r.out;
  auto db = load_profile((dir / "out" / "profile.json").string());
  ASSERT_TRUE(db.ok()) << db.error().format();
  for (const auto& e : db->entries) EXPECT_EQ(e.pu, "cpu");
}

TEST(Profile, HelpShowsAnExample) {
  const CliRun r = run_cli("profile --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Example"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--new-tokens"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace specmap::testing
