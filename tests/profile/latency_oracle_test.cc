#include "profile/latency_oracle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "profile_fixtures.h"

namespace specmap {
namespace {

using testing::entry;
using testing::tiny_model;
using testing::tiny_soc;

constexpr int kCpu = 0, kGpu = 1, kNpu = 2;
constexpr double kInf = std::numeric_limits<double>::infinity();

ProfileDb seconds_db(std::vector<ProfileEntry> entries) {
  ProfileDb db;
  db.time_unit = "s";
  db.entries = std::move(entries);
  return db;
}

// Sum of the oracle's own op rooflines, to check scaling against.
double forward_roofline(const LatencyOracle& oracle, const ModelGraph& m, int pu, int units, Tokens n,
                        Tokens c) {
  double total = 0;
  for (const Subgraph& g : m.subgraphs)
    for (const Op& op : g.ops) total += oracle.roofline_op(op, pu, units, n, c);
  return total;
}

TEST(LatencyOracle, MeasuredForwardPointsAreExactAndLinearBetween) {
  const Soc soc = tiny_soc();
  const ModelGraph model = tiny_model();
  const ProfileDb db =
      seconds_db({entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 1, 0, 1e-3, 1e-5),
                  entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 16, 0, 4e-3, 4e-5),
                  entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 64, 0, 10e-3, 2e-4)});
  LatencyOracle oracle(soc, db);

  TimeEstimate at16 = oracle.forward(model, kCpu, 1, 16, 0);
  EXPECT_EQ(at16.source, Provenance::measured_forward);
  EXPECT_FALSE(at16.interpolated);
  EXPECT_EQ(at16.median, 4e-3);
  EXPECT_EQ(at16.stddev, 4e-5);

  TimeEstimate at40 = oracle.forward(model, kCpu, 1, 40, 0);
  EXPECT_EQ(at40.source, Provenance::measured_forward);
  EXPECT_TRUE(at40.interpolated);
  EXPECT_DOUBLE_EQ(at40.median, 4e-3 + 6e-3 * 0.5);
  EXPECT_DOUBLE_EQ(at40.stddev, 4e-5 + 1.6e-4 * 0.5);
  EXPECT_FALSE(is_estimated(at40.source));
}

TEST(LatencyOracle, BeyondTheRangeScalesTheNearestPointByTheRoofline) {
  const Soc soc = tiny_soc();
  const ModelGraph model = tiny_model();
  const ProfileDb db =
      seconds_db({entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 1, 0, 1e-3),
                  entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 64, 0, 10e-3, 1e-4)});
  LatencyOracle oracle(soc, db);

  TimeEstimate far = oracle.forward(model, kCpu, 1, 256, 0);
  EXPECT_EQ(far.source, Provenance::roofline_scaled);
  EXPECT_TRUE(is_estimated(far.source));
  const double ratio =
      forward_roofline(oracle, model, kCpu, 1, 256, 0) / forward_roofline(oracle, model, kCpu, 1, 64, 0);
  EXPECT_GT(ratio, 1.0);
  EXPECT_NEAR(far.median, 10e-3 * ratio, 1e-15);
  EXPECT_NEAR(far.stddev, 1e-4 * ratio, 1e-15);

  // Another units count of the same PU: the 1-unit series scaled by the roofline over units.
  TimeEstimate two_cores = oracle.forward(model, kCpu, 2, 64, 0);
  EXPECT_EQ(two_cores.source, Provenance::roofline_scaled);
  const double units_ratio =
      forward_roofline(oracle, model, kCpu, 2, 64, 0) / forward_roofline(oracle, model, kCpu, 1, 64, 0);
  EXPECT_LT(units_ratio, 1.0);  // more cores, more bandwidth and peak
  EXPECT_NEAR(two_cores.median, 10e-3 * units_ratio, 1e-15);
}

