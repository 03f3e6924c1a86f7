#pragma once
// The profiler's benchmarks besides forward passes (runtime/measure/profiler.h registers them with
// Google Benchmark, manual time):
// - a transfer: one blocking copy of a boundary tensor between host memory and an OpenCL
//   device, as the executor makes at a PU boundary;
// - a contention reference: one pass of a model on one PU, either alone or while a second
//   thread keeps another PU busy with passes of another model, so the ratio of the two is
//   the slowdown the overlapped schedule pays when both PUs share cores or memory.
#include <atomic>
#include <benchmark/benchmark.h>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/opencl/transfer_probe.h"
#include "runtime/executor/transformer_executor.h"

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

}  // namespace specmap::runtime
