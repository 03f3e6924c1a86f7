#pragma once
// One study, reproducible from one path: SoC, draft, target, workload, profiles
// and search options.
#include <optional>
#include <string>
#include <vector>

namespace specmap {

enum class CostMode { paper, extended };
enum class Granularity { coarse, fine };
enum class Objective { latency, energy, energy_under_latency };
enum class Schedule { sequential, overlapped };

struct SearchOptions {
  CostMode mode = CostMode::extended;
  Granularity granularity = Granularity::coarse;
  Objective objective = Objective::latency;
  double latency_bound_ms_per_token = 0;  // for energy_under_latency
  int gamma_max = 8;
  int alternatives = 5;  // next-best candidates kept in the plan
  std::vector<Schedule> schedules{Schedule::sequential};
};

struct Experiment {
  std::string name;
  std::string description;
  // Paths as resolved against the experiment file's folder.
  std::string soc_path;
  std::string draft_path;
  std::string target_path;
  std::string workload_path;
  std::vector<std::string> profile_paths;
  SearchOptions search;
  std::string source_file;
};

std::string_view cost_mode_name(CostMode m);
std::string_view granularity_name(Granularity g);
std::string_view objective_name(Objective o);
std::string_view schedule_name(Schedule s);

}  // namespace specmap