TEST(LatencyOracle, CoarsestMeasuredLevelWins) {
  const Soc soc = tiny_soc();
  const ModelGraph model = tiny_model();
  const std::string up_key = op_profile_key(model.subgraphs[0].ops[0]);
  const std::string down_key = op_profile_key(model.subgraphs[0].ops[1]);
  ASSERT_NE(up_key, down_key);
  std::vector<ProfileEntry> ops = {entry(ProfileLevel::op, model.name, up_key, "cpu", 1, 8, 0, 1e-4, 3e-6),
                                   entry(ProfileLevel::op, model.name, down_key, "cpu", 1, 8, 0, 2e-4, 4e-6)};
  std::vector<ProfileEntry> subgraphs = {
      entry(ProfileLevel::subgraph, model.name, "block.0", "cpu", 1, 8, 0, 5e-4, 1e-5),
      entry(ProfileLevel::subgraph, model.name, "block.1", "cpu", 1, 8, 0, 7e-4, 2e-5)};
  const ProfileEntry forward =
      entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 8, 0, 2e-3, 5e-5);

  {  // all three levels: the whole pass wins
    std::vector<ProfileEntry> all = ops;
    all.insert(all.end(), subgraphs.begin(), subgraphs.end());
    all.push_back(forward);
    const ProfileDb db = seconds_db(all);
    LatencyOracle oracle(soc, db);
    TimeEstimate t = oracle.forward(model, kCpu, 1, 8, 0);
    EXPECT_EQ(t.source, Provenance::measured_forward);
    EXPECT_EQ(t.median, 2e-3);
    // subgraph() still answers from the subgraph level, not the ops
    EXPECT_EQ(oracle.subgraph(model, 0, kCpu, 1, 8, 0).source, Provenance::measured_subgraph);
    EXPECT_EQ(oracle.subgraph(model, 0, kCpu, 1, 8, 0).median, 5e-4);
  }
  {  // subgraphs and ops: the sum of subgraphs
    std::vector<ProfileEntry> some = ops;
    some.insert(some.end(), subgraphs.begin(), subgraphs.end());
    const ProfileDb db = seconds_db(some);
    LatencyOracle oracle(soc, db);
    TimeEstimate t = oracle.forward(model, kCpu, 1, 8, 0);
    EXPECT_EQ(t.source, Provenance::measured_subgraph);
    EXPECT_DOUBLE_EQ(t.median, 12e-4);
    EXPECT_DOUBLE_EQ(t.stddev, std::sqrt(1e-10 + 4e-10));
  }
  {  // ops only: block.0 is fully measured by its ops, block.1 falls back to the roofline
    const ProfileDb db = seconds_db(ops);
    LatencyOracle oracle(soc, db);
    TimeEstimate b0 = oracle.subgraph(model, 0, kCpu, 1, 8, 0);
    EXPECT_EQ(b0.source, Provenance::measured_op);
    EXPECT_DOUBLE_EQ(b0.median, 3e-4);
    EXPECT_DOUBLE_EQ(b0.stddev, 5e-6);
    TimeEstimate b1 = oracle.subgraph(model, 1, kCpu, 1, 8, 0);
    EXPECT_EQ(b1.source, Provenance::roofline);
    TimeEstimate whole = oracle.forward(model, kCpu, 1, 8, 0);
    EXPECT_EQ(whole.source, Provenance::roofline);  // the least measured part
    EXPECT_DOUBLE_EQ(whole.median, b0.median + b1.median);
    EXPECT_NEAR(whole.stddev, std::hypot(b0.stddev, b1.stddev), 1e-18);
  }
  {  // nothing: roofline with a 25% spread
    const ProfileDb db = seconds_db({});
    LatencyOracle oracle(soc, db);
    TimeEstimate t = oracle.forward(model, kCpu, 1, 8, 0);
    EXPECT_EQ(t.source, Provenance::roofline);
    EXPECT_DOUBLE_EQ(t.median, forward_roofline(oracle, model, kCpu, 1, 8, 0));
    EXPECT_GT(t.median, 0.0);
    // Per-op spreads of 25% add in quadrature, so the total spread is at most 25%.
    EXPECT_LE(t.stddev, 0.25 * t.median + 1e-18);
    TimeEstimate block = oracle.subgraph(model, 1, kCpu, 1, 8, 0);
    const Op& q = model.subgraphs[1].ops[0];
    const Op& o = model.subgraphs[1].ops[1];
    const double tq = oracle.roofline_op(q, kCpu, 1, 8, 0), to = oracle.roofline_op(o, kCpu, 1, 8, 0);
    EXPECT_DOUBLE_EQ(block.stddev, 0.25 * std::hypot(tq, to));
  }
}

TEST(LatencyOracle, MeasuredSumBeatsAScaledWholePass) {
  const Soc soc = tiny_soc();
  const ModelGraph model = tiny_model();
  // The whole pass was measured at 1 core only; both subgraphs at 2 cores.
  const ProfileDb db =
      seconds_db({entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 8, 0, 2e-3),
                  entry(ProfileLevel::subgraph, model.name, "block.0", "cpu", 2, 8, 0, 3e-4),
                  entry(ProfileLevel::subgraph, model.name, "block.1", "cpu", 2, 8, 0, 4e-4)});
  LatencyOracle oracle(soc, db);
  TimeEstimate two = oracle.forward(model, kCpu, 2, 8, 0);
  EXPECT_EQ(two.source, Provenance::measured_subgraph);
  EXPECT_DOUBLE_EQ(two.median, 7e-4);
  // At 3 cores neither is measured: the scaled whole pass (coarser) is used.
  EXPECT_EQ(oracle.forward(model, kCpu, 3, 8, 0).source, Provenance::roofline_scaled);
}

