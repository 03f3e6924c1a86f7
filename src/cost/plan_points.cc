#include "cost/plan_points.h"

#include <algorithm>
#include <set>

#include "cost/workload_passes.h"

namespace specmap {

PlannedPoints planned_points(const Workload& workload, int gamma_max) {
  std::set<PassPoint> points[cost_internal::kRoles];
  Workload interior = workload;
  for (WorkloadSample& sample : interior.samples) sample.alphas = {0.5};
  for (const Workload* at : {&workload, static_cast<const Workload*>(&interior)})
    for (int gamma = 0; gamma <= std::max(gamma_max, 0); ++gamma)
      for (bool catch_up_pairs : {true, false})
        for (const cost_internal::Pass& p : cost_internal::plan_passes(*at, gamma, catch_up_pairs).passes)
          points[p.role].insert(PassPoint{p.new_tokens, p.context, p.rows});
  const auto& draft = points[cost_internal::kDraft];
  const auto& target = points[cost_internal::kTarget];
  return PlannedPoints{{draft.begin(), draft.end()}, {target.begin(), target.end()}};
}

}  // namespace specmap
