#pragma once
// The profiler's benchmarks besides forward passes (runtime/measure/profiler.h registers them with
// Google Benchmark, manual time):
// - a transfer: one blocking copy of a boundary tensor between host memory and an OpenCL
//   device, as the executor makes at a PU boundary;
// - a contention reference: one pass of a model on one PU, either alone or while a second
//   thread keeps another PU busy with passes of another model, so the ratio of the two is
//   the slowdown the overlapped schedule pays when both PUs share cores or memory;
// - the speculative loop's own work: generations of the real loop
//   (runtime/speculative/speculative.cc) on two models that cost nothing and return fixed
//   logits of the vocabulary's size, every iteration drafting the same number of tokens; the
//   loop's time outside the model calls (SpeculativeStats::other_time) less the sampling the
//   pass points already time for the same passes, per iteration (ProfileDb::loops).
#include <atomic>
#include <cstdint>
#include <benchmark/benchmark.h>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/opencl/transfer_probe.h"
#include "runtime/executor/transformer_executor.h"
#include "core/result.h"
#include "core/units.h"

namespace specmap::runtime {

class TransferBenchmark {
 public:
  TransferBenchmark(TransferProbe& probe, std::size_t bytes, bool to_device)
      : probe_(probe), bytes_(bytes), to_device_(to_device) {}
  void run(benchmark::State& state);
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  TransferProbe& probe_;
  std::size_t bytes_;
  bool to_device_;
  std::string error_;
};

class ContentionBenchmark {
 public:
  // `reference` runs `tokens` new tokens after a `context`-token prefix per iteration;
  // `load` (null: alone) runs one-token passes in a loop on its own thread meanwhile.
  ContentionBenchmark(TransformerExecutor& reference, std::size_t context, std::size_t tokens,
                      TransformerExecutor* load, std::uint64_t seed);
  void run(benchmark::State& state);
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  void load_loop();

  TransformerExecutor& reference_;
  std::size_t context_;
  std::vector<int> tokens_;
  TransformerExecutor* load_;
  std::atomic<bool> stop_{false};
  std::string error_;
  std::string load_error_;
};

class LoopBenchmark {
 public:
  // Iterations of `drafts` drafted tokens over a vocabulary of `vocab` entries; `seed` picks
  // the logits.
  LoopBenchmark(int vocab, int drafts, std::uint64_t seed);
  void run(benchmark::State& state);
  // Benchmark iterations that take at least `min_time` of wall time, from one generation timed
  // here. The reported (manual) time is the loop's own work alone, which can be a tiny share of
  // a generation or nothing: the library, scaling iterations until the manual time reaches its
  // minimum, would then run for hours. So the loop points run a fixed count.
  [[nodiscard]] std::int64_t iterations_for(double min_time);
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  int vocab_;
  int drafts_;
  std::uint64_t seed_;
  // One generation: the loop's own work per iteration, and the generation's wall time.
  Result<std::pair<Seconds, Seconds>> generation(std::uint64_t seed);

  std::vector<float> logits_;  // drafts + 1 rows
  std::vector<double> scratch_;
  std::string error_;
};

}  // namespace specmap::runtime
