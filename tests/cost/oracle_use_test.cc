// How the cost model asks the latency oracle: memoising and asking identical decoder blocks
// once must not change any figure.
#include <gtest/gtest.h>

#include "cost/cost_model.h"
#include "cost_fixtures.h"

namespace specmap {
namespace {

using namespace specmap::testing;

// Same answers as the stock oracle, but a different type: the cost model then asks about
// every subgraph and every forward pass itself.
class PassThroughOracle : public LatencyOracle {
 public:
  using LatencyOracle::LatencyOracle;
  TimeEstimate subgraph(const ModelGraph& model, std::size_t index, int pu, int units, Tokens n,
                        Tokens ctx) const override {
    return LatencyOracle::subgraph(model, index, pu, units, n, ctx);
  }
};

ProfileDb profile_with_one_measured_block() {
  ProfileDb db;
  for (Tokens n : {1, 4, 16, 64})
    db.entries.push_back(
        target_entry_on_cpu(ProfileLevel::subgraph, "block.1", n, 0, ProfileStats{1e-3 * n, 1e-3 * n, 1e-5, 5}));
  return db;
}

TEST(OracleUse, SharingIdenticalBlocksChangesNothing) {
  const Soc soc = test_soc(8.0, 3.0, 20.0);
  const ModelGraph draft = tiny_model("draft", 2, 64);
  const ModelGraph target = tiny_model("target", 4, 128);
  for (bool with_profile : {false, true}) {
    const ProfileDb db = with_profile ? profile_with_one_measured_block() : ProfileDb{};
    const LatencyOracle stock(soc, db);
    const PassThroughOracle asks_all(soc, db);
    for (bool kv : {true, false}) {
      const Workload w = workload({sample(0.5, 20, 30, {0.8}), sample(0.5, 40, 10, {0.6})}, kv);
      CostInputs a{soc, draft, target, w, stock, CostMode::extended};
      CostInputs b{soc, draft, target, w, asks_all, CostMode::extended};
      for (int gamma : {0, 3}) {
        const LinearCost x = build_linear_cost(a, 0, gamma);
        const LinearCost y = build_linear_cost(b, 0, gamma);
        EXPECT_EQ(x.node_time, y.node_time);
        EXPECT_EQ(x.node_energy, y.node_energy);
        Candidate c = whole_models(draft, kGpu, target, kCpu, gamma);
        c.mapping.target[3] = kNpu;
        const Prediction p = predict(a, c);
        const Prediction q = predict(b, c);
        ASSERT_TRUE(p.feasible) << p.infeasible_reason;
        EXPECT_EQ(p.time_per_token, q.time_per_token);
        EXPECT_EQ(p.time_per_token_stddev, q.time_per_token_stddev);
      }
    }
    if (with_profile) {
      // The measured block is not taken for its unmeasured twins.
      const Workload w = workload({sample(1.0, 16, 16, {0.0})}, false);
      CostInputs in{soc, draft, target, w, stock, CostMode::extended};
      const Prediction p = predict(in, whole_models(draft, kCpu, target, kCpu, 0));
      ASSERT_TRUE(p.feasible) << p.infeasible_reason;
      const auto& subgraphs = p.breakdown.per_subgraph;
      // per_subgraph: draft nodes are not placed at gamma 0, so the target's come first.
      EXPECT_EQ(subgraphs[2].subgraph, "block.1");
      EXPECT_EQ(subgraphs[2].source, Provenance::measured_subgraph);
      EXPECT_EQ(subgraphs[1].source, Provenance::roofline);
      EXPECT_NE(subgraphs[2].seconds_per_token, subgraphs[1].seconds_per_token);
      EXPECT_EQ(subgraphs[1].seconds_per_token, subgraphs[3].seconds_per_token);
      EXPECT_EQ(p.coarsest_source, Provenance::roofline);
    }
  }
}

}  // namespace
}  // namespace specmap
