#pragma once
// Writes measured samples in Google Benchmark's JSON output format: one "iteration" run per
// repetition and mean/median/stddev aggregates, so the file reads like the library's own
// output (parse_benchmark_json, compare.py).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/units.h"

namespace specmap::runtime {

struct BenchmarkSamples {
  std::string name;                    // run name, e.g. benchmark_name(...)
  std::size_t iterations = 1;          // per repetition
  std::vector<Seconds> per_iteration;  // one mean time per iteration, per repetition
};

class BenchmarkJsonWriter {
 public:
  // Context keys (strings) beside the standard ones (date, host_name, num_cpus, ...).
  void add_context(const std::string& key, const std::string& value) { context_[key] = value; }
  void add(BenchmarkSamples samples) { benchmarks_.push_back(std::move(samples)); }
  [[nodiscard]] std::size_t size() const { return benchmarks_.size(); }
  [[nodiscard]] std::string json() const;

 private:
  std::map<std::string, std::string> context_;
  std::vector<BenchmarkSamples> benchmarks_;
};

}  // namespace specmap::runtime
