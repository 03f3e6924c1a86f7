// predict() and the search's linear form are the same function of the mapping.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cost/cost_model.h"
#include "cost_fixtures.h"

namespace specmap {
namespace {

using namespace specmap::testing;

struct Inputs {
  Soc soc = test_soc(8.0, /*dispatch_us=*/7.0, /*transfer_latency_us=*/30.0);
  ModelGraph draft = tiny_model("draft", 2, 64);
  ModelGraph target = tiny_model("target", 4, 128);
  LatencyOracle oracle{soc, empty_profile()};
};

std::vector<int> random_assignment(std::mt19937& rng, std::size_t nodes, const std::vector<int>& pus) {
  std::uniform_int_distribution<std::size_t> pick(0, pus.size() - 1);
  std::vector<int> a(nodes);
  for (int& pu : a) pu = pus[pick(rng)];
  return a;
}

void expect_relative_eq(double a, double b, const std::string& what) {
  EXPECT_LE(std::abs(a - b), 1e-12 * std::max(std::abs(a), std::abs(b))) << what << ": " << a << " vs " << b;
}

TEST(LinearForm, PredictEqualsLinearCostOnRandomMappings) {
  Inputs s;
  std::mt19937 rng(12345);
  const std::size_t nodes = s.draft.subgraphs.size() + s.target.subgraphs.size();
  int feasible = 0;
  for (bool kv : {true, false}) {
    const Workload w = workload({sample(0.4, 24, 40, {0.9, 0.8}), sample(0.6, 60, 12, {0.5})}, kv);
    CostInputs in{s.soc, s.draft, s.target, w, s.oracle, CostMode::extended};
    for (int variant : {0, 2}) {
      for (int gamma : {0, 1, 3, 6}) {
        const LinearCost cost = build_linear_cost(in, variant, gamma);
        ASSERT_EQ(cost.node_time.size(), nodes);
        ASSERT_EQ(cost.num_draft, s.draft.subgraphs.size());
        for (int trial = 0; trial < 25; ++trial) {
          // Mostly PUs that are on, sometimes any PU (then some mappings are infeasible).
          const std::vector<int> pus = trial % 5 == 0 ? std::vector<int>{0, 1, 2} : std::vector<int>{0, 1};
          const std::vector<int> a = random_assignment(rng, nodes, pus);
          Candidate c;
          c.variant = variant;
          c.gamma = gamma;
          c.mapping = unflatten(a, s.draft.subgraphs.size());
          const Prediction p = predict(in, c);
          const Seconds linear_time = cost.time(a);
          const std::string memory = cost.memory_violation(a, {"dram", "npu_mem"});
          EXPECT_EQ(p.feasible, linear_time != kInfeasible && memory.empty()) << p.infeasible_reason;
          if (!p.feasible) continue;
          ++feasible;
          expect_relative_eq(p.time_per_token, linear_time, "time");
          expect_relative_eq(p.energy_per_token, cost.energy(a), "energy");
        }
      }
    }
  }
  EXPECT_GT(feasible, 100);  // the comparison was not vacuous
}

TEST(LinearForm, LinearTermsAddUp) {
  Inputs s;
  const Workload w = workload({sample(1.0, 24, 40, {0.8})}, true);
  CostInputs in{s.soc, s.draft, s.target, w, s.oracle, CostMode::extended};
  const LinearCost cost = build_linear_cost(in, 0, 3);
  std::vector<int> a = flatten(whole_models(s.draft, kGpu, s.target, kCpu, 3).mapping);
  a[1] = kCpu;
  double by_hand = 0;
  for (std::size_t n = 0; n < a.size(); ++n) by_hand += cost.node_time[n][a[n]];
  for (const LinearCost::Edge& e : cost.edges) {
    EXPECT_LT(e.u, e.v);
    by_hand += e.time[a[e.u]][a[e.v]];
  }
  EXPECT_DOUBLE_EQ(cost.time(a), by_hand + cost.constant_time);
  EXPECT_NEAR(cost.idle_power, 0.5 + 0.3 + 0.1, 1e-15);
  EXPECT_EQ(cost.node_names.front(), "draft/embedding");
  EXPECT_EQ(cost.node_names.back(), "target/head");
  // An unsupported or switched-off PU is marked, not priced.
  const LinearCost cpu_only = build_linear_cost(in, 1, 3);
  EXPECT_EQ(cpu_only.node_time[0][kGpu], kInfeasible);
  EXPECT_LT(cpu_only.node_time[0][kCpu], kInfeasible);
}

TEST(LinearForm, DraftAtGammaZeroIsFreeAndMayBeUnplaced) {
  Inputs s;
  const Workload w = workload({sample(1.0, 24, 40, {0.8})}, true);
  CostInputs in{s.soc, s.draft, s.target, w, s.oracle, CostMode::extended};
  const LinearCost cost = build_linear_cost(in, 1, 0);  // gpu off, but the draft is not loaded
  for (std::size_t n = 0; n < cost.num_draft; ++n)
    for (int pu = 0; pu < cost.num_pus; ++pu) {
      EXPECT_EQ(cost.node_time[n][pu], 0.0);
      EXPECT_EQ(cost.node_memory[n][pu], 0.0);
    }
  std::vector<int> unplaced = flatten(whole_models(s.draft, -1, s.target, kCpu, 0).mapping);
  std::vector<int> on_gpu = flatten(whole_models(s.draft, kGpu, s.target, kCpu, 0).mapping);
  EXPECT_LT(cost.time(unplaced), kInfeasible);
  EXPECT_EQ(cost.time(unplaced), cost.time(on_gpu));
  Candidate c;
  c.variant = 1;
  c.mapping.target = whole_model_on(kCpu, s.target.subgraphs.size());  // no draft mapping at all
  const Prediction p = predict(in, c);
  ASSERT_TRUE(p.feasible) << p.infeasible_reason;
  EXPECT_EQ(p.time_per_token, cost.time(unplaced));
  // With speculation the draft must be placed.
  const LinearCost speculating = build_linear_cost(in, 0, 2);
  EXPECT_EQ(speculating.time(flatten(whole_models(s.draft, -1, s.target, kCpu, 2).mapping)), kInfeasible);
  c.gamma = 2;
  c.variant = 0;
  c.mapping.draft = whole_model_on(-1, s.draft.subgraphs.size());
  EXPECT_FALSE(predict(in, c).feasible);
}

TEST(LinearForm, Deterministic) {
  Inputs s;
  const Workload w = workload({sample(0.4, 24, 40, {0.9, 0.8}), sample(0.6, 60, 12, {0.5})}, true);
  CostInputs in{s.soc, s.draft, s.target, w, s.oracle, CostMode::extended};
  Candidate c = whole_models(s.draft, kGpu, s.target, kCpu, 4);
  c.mapping.target[2] = kNpu;
  const Prediction a = predict(in, c);
  const Prediction b = predict(in, c);
  ASSERT_TRUE(a.feasible);
  EXPECT_EQ(a.time_per_token, b.time_per_token);
  EXPECT_EQ(a.energy_per_token, b.energy_per_token);
  EXPECT_EQ(a.time_per_token_stddev, b.time_per_token_stddev);
  EXPECT_EQ(a.breakdown.prefill, b.breakdown.prefill);
  const LinearCost x = build_linear_cost(in, 0, 4);
  const LinearCost y = build_linear_cost(in, 0, 4);
  EXPECT_EQ(x.node_time, y.node_time);
  EXPECT_EQ(x.node_energy, y.node_energy);
  EXPECT_EQ(x.node_memory, y.node_memory);
  ASSERT_EQ(x.edges.size(), y.edges.size());
  for (std::size_t e = 0; e < x.edges.size(); ++e) EXPECT_EQ(x.edges[e].time, y.edges[e].time);
}

TEST(LinearForm, MemoryViolationMatchesPredict) {
  Inputs s;
  s.soc = test_soc(/*dram_gb=*/0.0028);
  LatencyOracle oracle(s.soc, empty_profile());
  const Workload w = workload({sample(1.0, 24, 40, {0.8})}, false);
  CostInputs in{s.soc, s.draft, s.target, w, oracle, CostMode::extended};
  const LinearCost cost = build_linear_cost(in, 0, 0);
  // The target with its logits buffers (~2.89 MB) exceeds 2.8 MB; with the head (its logits buffers)
  // on the NPU the CPU keeps ~2.69 MB.
  const std::vector<int> whole = flatten(whole_models(s.draft, -1, s.target, kCpu, 0).mapping);
  std::vector<int> head_on_npu = whole;
  head_on_npu.back() = kNpu;
  const std::string overflow = cost.memory_violation(whole, {"dram", "npu_mem"});
  EXPECT_EQ(overflow.rfind("memory dram: needs 0.00 GB > 0.00 GB capacity", 0), 0u) << overflow;
  EXPECT_EQ(cost.memory_violation(head_on_npu, {"dram", "npu_mem"}), "");
  Candidate c;
  c.mapping = unflatten(head_on_npu, s.draft.subgraphs.size());
  EXPECT_TRUE(predict(in, c).feasible);
  c.mapping = unflatten(whole, s.draft.subgraphs.size());
  EXPECT_FALSE(predict(in, c).feasible);
}

}  // namespace
}  // namespace specmap
