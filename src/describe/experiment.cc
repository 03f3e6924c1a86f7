#include "describe/experiment.h"

namespace specmap {

std::string_view cost_mode_name(CostMode m) {
  switch (m) {
    case CostMode::paper:
      return "paper";
    case CostMode::extended:
      return "extended";
  }
  return "extended";
}

std::string_view granularity_name(Granularity g) {
  switch (g) {
    case Granularity::coarse:
      return "coarse";
    case Granularity::fine:
      return "fine";
  }
  return "coarse";
}

std::string_view objective_name(Objective o) {
  switch (o) {
    case Objective::latency:
      return "latency";
    case Objective::energy:
      return "energy";
    case Objective::energy_under_latency:
      return "energy_under_latency";
  }
  return "latency";
}

std::string_view schedule_name(Schedule s) {
  switch (s) {
    case Schedule::sequential:
      return "sequential";
    case Schedule::overlapped:
      return "overlapped";
  }
  return "sequential";
}

}  // namespace specmap
