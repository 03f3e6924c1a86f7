// Individual terms of the extended model: verification work, transfers, dispatch,
// feasibility, memory and energy.
#include <gtest/gtest.h>

#include <cmath>

#include "cost/cost_model.h"
#include "cost_fixtures.h"

namespace specmap {
namespace {

using namespace specmap::testing;

struct Models {
  ModelGraph draft = tiny_model("draft", 2, 64);
  ModelGraph target = tiny_model("target", 4, 128);
};

// One PU whose roofline is compute-bound (tiny peak, huge bandwidth) or memory-bound.
Soc single_pu_soc(double peak_gflops, double bandwidth_gbps) {
  Soc soc = test_soc();
  soc.pus[kCpu].peak_gflops_per_unit = {{DType::f32, peak_gflops}};
  soc.pus[kCpu].mem_bw_gbps = bandwidth_gbps;
  return soc;
}

// Verifying gamma + 1 tokens in one pass costs about gamma + 1 single-token passes on a
// compute-bound PU, and about one on a memory-bound PU (weights are streamed once).
TEST(ExtendedTerms, VerificationCostFollowsTheRoofline) {
  Models m;
  const Workload w = workload({sample(1.0, 32, 64, {0.0})}, /*kv_cache=*/true);  // alpha 0: E = 1
  for (bool compute_bound : {true, false}) {
    const Soc soc = compute_bound ? single_pu_soc(0.001, 1e6) : single_pu_soc(1e6, 0.01);
    const LatencyOracle oracle(soc, empty_profile());
    CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
    const Prediction one = predict(in, whole_models(m.draft, kCpu, m.target, kCpu, 0, 1));
    const Prediction five = predict(in, whole_models(m.draft, kCpu, m.target, kCpu, 4, 1));
    ASSERT_TRUE(one.feasible && five.feasible) << one.infeasible_reason << five.infeasible_reason;
    const double ratio = five.breakdown.target / one.breakdown.target;
    if (compute_bound) {
      EXPECT_GT(ratio, 4.0);
      EXPECT_LT(ratio, 5.5);
    } else {
      EXPECT_LT(ratio, 1.5);  // KV-cache reads and activations grow a little
    }
    EXPECT_TRUE(five.estimated);
    EXPECT_EQ(five.coarsest_source, Provenance::roofline);
  }
}

TEST(ExtendedTerms, TransfersOnlyWhenACutCrossesPus) {
  Models m;
  Soc soc = test_soc(8.0, 0.0, /*transfer_latency_us=*/100.0);
  for (Transfer& t : soc.transfers) t.zero_copy = true;  // latency only: easy to count
  const Workload w = workload({sample(1.0, 16, 32, {0.0})}, true);
  const LatencyOracle oracle(soc, empty_profile());
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};

  const Prediction whole = predict(in, whole_models(m.draft, kCpu, m.target, kCpu, 0));
  ASSERT_TRUE(whole.feasible) << whole.infeasible_reason;
  EXPECT_EQ(whole.breakdown.transfers, 0.0);

  // Draft and target on different PUs exchange only token ids: not a cut of a model.
  const Prediction apart = predict(in, whole_models(m.draft, kGpu, m.target, kCpu, 2));
  ASSERT_TRUE(apart.feasible) << apart.infeasible_reason;
  EXPECT_EQ(apart.breakdown.transfers, 0.0);

