// Transfer and contention measurements: read from Google Benchmark JSON, and how the
// oracle uses them instead of the SoC's nominal figures.
#include <gtest/gtest.h>

#include <string>

#include "profile/latency_oracle.h"
#include "profile/profile_db.h"
#include "profile/transfer_calibration.h"

namespace specmap {
namespace {

std::string run(const std::string& name, double real_time_us) {
  return "{\"name\": \"" + name + "\", \"run_name\": \"" + name +
         "\", \"run_type\": \"iteration\", \"iterations\": 1, \"real_time\": " + std::to_string(real_time_us) +
         ", \"cpu_time\": 1, \"time_unit\": \"us\"}";
}

std::string document(const std::vector<std::string>& runs) {
  std::string body;
  for (const std::string& r : runs) body += (body.empty() ? "" : ",") + r;
  return "{\"context\": {}, \"benchmarks\": [" + body + "]}";
}

TEST(TransferProfile, NamesRoundTripThroughTheJsonReader) {
  const std::string text = document({
      run(transfer_benchmark_name("cpu", "ocl", 4096), 20.0),
      run(transfer_benchmark_name("cpu", "ocl", 1048576), 220.0),
      run(contention_benchmark_name("cpu", 1, "", 0), 1000.0),
      run(contention_benchmark_name("cpu", 1, "ocl", 1), 1100.0),
  });
  auto db = parse_benchmark_json(text, "t.json");
  ASSERT_TRUE(db.ok()) << db.error().format();
  EXPECT_TRUE(db->entries.empty());
  ASSERT_EQ(db->transfers.size(), 2u);
  EXPECT_EQ(db->transfers[0].from, "cpu");
  EXPECT_EQ(db->transfers[0].to, "ocl");
  EXPECT_DOUBLE_EQ(db->transfers[0].bytes, 4096);
  EXPECT_NEAR(db->transfers[1].stats.median, 220e-6, 1e-12);
  ASSERT_EQ(db->contention.size(), 2u);
  EXPECT_NEAR(*measured_slowdown(db->contention, "cpu", 1, "ocl", 1), 1.1, 1e-12);
  EXPECT_FALSE(measured_slowdown(db->contention, "ocl", 1, "cpu", 1).has_value());
}

TEST(TransferProfile, MalformedNamesAreRejectedWithTheFormats) {
  auto db = parse_benchmark_json(document({run("specmap/transfer/cpu/ocl/bytes:0", 1.0)}), "t.json");
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("specmap/transfer/<from>/<to>/bytes:<B>"), std::string::npos);
  auto alone_with_units = parse_benchmark_json(
      document({run("specmap/contention/cpu/units:1/beside:none/units:2", 1.0)}), "t.json");
  EXPECT_FALSE(alone_with_units.ok());
}

TEST(TransferProfile, InterpolatesInsideAndFitsALineOutside) {
  std::vector<TransferEntry> entries;
  auto add = [&](Bytes bytes, Seconds s) {
    TransferEntry e{"cpu", "ocl", bytes, {}, "t"};
    e.stats.median = s;
    entries.push_back(e);
  };
  // Exactly 10 us + 1 ns per byte.
  add(1000, 10e-6 + 1000e-9);
  add(100000, 10e-6 + 100000e-9);
  add(10000, 10e-6 + 10000e-9);
  const TransferCalibration calibration(entries);
  EXPECT_NEAR(*calibration.time("cpu", "ocl", 10000), 20e-6, 1e-15);
  EXPECT_NEAR(*calibration.time("cpu", "ocl", 5500), 10e-6 + 5500e-9, 1e-12);
  EXPECT_NEAR(*calibration.time("cpu", "ocl", 1e6), 10e-6 + 1e-3, 1e-9);  // extrapolated by the line
  const auto line = calibration.line("cpu", "ocl");
  ASSERT_TRUE(line.has_value());
  EXPECT_NEAR(line->first, 10e-6, 1e-12);
  EXPECT_NEAR(line->second, 1e-9, 1e-15);
  EXPECT_FALSE(calibration.time("ocl", "cpu", 1000).has_value());
}

Soc two_pu_soc() {
  Soc soc;
  soc.name = "t";
  ProcessingUnit cpu;
  cpu.id = "cpu";
  cpu.mem_bw_gbps = 20;
  cpu.memory = "dram";
  ProcessingUnit gpu = cpu;
  gpu.id = "ocl";
  gpu.kind = PuKind::gpu;
  gpu.mem_bw_gbps = 10;
  soc.pus = {cpu, gpu};
  soc.memories = {Memory{"dram", 8, 24}};
  soc.transfers = {Transfer{"cpu", "ocl", 100, 1, false}, Transfer{"ocl", "cpu", 100, 1, false}};
  soc.variants = {DesignVariant{"both", {1, 1}}};
  return soc;
}

TEST(TransferProfile, OracleUsesMeasurementsAndFallsBackToTheSoc) {
  const Soc soc = two_pu_soc();
  ProfileDb db;
  TransferEntry e{"cpu", "ocl", 4096, {}, "t"};
  e.stats.median = 5e-6;
  db.transfers.push_back(e);
  const LatencyOracle oracle(soc, db);
  EXPECT_NEAR(oracle.transfer(0, 1, 4096), 5e-6, 1e-15);
  EXPECT_TRUE(oracle.transfer_measured(0, 1));
  EXPECT_FALSE(oracle.transfer_measured(1, 0));
  EXPECT_NEAR(oracle.transfer(1, 0, 4096), 100e-6 + 4096 / 1e9, 1e-12);  // nominal entry
}

TEST(TransferProfile, SlowdownIsMeasuredOrEstimatedFromSharedBandwidth) {
  const Soc soc = two_pu_soc();
  ProfileDb db;
  const LatencyOracle estimated(soc, db);
  const Slowdown s = estimated.slowdown(0, 1, 1, 1);
  EXPECT_FALSE(s.measured);
  EXPECT_NEAR(s.factor, (20.0 + 10.0) / 24.0, 1e-12);
  ContentionEntry alone{"cpu", 1, "", 0, {}, "t"};
  alone.stats.median = 1.0;
  ContentionEntry beside{"cpu", 1, "ocl", 1, {}, "t"};
  beside.stats.median = 1.07;
  db.contention = {alone, beside};
  const LatencyOracle measured(soc, db);
  const Slowdown m = measured.slowdown(0, 1, 1, 1);
  EXPECT_TRUE(m.measured);
  EXPECT_NEAR(m.factor, 1.07, 1e-12);
}

}  // namespace
}  // namespace specmap
