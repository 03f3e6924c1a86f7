#pragma once
// Internal to src/cost: the time of every subgraph of a model on one PU for one pass,
// from the coarsest measured level, memoised for the duration of one cost evaluation.
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cost/cost_model.h"
#include "cost/workload_passes.h"

namespace specmap::cost_internal {

struct SubgraphTime {
  Seconds median = 0;
  Seconds stddev = 0;
  Provenance source = Provenance::unavailable;
  bool apportioned = false;  // a share of a measured whole forward pass
  std::string why;           // when source == unavailable
};

class SubgraphTimer {
 public:
  SubgraphTimer(const CostInputs& in, int variant);

  // Every subgraph of the role's model on `pu` for a pass of `new_tokens` after `context`.
  // When the whole forward pass on that PU is measured (or scaled from forward entries) and no
  // subgraph is measured on its own, the forward figure is split over the subgraphs in
  // proportion to their own estimates: a whole-model mapping reproduces the measurement.
  // `rows`: Pass::rows (0: the rows the point implies).
  const std::vector<SubgraphTime>& pass(int role, int pu, Tokens new_tokens, Tokens context, Tokens rows = 0);

  [[nodiscard]] int units(int pu) const { return units_[pu]; }
  [[nodiscard]] const ModelGraph& model(int role) const { return *models_[role]; }

 private:
  void classify(int role);
  [[nodiscard]] Seconds roofline_weight(int role, std::size_t index, int pu, Tokens new_tokens,
                                        Tokens context) const;

  const CostInputs& in_;
  const ModelGraph* models_[kRoles];
  std::vector<int> units_;
  // Subgraphs with identical ops and no measurement of their own cost the same: each maps to
  // the first such subgraph, which alone is asked. Only for the stock oracle, whose answers
  // depend on nothing else; a substituted oracle is asked about every subgraph.
  std::vector<std::size_t> representative_[kRoles];
  std::vector<bool> forward_measured_[kRoles];  // [pu]: the profile has forward entries
  bool stock_oracle_ = true;
  std::map<std::tuple<int, int, Tokens, Tokens, Tokens>, std::vector<SubgraphTime>> memo_;
};

}  // namespace specmap::cost_internal