TEST(LatencyOracle, RelativeProfilesNeverMixInRooflineSeconds) {
  const Soc soc = tiny_soc();
  const ModelGraph model = tiny_model();
  ProfileDb db = seconds_db({entry(ProfileLevel::forward, model.name, "forward", "cpu", 1, 63, 0, 1.0)});
  db.time_unit = "relative";
  db.reference = "tiny on one core";
  LatencyOracle oracle(soc, db);

  TimeEstimate gpu = oracle.forward(model, kGpu, 1, 63, 0);
  EXPECT_EQ(gpu.source, Provenance::unavailable);
  EXPECT_FALSE(gpu.why.empty());
  EXPECT_NE(gpu.why.find("relative"), std::string::npos);
  EXPECT_EQ(oracle.subgraph(model, 0, kGpu, 1, 63, 0).source, Provenance::unavailable);

  // A ratio of rooflines is unit-free, so scaling a relative figure is allowed.
  TimeEstimate two = oracle.forward(model, kCpu, 2, 63, 0);
  EXPECT_EQ(two.source, Provenance::roofline_scaled);
  EXPECT_LT(two.median, 1.0);
}

TEST(LatencyOracle, InfeasibleDataTypesTakeForever) {
  const Soc soc = tiny_soc();
  const ModelGraph model = tiny_model();  // f32; the NPU marks f32 infeasible
  const ProfileDb db = seconds_db({});
  LatencyOracle oracle(soc, db);
  const Op& op = model.subgraphs[0].ops[0];
  EXPECT_EQ(oracle.roofline_op(op, kNpu, 1, 8, 0), kInf);
  EXPECT_EQ(oracle.forward(model, kNpu, 1, 8, 0).median, kInf);
  EXPECT_EQ(oracle.roofline_op(op, kCpu, 0, 8, 0), kInf);  // no unit switched on
  EXPECT_EQ(oracle.roofline_op(testing::matmul("x", 8, 8, DType::f16), kCpu, 1, 8, 0),
            kInf);  // no f16 path, no fallback

  ProfileDb relative = db;
  relative.time_unit = "relative";
  LatencyOracle rel(soc, relative);
  EXPECT_EQ(rel.forward(model, kNpu, 1, 8, 0).median, kInf);  // infeasible needs no unit
}

TEST(LatencyOracle, RooflineIsTheSlowerOfComputeAndMemory) {
  const Soc soc = tiny_soc();
  const ProfileDb db = seconds_db({});
  LatencyOracle oracle(soc, db);
  const Op op = testing::matmul("w", 512, 512, DType::f32);

  // One CPU core: 10 GFLOP/s f32, 3 GB/s (per-unit limit below the 8 GB/s of the PU).
  for (Tokens n : {1, 512}) {
    const double compute = op_flops(op, n, 0) / 10e9;
    const double memory = op_bytes(op, n, 0) / 3e9;
    EXPECT_DOUBLE_EQ(oracle.roofline_op(op, kCpu, 1, n, 0), std::max(compute, memory)) << n;
  }
  // Six cores: 60 GFLOP/s, bandwidth capped at the PU's 8 GB/s.
  EXPECT_DOUBLE_EQ(oracle.roofline_op(op, kCpu, 6, 4, 0),
                   std::max(op_flops(op, 4, 0) / 60e9, op_bytes(op, 4, 0) / 8e9));

  // int8 on the GPU is promoted to f32 at twice the cost; weights stream as f32 (4x the bytes).
  const Op q = testing::matmul("w8", 512, 512, DType::int8);
  for (Tokens n : {1, 4096}) {
    const double weights = op_weight_bytes(q);
    const double compute = 2.0 * op_flops(q, n, 0) / 100e9;
    const double memory = (op_bytes(q, n, 0) + 3.0 * weights) / 10e9;
    EXPECT_DOUBLE_EQ(oracle.roofline_op(q, kGpu, 1, n, 0), std::max(compute, memory)) << n;
  }
}

TEST(LatencyOracle, TransferDelegatesToTheSoc) {
  const Soc soc = tiny_soc();
  const ProfileDb db = seconds_db({});
  LatencyOracle oracle(soc, db);
  EXPECT_EQ(oracle.transfer(kCpu, kCpu, 1e6), 0.0);
  EXPECT_DOUBLE_EQ(oracle.transfer(kCpu, kGpu, 5e9), 20e-6 + 1.0);
}

TEST(LatencyOracle, BadIndicesAreUnavailableNotCrashes) {
  const Soc soc = tiny_soc();
  const ModelGraph model = tiny_model();
  const ProfileDb db = seconds_db({});
  LatencyOracle oracle(soc, db);
  EXPECT_EQ(oracle.forward(model, 7, 1, 1, 0).source, Provenance::unavailable);
  EXPECT_EQ(oracle.subgraph(model, 9, kCpu, 1, 1, 0).source, Provenance::unavailable);
}

}  // namespace
}  // namespace specmap
