#include "runtime/measure/contention_points.h"

#include <atomic>
#include <chrono>
#include <random>
#include <span>
#include <string>
#include <thread>

#include "runtime/cpu/core_set.h"
#include "runtime/speculative/sampling.h"

namespace specmap::runtime {

namespace {

// One model's side of the measurement: its tokens, its prefix, and one pass at its point.
class Side {
 public:
  Side(TransformerExecutor& executor, const PassPoint& point, std::uint64_t seed)
      : executor_(executor), point_(point), rows_(sampled_rows(executor.options().kv_cache, point)) {
    std::mt19937_64 engine(seed ^ 0x2545f4914f6cdd1dULL);
    tokens_.resize(static_cast<std::size_t>(point.context + point.new_tokens));
    for (int& t : tokens_) t = static_cast<int>(engine() % static_cast<std::uint64_t>(executor.vocab()));
  }

  Status check() const {
    if (point_.new_tokens < 1 || point_.context < 0) return Error{"a contention pass needs new tokens >= 1"};
    if (!executor_.options().kv_cache && point_.context > 0)
      return Error{"without a KV cache a contention pass has context 0"};
    if (point_.rows > point_.new_tokens) return Error{"a contention pass cannot sample more rows than it appends"};
    return {};
  }

  // The untimed prefix of the point's context.
  Status prepare() {
    executor_.truncate(0);
    const auto context = static_cast<std::size_t>(point_.context);
    if (context == 0) return {};
    auto r = executor_.try_append(std::span<const int>(tokens_.data(), context), 1);
    if (!r) return r.error();
    return {};
  }

  // One pass (appended, its rows sampled, rolled back); its seconds.
  Result<Seconds> pass() {
    const auto context = static_cast<std::size_t>(point_.context);
    const auto start = std::chrono::steady_clock::now();
    auto logits = executor_.try_append(
        std::span<const int>(tokens_.data() + context, static_cast<std::size_t>(point_.new_tokens)), rows_);
    if (!logits) return logits.error();
    volatile int token = softmax_and_argmax_rows(*logits, rows_, scratch_);
    (void)token;
    const auto end = std::chrono::steady_clock::now();
    executor_.truncate(context);
    return std::chrono::duration<double>(end - start).count();
  }

  void finish() { executor_.truncate(0); }

 private:
  TransformerExecutor& executor_;
  PassPoint point_;
  std::size_t rows_;
  std::vector<int> tokens_;
  std::vector<double> scratch_;
};

CoreSet drafter_cores(const TransformerExecutor& draft) {
  std::vector<int> cores;
  for (const CoreSet& set : draft.placement().subgraph_cores)
    cores.insert(cores.end(), set.cores.begin(), set.cores.end());
  return make_core_set(std::move(cores));
}

// Runs `timed` passes of `reference`, on the calling thread or on a worker pinned to `cores`,
// while (when `load` is set) the other side runs passes in a loop on the other thread; the
// reference's first timed pass starts after the load's first pass has started.
struct Phase {
  Side& reference;
  Side* load;
  bool reference_on_worker;
  int timed;
};

Status run_phase(const Phase& phase, const CoreSet& cores, std::vector<Seconds>& out) {
  std::atomic<bool> load_started{false};
  std::atomic<bool> stop{false};
  std::string reference_error, load_error;
  auto reference_loop = [&] {
    while (phase.load && !load_started.load()) std::this_thread::yield();
    for (int i = 0; i < phase.timed; ++i) {
      auto s = phase.reference.pass();
      if (!s) {
        reference_error = s.error().message;
        break;
      }
      out.push_back(*s);
    }
    stop = true;
  };
  auto load_loop = [&] {
    while (!stop.load()) {
      load_started = true;
      auto s = phase.load->pass();
      if (!s) {
        load_error = s.error().message;
        load_started = true;
        return;
      }
    }
  };
  auto pinned = [&](auto body) {
    return [&, body] {
      if (!cores.empty())
        if (Status s = pin_current_thread(cores); !s) {
          reference_error = "the drafter's thread: " + s.error().message;
          stop = true;
          load_started = true;
          return;
        }
      body();
    };
  };
  std::thread worker;
  try {
    if (phase.reference_on_worker) {
      worker = std::thread(pinned(reference_loop));
      if (phase.load) load_loop();
    } else {
      if (phase.load) worker = std::thread(pinned(load_loop));
      reference_loop();
    }
  } catch (const std::system_error& e) {
    return Error{std::string("contention: cannot start the drafter's thread: ") + e.what()};
  }
  if (worker.joinable()) worker.join();
  if (!reference_error.empty()) return Error{"contention: " + reference_error};
  if (!load_error.empty()) return Error{"contention, load: " + load_error};
  return {};
}

}  // namespace

Result<ContentionTimings> time_contention(TransformerExecutor& draft, TransformerExecutor& target,
                                          const ContentionShape& shape, std::uint64_t seed) {
  if (&draft == &target) return Error{"contention: draft and target must be different executors"};
  if (shape.pairs < 1 || shape.passes < 1) return Error{"contention: at least one pair of one pass"};
  Side drafter(draft, shape.draft_step, seed);
  Side verifier(target, shape.verification, seed + 1);
  if (Status s = drafter.check(); !s) return s.error();
  if (Status s = verifier.check(); !s) return s.error();
  const CoreSet cores = drafter_cores(draft);
  // The calling thread's affinity is put back however the executors leave it. It runs the
  // target's side, placed as the loop places it (pin_to_head_cores).
  const ScopedAffinityRestore restore;
  pin_to_head_cores(target);
  if (Status s = drafter.prepare(); !s) return s.error();
  if (Status s = verifier.prepare(); !s) return s.error();

  ContentionTimings out;
  const Phase target_alone{verifier, nullptr, false, shape.passes};
  const Phase target_beside{verifier, &drafter, false, shape.passes};
  // The drafter's step alone is timed on the calling thread, as the sequential schedule and the
  // fresh points run it (the figure the plan's drafting steps carry); beside the target on the
  // drafter's own pinned thread, as the overlapped schedule runs it. Their ratio is what the
  // overlapped schedule's drafting step costs against the plan's, thread placement included.
  const Phase draft_alone{drafter, nullptr, false, shape.passes};
  const Phase draft_beside{drafter, &verifier, true, shape.passes};
  for (int k = 0; k < shape.pairs; ++k) {
    const bool alone_first = k % 2 == 0;
    for (int i = 0; i < 2; ++i) {
      const bool alone = (i == 0) == alone_first;
      if (Status s = run_phase(alone ? target_alone : target_beside, cores,
                               alone ? out.target_alone : out.target_beside);
          !s)
        return s.error();
    }
    for (int i = 0; i < 2; ++i) {
      const bool alone = (i == 0) == alone_first;
      if (Status s = run_phase(alone ? draft_alone : draft_beside, cores,
                               alone ? out.draft_alone : out.draft_beside);
          !s)
        return s.error();
    }
  }
  drafter.finish();
  verifier.finish();
  return out;
}

}  // namespace specmap::runtime
