#include "runtime/benchmark_json_writer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

namespace specmap::runtime {

namespace {

using nlohmann::ordered_json;

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Sample standard deviation (n - 1), as Google Benchmark's stddev aggregate.
double stddev_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double mean = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

std::string local_date() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S%z", &tm);
  return buffer;
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "";
  return buffer;
}

constexpr double kNanosecondsPerSecond = 1e9;

}  // namespace

std::string BenchmarkJsonWriter::json() const {
  ordered_json context = {{"date", local_date()},
                          {"host_name", host_name()},
                          {"executable", "specmap profile"},
                          {"num_cpus", static_cast<long long>(::sysconf(_SC_NPROCESSORS_ONLN))},
                          {"library_build_type", "release"}};
  for (const auto& [key, value] : context_) context[key] = value;

  ordered_json benchmarks = ordered_json::array();
  for (std::size_t family = 0; family < benchmarks_.size(); ++family) {
    const BenchmarkSamples& b = benchmarks_[family];
    const auto repetitions = static_cast<long long>(b.per_iteration.size());
    auto run = [&](const std::string& name, const char* run_type, double seconds) {
      return ordered_json{
          {"name", name},       {"family_index", family},     {"per_family_instance_index", 0},
          {"run_name", b.name}, {"run_type", run_type},       {"repetitions", repetitions},
          {"threads", 1},       {"iterations", b.iterations}, {"real_time", seconds * kNanosecondsPerSecond},
          {"time_unit", "ns"}};
    };
    for (std::size_t r = 0; r < b.per_iteration.size(); ++r) {
      ordered_json entry = run(b.name, "iteration", b.per_iteration[r]);
      entry["repetition_index"] = r;
      benchmarks.push_back(std::move(entry));
    }
    const std::pair<const char*, double> aggregates[] = {{"mean", mean_of(b.per_iteration)},
                                                         {"median", median_of(b.per_iteration)},
                                                         {"stddev", stddev_of(b.per_iteration)}};
    for (const auto& [aggregate, seconds] : aggregates) {
      ordered_json entry = run(b.name + "_" + aggregate, "aggregate", seconds);
      entry["aggregate_name"] = aggregate;
      entry["aggregate_unit"] = "time";
      benchmarks.push_back(std::move(entry));
    }
  }
  ordered_json doc;
  doc["context"] = std::move(context);
  doc["benchmarks"] = std::move(benchmarks);
  return doc.dump(2) + "\n";
}

}  // namespace specmap::runtime
