#include "runtime/measure/profile_benchmarks.h"

#include <chrono>
#include <random>
#include <span>

namespace specmap::runtime {

void TransferBenchmark::run(benchmark::State& state) {
  for (auto _ : state) {
    auto seconds = probe_.copy(bytes_, to_device_);
    if (!seconds) {
      if (error_.empty()) error_ = seconds.error().message;
      state.SkipWithError(error_.c_str());
      return;
    }
    state.SetIterationTime(*seconds);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes_));
}

ContentionBenchmark::ContentionBenchmark(TransformerExecutor& reference, std::size_t context, std::size_t tokens,
                                         TransformerExecutor* load, std::uint64_t seed)
    : reference_(reference), context_(context), load_(load) {
  std::mt19937_64 engine(seed ^ 0x2545f4914f6cdd1dULL);
  tokens_.resize(context + tokens);
  for (int& t : tokens_) t = static_cast<int>(engine() % static_cast<std::uint64_t>(reference.vocab()));
}

void ContentionBenchmark::load_loop() {
  const int token = 1 % load_->vocab();
  while (!stop_.load(std::memory_order_relaxed)) {
    load_->truncate(0);
    auto r = load_->try_append(std::span<const int>(&token, 1), 1);
    if (!r) {
      load_error_ = r.error().message;
      return;
    }
  }
}

void ContentionBenchmark::run(benchmark::State& state) {
  reference_.truncate(0);
  if (context_ > 0) {
    auto r = reference_.try_append(std::span<const int>(tokens_.data(), context_), 1);
    if (!r) {
      error_ = r.error().message;
      state.SkipWithError(error_.c_str());
      return;
    }
  }
  stop_ = false;
  std::thread load;
  if (load_) load = std::thread([this] { load_loop(); });
  const std::span<const int> timed(tokens_.data() + context_, tokens_.size() - context_);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto r = reference_.try_append(timed, timed.size());
    const auto end = std::chrono::steady_clock::now();
    reference_.truncate(context_);
    if (!r) {
      error_ = r.error().message;
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
  stop_ = true;
  if (load.joinable()) load.join();
  if (error_.empty() && !load_error_.empty()) error_ = "load: " + load_error_;
  if (!error_.empty()) state.SkipWithError(error_.c_str());
}

}  // namespace specmap::runtime
