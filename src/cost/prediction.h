#pragma once
// What the cost model says about one candidate.
#include <string>
#include <vector>

#include "core/units.h"
#include "profile/latency_oracle.h"

namespace specmap {

struct SubgraphCost {
  std::string model;     // "draft" or "target"
  std::string subgraph;  // Subgraph::name
  int pu = 0;
  Seconds seconds_per_token = 0;  // expected share of one generated token's time
  Provenance source = Provenance::roofline;
};

struct PuCost {
  int pu = 0;
  Seconds busy_seconds_per_token = 0;
  Bytes resident_bytes = 0;  // weights + KV cache + activations it holds
};

struct Breakdown {
  Seconds draft = 0;      // per generated token
  Seconds target = 0;
  Seconds prefill = 0;
  Seconds transfers = 0;
  Seconds overheads = 0;  // dispatch
  // The speculative loop's own work outside the model calls (its distribution buffers,
  // verification, the next token) beyond the sampling the head's "sample" op carries.
  Seconds sampling = 0;
  // Overlapped schedule only: draft and target above then hold what lies on the critical
  // path, their transfers and launches included (transfers and overheads hold prefill's);
  // hidden_draft is the draft work done while the target verified (discarded pre-drafts
  // included); the slowdowns are the contention factors applied while both run.
  Seconds hidden_draft = 0;
  double draft_slowdown = 1;
  double target_slowdown = 1;
  bool contention_measured = false;
  std::vector<PuCost> per_pu;
  std::vector<SubgraphCost> per_subgraph;
};

struct Prediction {
  bool feasible = true;
  std::string infeasible_reason;  // e.g. "target int8 unsupported on gpu", "pool dram: 9.1 GB > 8 GB"
  Seconds time_per_token = 0;
  Seconds time_per_token_stddev = 0;  // from profile spread
  double tokens_per_second = 0;
  double expected_tokens_per_iteration = 1;
  double c = 0;                   // t_draft / t_target of one forward pass (as the paper defines it)
  Joules energy_per_token = 0;
  bool estimated = false;         // any figure from a roofline estimate
  Provenance coarsest_source = Provenance::unavailable;  // least-measured level used
  Breakdown breakdown;
};

}  // namespace specmap
