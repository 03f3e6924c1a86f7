#pragma once
// The cost models. Pure and deterministic: inputs in, prediction out, no I/O.
#include <vector>

#include "cost/linear_cost.h"
#include "cost/mapping.h"
#include "cost/prediction.h"
#include "describe/experiment.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"
#include "profile/latency_oracle.h"

namespace specmap {

struct CostMemo;

struct CostInputs {
  const Soc& soc;
  const ModelGraph& draft;
  const ModelGraph& target;
  const Workload& workload;
  const LatencyOracle& oracle;
  CostMode mode = CostMode::extended;
  CostMemo* memo = nullptr;  // optional per-search cache (cost/cost_memo.h); results do not depend on it
};

// paper: Eq. 1 with c = t_draft / t_target of one forward pass on the mapped PUs
//        (whole models only); time per token = t_target / S.
// extended: see cost_model.cc for the terms; the workload's speedup is the ratio of
//        expected total times over its samples.
Prediction predict(const CostInputs& in, const Candidate& candidate);

// One forward pass of the draft (draft == true) or the target on `pus` (one PU per subgraph)
// under design variant `variant`: subgraphs, boundary transfers and launches, as the
// extended model costs a pass. Provenance: the least measured figure used.
struct PassPrediction {
  Seconds seconds = 0;
  Provenance source = Provenance::unavailable;
};
PassPrediction predict_pass(const CostInputs& in, int variant, bool draft, const std::vector<int>& pus,
                            Tokens new_tokens, Tokens context);

// The extended sequential cost of every mapping for one variant and gamma, as
// per-node/per-edge terms (see linear_cost.h).
LinearCost build_linear_cost(const CostInputs& in, int variant, int gamma);

// Node assignment (draft nodes then target nodes) <-> Mapping.
std::vector<int> flatten(const Mapping& m);
Mapping unflatten(const std::vector<int>& assignment, std::size_t num_draft);

}  // namespace specmap