  // Target's embedding on the GPU, the rest on the CPU: one crossing per target pass.
  Candidate split = whole_models(m.draft, kCpu, m.target, kCpu, 0);
  split.mapping.target[0] = kGpu;
  const Prediction cut = predict(in, split);
  ASSERT_TRUE(cut.feasible) << cut.infeasible_reason;
  // gamma 0, alpha 0: one target pass per generated token, the first of which (the prompt's)
  // is prefill: 31 decoding passes for 32 tokens.
  EXPECT_NEAR(cut.breakdown.transfers, 100e-6 * 31.0 / 32.0, 1e-15);
  EXPECT_GT(cut.breakdown.prefill, whole.breakdown.prefill);  // the prompt crosses too
}

TEST(ExtendedTerms, CutWithoutTransferPathIsInfeasible) {
  Models m;
  Soc soc = test_soc();
  std::erase_if(soc.transfers, [](const Transfer& t) { return t.from == "cpu" && t.to == "gpu"; });
  const Workload w = workload({sample(1.0, 16, 32, {0.0})}, true);
  const LatencyOracle oracle(soc, empty_profile());
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
  Candidate c = whole_models(m.draft, kCpu, m.target, kCpu, 0);
  c.mapping.target.back() = kGpu;
  const Prediction p = predict(in, c);
  EXPECT_FALSE(p.feasible);
  EXPECT_EQ(
      p.infeasible_reason,
      "target/block.3 on cpu cannot hand over to target/head on gpu: the SoC describes no transfer between "
      "them");
  EXPECT_EQ(build_linear_cost(in, 0, 0).time(flatten(c.mapping)), kInfeasible);
  c.mapping.target.front() = kGpu;  // gpu -> cpu exists
  c.mapping.target.back() = kCpu;
  EXPECT_TRUE(predict(in, c).feasible);
}

TEST(ExtendedTerms, DispatchPerRunOfSubgraphsOnOnePu) {
  Models m;
  const Soc soc = test_soc(8.0, /*dispatch_us=*/10.0, /*transfer_latency_us=*/0.0);
  const Workload w = workload({sample(1.0, 16, 32, {0.0})}, true);
  const LatencyOracle oracle(soc, empty_profile());
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
  Candidate c = whole_models(m.draft, kCpu, m.target, kCpu, 0);
  const Prediction one_run = predict(in, c);
  // 31 decoding passes for 32 tokens: the first pass takes in the prompt (prefill).
  EXPECT_NEAR(one_run.breakdown.overheads, 10e-6 * 31.0 / 32.0, 1e-15);
  // cpu | gpu | cpu: three runs per pass.
  c.mapping.target[2] = kGpu;
  const Prediction three_runs = predict(in, c);
  ASSERT_TRUE(three_runs.feasible) << three_runs.infeasible_reason;
  EXPECT_NEAR(three_runs.breakdown.overheads, 30e-6 * 31.0 / 32.0, 1e-15);
}

// The target's whole forward pass measured on the test SoC's CPU (4 units) at (n, ctx).
ProfileEntry target_forward_on_cpu(Tokens n, Tokens ctx, ProfileStats stats) {
  return target_entry_on_cpu(ProfileLevel::forward, "forward", n, ctx, stats);
}

TEST(ExtendedTerms, AMeasuredPassHoldsItsOwnLaunch) {
  Models m;
  const Soc soc = test_soc(8.0, /*dispatch_us=*/10.0, /*transfer_latency_us=*/0.0);
  const Workload w = workload({sample(1.0, 16, 32, {0.0})}, true);
  // The target's whole forward pass timed in the runtime at every point the plan reads: the
  // timing runs from the call to its logits, launch included.
  ProfileDb db;
  for (Tokens n : {1, 16})
    for (Tokens ctx : {0, 8, 16, 32, 48, 64})
      db.entries.push_back(target_forward_on_cpu(n, ctx, ProfileStats{1e-3 * n, 1e-3 * n, 1e-6, 5}));
  const LatencyOracle oracle(soc, db);
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
  Candidate c = whole_models(m.draft, kCpu, m.target, kCpu, 0);
  const Prediction measured = predict(in, c);
  ASSERT_TRUE(measured.feasible) << measured.infeasible_reason;
  for (const SubgraphCost& s : measured.breakdown.per_subgraph) EXPECT_EQ(s.source, Provenance::measured_forward);
  EXPECT_EQ(measured.breakdown.overheads, 0) << "the SoC's launch figure is not added on top";
  // Split over two PUs, the switch to the GPU and back are launches no measurement holds.
  c.mapping.target[2] = kGpu;
  const Prediction split = predict(in, c);
  ASSERT_TRUE(split.feasible) << split.infeasible_reason;
  EXPECT_NEAR(split.breakdown.overheads, 20e-6 * 31.0 / 32.0, 1e-15);
}

TEST(ExtendedTerms, Int8TargetOnPuWithoutInt8IsInfeasible) {
  Models m;
  m.target = tiny_model("target", 4, 128, DType::int8);
  const Soc soc = test_soc();
  const Workload w = workload({sample(1.0, 16, 32, {0.8})}, true);
  const LatencyOracle oracle(soc, empty_profile());
  for (CostMode mode : {CostMode::extended, CostMode::paper}) {
    CostInputs in{soc, m.draft, m.target, w, oracle, mode};
    const Prediction p = predict(in, whole_models(m.draft, kCpu, m.target, kGpu, 2));
    EXPECT_FALSE(p.feasible);
    EXPECT_NE(p.infeasible_reason.find("target subgraph"), std::string::npos) << p.infeasible_reason;
    EXPECT_NE(p.infeasible_reason.find("(int8) cannot run on gpu: no int8 path"), std::string::npos)
        << p.infeasible_reason;
    // The CPU has an int8 path.
    EXPECT_TRUE(predict(in, whole_models(m.draft, kGpu, m.target, kCpu, 2)).feasible);
  }
}

TEST(ExtendedTerms, PuSwitchedOffIsInfeasible) {
  Models m;
  const Soc soc = test_soc();
  const Workload w = workload({sample(1.0, 16, 32, {0.8})}, true);
  const LatencyOracle oracle(soc, empty_profile());
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
  const Prediction p = predict(in, whole_models(m.draft, kGpu, m.target, kCpu, 2, /*variant=*/1));
  EXPECT_FALSE(p.feasible);
  EXPECT_EQ(p.infeasible_reason, "gpu is off in variant cpu-only");
  // At gamma 0 the draft is not loaded: where it would go does not matter.
  EXPECT_TRUE(predict(in, whole_models(m.draft, kGpu, m.target, kCpu, 0, 1)).feasible);
}

TEST(ExtendedTerms, MemoryOverflowIsInfeasible) {
  Models m;
  const Soc soc = test_soc(/*dram_gb=*/1e-4);  // 100 kB
  const Workload w = workload({sample(1.0, 16, 32, {0.8})}, true);
  const LatencyOracle oracle(soc, empty_profile());
  for (CostMode mode : {CostMode::extended, CostMode::paper}) {
    CostInputs in{soc, m.draft, m.target, w, oracle, mode};
    const Prediction p = predict(in, whole_models(m.draft, kCpu, m.target, kCpu, 2));
    EXPECT_FALSE(p.feasible);
    EXPECT_EQ(p.infeasible_reason.rfind("memory dram: needs ", 0), 0u) << p.infeasible_reason;
    EXPECT_NE(p.infeasible_reason.find("> 0.00 GB capacity"), std::string::npos) << p.infeasible_reason;
  }
}

TEST(ExtendedTerms, MemoryCountsWeightsKvCacheAndTiedWeightsOnce) {
  Models m;
  const Soc soc = test_soc();
  const LatencyOracle oracle(soc, empty_profile());
  const Workload no_kv = workload({sample(1.0, 16, 32, {0.8})}, false);
  const Workload kv = workload({sample(1.0, 16, 32, {0.8})}, true);
  CostInputs in{soc, m.draft, m.target, no_kv, oracle, CostMode::extended};
  auto resident = [](const Prediction& p, int pu) {
    for (const PuCost& c : p.breakdown.per_pu)
      if (c.pu == pu) return c.resident_bytes;
    return -1.0;
  };
  const Prediction together = predict(in, whole_models(m.draft, kCpu, m.target, kCpu, 0));
  ASSERT_TRUE(together.feasible);
  // Without a KV cache: the target's weights (tied embedding once) plus activation buffers.
  const double weights = m.target.weight_bytes();
  const double buffers = 2.0 * (16 + 32) * 512 * 4.0;  // longest pass x logits row, in and out
  EXPECT_NEAR(resident(together, kCpu), weights + buffers, 1e-6);

  // Head on the GPU: it needs its own copy of the tied table.
  Candidate apart = whole_models(m.draft, kCpu, m.target, kCpu, 0);
  apart.mapping.target.back() = kGpu;
  const Prediction split = predict(in, apart);
  ASSERT_TRUE(split.feasible);
  const Bytes head_table = op_weight_bytes(m.target.subgraphs.back().ops[1]);  // lm_head == embedding
  EXPECT_NEAR(resident(split, kCpu) + resident(split, kGpu) - resident(together, kCpu),
              head_table + 2.0 * 48 * 128 * 4.0, 1e-6);  // + the CPU's now smaller buffers

  // A KV cache adds kv bytes per token for the longest sequence plus one iteration.
  CostInputs with_kv{soc, m.draft, m.target, kv, oracle, CostMode::extended};
  const Prediction cached = predict(with_kv, whole_models(m.draft, kCpu, m.target, kCpu, 3));
  ASSERT_TRUE(cached.feasible);
  const double kv_bytes = (m.target.kv_bytes_per_token() + m.draft.kv_bytes_per_token()) * (16 + 32 + 3 + 1);
  const double draft_buffers = 2.0 * 16 * 512 * 4.0;
  const double target_buffers = 2.0 * (16 + 3) * 512 * 4.0;  // the first verification: prompt + drafts
  EXPECT_NEAR(
      resident(cached, kCpu),
      m.target.weight_bytes() + m.draft.weight_bytes() + kv_bytes + std::max(draft_buffers, target_buffers),
      1e-6);
}

TEST(ExtendedTerms, PromotedWeightsTakeTheirStoredSize) {
  Models m;
  const Soc soc = test_soc();
  const LatencyOracle oracle(soc, empty_profile());
  const Workload w = workload({sample(1.0, 16, 32, {0.8})}, false);
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
  // The NPU stores f32 as f16.
  const Prediction p = predict(in, whole_models(m.draft, kCpu, m.target, kNpu, 0));
  ASSERT_TRUE(p.feasible) << p.infeasible_reason;
  for (const PuCost& c : p.breakdown.per_pu) {
    if (c.pu == kNpu) {
      EXPECT_NEAR(c.resident_bytes, m.target.weight_bytes() / 2 + 2.0 * 48 * 512 * 4.0, 1e-6);
    }
  }
}

TEST(ExtendedTerms, BreakdownAddsUpAndEnergyFollowsBusyTime) {
  Models m;
  const Soc soc = test_soc(8.0, 5.0, 20.0);
  const Workload w = workload({sample(0.3, 20, 40, {0.9, 0.7}), sample(0.7, 50, 10, {0.6})}, true);
  const LatencyOracle oracle(soc, empty_profile());
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
  Candidate c = whole_models(m.draft, kGpu, m.target, kCpu, 3);
  c.mapping.target[1] = kNpu;
  c.mapping.draft[0] = kCpu;
  const Prediction p = predict(in, c);
  ASSERT_TRUE(p.feasible) << p.infeasible_reason;
  const Breakdown& b = p.breakdown;
  EXPECT_GT(b.draft, 0);
  EXPECT_GT(b.target, 0);
  EXPECT_GT(b.prefill, 0);
  EXPECT_GT(b.transfers, 0);
  EXPECT_GT(b.overheads, 0);
  EXPECT_NEAR(b.draft + b.target + b.prefill + b.transfers + b.overheads + b.sampling, p.time_per_token,
              1e-12 * p.time_per_token);
  double busy = 0;
  double energy = 0;
  double idle = 0;
  for (const PuCost& pc : b.per_pu) {
    const ProcessingUnit& pu = soc.pus[pc.pu];
    const int units = soc.variants[0].units[pc.pu];
    busy += pc.busy_seconds_per_token;
    energy += pc.busy_seconds_per_token * (pu.active_power(units) - pu.idle_power_w);
    idle += pu.idle_power_w;
  }
  // Busy time is compute only: at most everything but transfers and launches.
  EXPECT_LE(busy, p.time_per_token - b.transfers - b.overheads);
  EXPECT_GE(busy, b.draft + b.target);
  double per_subgraph = 0;
  for (const SubgraphCost& sc : b.per_subgraph) per_subgraph += sc.seconds_per_token;
  EXPECT_NEAR(per_subgraph, busy, 1e-12 * busy);
  EXPECT_NEAR(p.energy_per_token, energy + idle * p.time_per_token, 1e-12 * p.energy_per_token);
  EXPECT_EQ(b.per_subgraph.size(), m.draft.subgraphs.size() + m.target.subgraphs.size());
  EXPECT_GT(p.time_per_token_stddev, 0);
  EXPECT_GT(p.c, 0);
}

// A measured forward pass wins over finer estimates: a whole-model mapping reproduces it.
TEST(ExtendedTerms, MeasuredForwardPassIsReproducedExactly) {
  Models m;
  const Soc soc = test_soc();
  ProfileDb db;
  // No cache: the one iteration recomputes the 63 prompt tokens.
  db.entries.push_back(target_forward_on_cpu(63, 0, ProfileStats{0.5, 0.5, 0.01, 10}));
  const LatencyOracle oracle(soc, db);
  const Workload w = workload({sample(1.0, 63, 1, {0.8})}, false);
  CostInputs in{soc, m.draft, m.target, w, oracle, CostMode::extended};
  const Prediction p = predict(in, whole_models(m.draft, kCpu, m.target, kCpu, 0));
  ASSERT_TRUE(p.feasible) << p.infeasible_reason;
  EXPECT_NEAR(p.time_per_token, 0.5, 1e-15);
  EXPECT_NEAR(p.time_per_token_stddev, 0.01, 1e-15);  // one figure: its spread, not shrunk
  EXPECT_EQ(p.coarsest_source, Provenance::measured_forward);
  EXPECT_FALSE(p.estimated);
  // Split over the PUs the shares still follow the subgraphs' estimates, and moving a subgraph
  // away changes only that subgraph's share.
  Candidate split = whole_models(m.draft, kCpu, m.target, kCpu, 0);
  split.mapping.target.back() = kGpu;
  const Prediction q = predict(in, split);
  ASSERT_TRUE(q.feasible) << q.infeasible_reason;
  EXPECT_LT(q.breakdown.per_subgraph.back().seconds_per_token, 0.5);
  EXPECT_EQ(q.breakdown.per_subgraph.front().source, Provenance::measured_forward);
  EXPECT_EQ(q.breakdown.per_subgraph.back().source, Provenance::roofline);
}

}  // namespace
}  // namespace specmap
