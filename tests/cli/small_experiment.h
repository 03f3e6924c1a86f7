#pragma once
// A host experiment small enough for tests that profile and run it: the host pair with a
// workload short enough that a small profiled grid (n 1..4, context 0..8) holds nearly every
// pass the sweep asks for: prompt 4, 4 new tokens, gamma at most 1. The rest, the first
// verification (the prompt and its draft from context 0, 2 rows), `specmap profile` adds.
#include <filesystem>
#include <fstream>
#include <string>

namespace specmap::testing {

inline std::filesystem::path write_small_experiment(const std::filesystem::path& dir,
                                                    const std::string& name = "profile-test") {
  namespace fs = std::filesystem;
  const fs::path src = SPECMAP_SOURCE_DIR;
  {
    std::ofstream w(dir / "tiny-workload.yaml");
    w << "version: 1\nname: tiny\ndescription: 4-token prompt, 4 new tokens.\nprompt_tokens: 4\n"
         "generate_tokens: 4\nkv_cache: true\nacceptance:\n  definition: leviathan_alpha\n  alpha: 0.6\n";
  }
  const fs::path experiment = dir / "experiment.yaml";
  std::ofstream e(experiment);
  e << "version: 1\nname: " << name << "\ndescription: host pair on a tiny workload.\n"
    << "soc: " << (src / "configs/soc/host.yaml").string() << "\n"
    << "draft: " << (src / "configs/models/host-draft-8m.yaml").string() << "\n"
    << "target: " << (src / "configs/models/host-target-40m.yaml").string() << "\n"
    << "workload: " << (dir / "tiny-workload.yaml").string() << "\n"
    << "search:\n  mode: extended\n  granularity: coarse\n  objective: latency\n  gamma_max: 1\n"
    << "  alternatives: 1\n  schedules: [sequential]\n";
  return experiment;
}

}  // namespace specmap::testing
