#include "runtime/measure/profile_benchmarks.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <span>

#include "runtime/executor/token_model.h"
#include "runtime/speculative/sampling.h"
#include "runtime/speculative/speculative.h"

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
  const ScopedAffinityRestore restore_affinity;
  pin_to_head_cores(*load_);
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
  // Each model's passes on its loop's thread placement (pin_to_head_cores).
  const ScopedAffinityRestore restore_affinity;
  pin_to_head_cores(reference_);
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

namespace {

// Costs nothing and returns the first rows of fixed logits: the loop then does with them what
// it does with a real model's. Records the rows of every pass.
class FixedLogitsModel final : public TokenModel {
 public:
  FixedLogitsModel(const std::vector<float>& logits, int vocab, std::vector<std::size_t>& rows)
      : logits_(logits), vocab_(vocab), rows_(rows) {}
  [[nodiscard]] int vocab() const override { return vocab_; }
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    length_ += tokens.size();
    rows_.push_back(last_rows);
    const std::size_t values = std::min(last_rows * static_cast<std::size_t>(vocab_), logits_.size());
    return std::vector<float>(logits_.begin(), logits_.begin() + static_cast<std::ptrdiff_t>(values));
  }
  void truncate(std::size_t length) override { length_ = std::min(length_, length); }
  [[nodiscard]] std::size_t length() const override { return length_; }

 private:
  const std::vector<float>& logits_;
  int vocab_;
  std::vector<std::size_t>& rows_;
  std::size_t length_ = 0;
};

}  // namespace

LoopBenchmark::LoopBenchmark(int vocab, int drafts, std::uint64_t seed)
    : vocab_(vocab), drafts_(drafts), seed_(seed) {
  std::mt19937_64 engine(seed ^ 0x9e3779b97f4a7c15ULL);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  logits_.resize(static_cast<std::size_t>(drafts + 1) * static_cast<std::size_t>(vocab));
  for (float& v : logits_) v = logit(engine);
}

Result<std::pair<Seconds, Seconds>> LoopBenchmark::generation(std::uint64_t seed) {
  // Every draft kept (controlled acceptance 1): each iteration drafts `drafts_` tokens up to the
  // last, so the generation's figure is one iteration count's. Greedy, as the runs default to.
  constexpr std::size_t kIterations = 8;
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::size_t> rows;
  FixedLogitsModel draft(logits_, vocab_, rows);
  FixedLogitsModel target(logits_, vocab_, rows);
  SpeculativeDecoder decoder(draft, target);
  const std::vector<int> prompt{0};
  SpeculativeConfig config;
  config.controlled_alpha = 1.0;
  config.seed = seed;
  auto result = decoder.generate(prompt, kIterations * static_cast<std::size_t>(drafts_ + 1), drafts_, config);
  if (!result) return result.error();
  // The sampling the pass points time with each pass (runtime/measure/pass_points.h), here for
  // the same passes: the profile's pass figures already carry it.
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t r : rows)
    benchmark::DoNotOptimize(softmax_and_argmax_rows(
        std::span<const float>(logits_).first(r * static_cast<std::size_t>(vocab_)), r, scratch_));
  const auto end = std::chrono::steady_clock::now();
  const Seconds sampling = std::chrono::duration<double>(end - start).count();
  const auto iterations = static_cast<double>(std::max<std::int64_t>(result->stats.iterations, 1));
  // Never below a nanosecond: a profile's times are positive (a loop that costs no more than
  // the pass points' sampling adds nothing).
  return std::pair<Seconds, Seconds>{std::max(result->stats.other_time - sampling, 1e-9 * iterations) / iterations,
                                     std::chrono::duration<double>(end - begin).count()};
}

std::int64_t LoopBenchmark::iterations_for(double min_time) {
  auto once = generation(seed_);
  if (!once) return 1;  // run() reports the error
  constexpr std::int64_t kMaxIterations = 1000000;
  const double wall = std::max(once->second, 1e-9);
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(min_time / wall)), 1, kMaxIterations);
}

void LoopBenchmark::run(benchmark::State& state) {
  std::uint64_t seed = seed_;
  for (auto _ : state) {
    auto t = generation(++seed);
    if (!t) {
      error_ = t.error().message;
      break;
    }
    state.SetIterationTime(t->first);
  }
  if (!error_.empty()) state.SkipWithError(error_.c_str());
}

}  // namespace specmap::runtime
