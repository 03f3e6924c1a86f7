#pragma once
// The overlapped schedule of speculative decoding (SpeculativeConfig::schedule ==
// Schedule::overlapped, gamma > 0): the drafter drafts the next block on a worker thread
// while the target verifies the current one on the calling thread. cost/overlapped_schedule.h
// predicts exactly this algorithm; docs/runtime-overlap.md explains it at length.
//
// Blocks. g = min(gamma, tokens still missing - 1), as in the sequential schedule.
//  - Cold block: the drafter drafts d1..dg one at a time while the target is idle. Then the
//    target's pass over [committed tokens it has not seen, d1..dg] (g + 1 rows) runs on the
//    calling thread while the drafter pre-drafts e1..eh after dg, as if all of d1..dg were
//    accepted, with h = min(gamma, tokens missing after d1..dg - 1) (h == 0: no pre-draft, as
//    at the end of the generation). The drafter checks an abort flag before each step; it
//    cannot stop inside one.
//  - When the pass returns, d1..dg are checked with the rules of verify_drafts (greedy,
//    speculative sampling with the residual, controlled acceptance). A rejection at d_j: the
//    abort flag is set, the target rolls back while the drafter's in-flight step ends, then
//    the drafter rolls back to the committed prefix; d1..d_{j-1} and the replacement are
//    emitted and the next block is cold.
//  - All of d1..dg kept and h == 0: the bonus token is sampled from the pass's last row, as in
//    the sequential schedule. All kept and h > 0: the calling thread waits for e1..eh and
//    emits d1..dg with no token after them (the block "hands over"); the next block is warm.
//  - Warm block (drafts e1..eh): e1 is checked against the previous pass's last row with the
//    same rule (controlled: Bernoulli(alpha); greedy: e1 == argmax; sampling: min(1, p/q) with
//    q the drafter's distribution of e1, else the residual). Rejected: the replacement is
//    emitted, the pre-draft is discarded and the next block is cold (no target pass). Kept:
//    the target's pass over [e1..eh] (h rows: e2..eh and the row after eh) runs while the
//    drafter pre-drafts f1..f_h' after eh, and the block ends like a cold one.
//
// Output distribution: every emitted token is either a draft checked against the target's
// distribution at its own position with the standard rule, or a replacement / bonus drawn
// from the target's (residual) distribution there; a pre-drafted block is only used when
// every token it was conditioned on was accepted, so its drafts are distributed as the
// drafter's distribution given the committed prefix. Each position therefore receives a
// token distributed exactly as the target's (greedy: the target's argmax).
//
// Randomness: every draft job (cold draft or pre-draft) samples from its own engine, seeded
// by a draw from the generation's engine on the calling thread when the job starts, so a
// seed gives the same tokens however far an aborted pre-draft got.
//
// Statistics: see SpeculativeStats (draft_time holds only the draft time on the critical
// path; overlapped_draft_time the hidden rest; cold/warm blocks and discarded pre-drafts).
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "runtime/cpu/core_set.h"
#include "runtime/executor/token_model.h"

namespace specmap::runtime::internal {

// The drafter's worker thread: runs one draft job at a time on `model`, which nobody else
// touches while a job runs. The thread starts with the first job and lives until the
// destructor (which aborts a running job and joins), so one drafter can serve many
// generations (SpeculativeDecoder keeps one). start/abort/wait/cancel are called from one
// thread at a time, the owner's; the model may be used by the owner whenever no job runs.
class Drafter {
 public:
  struct Job {
    std::vector<int> first_input;  // appended before the first draft (the tokens the model has not seen)
    int count = 0;                 // tokens to draft; each one but the last is appended to draft the next
    std::uint64_t seed = 0;        // the job's sampling engine
    std::size_t vocab = 0;         // expected logits per call
    bool greedy = true;            // tokens are argmaxes; else samples of softmax(logits / temperature)
    double temperature = 1.0;
    // The drafter's PU's cores: the worker pins itself to them before the job's first step
    // (its softmax and sampling run there too), so a draft and a target on two core sets
    // do not meet on one core. Empty: the thread stays where it is.
    CoreSet cores;
  };
  struct Output {
    std::vector<int> tokens;    // drafted, fewer than count when aborted
    std::vector<double> probs;  // [tokens.size() x vocab]: the distribution each was drawn from
    std::size_t appends = 0;    // model.append calls made (== tokens.size())
    Seconds busy = 0.0;         // the job's run time on the worker
    std::optional<Error> error;
  };

  explicit Drafter(TokenModel& model) : model_(model) {}
  ~Drafter();
  Drafter(const Drafter&) = delete;
  Drafter& operator=(const Drafter&) = delete;

  // Starts `job` on the worker (starting the thread the first time); the drafter must be
  // idle (every job started has been waited for). Errors: the thread cannot be started.
  Status start(Job job);
  // Asks the running job to stop before its next step.
  void abort() { abort_.store(true); }
  // Blocks until the job has ended and returns what it produced; the drafter is idle after.
  Output wait();
  // A job was started and not yet waited for.
  [[nodiscard]] bool running() const { return running_; }
  // Aborts and waits for a running job, dropping its output; nothing when idle.
  void cancel();
  [[nodiscard]] const TokenModel& model() const { return model_; }

 private:
  void loop();
  Output run(const Job& job);

  TokenModel& model_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Job> job_;        // posted, not yet taken by the worker
  std::optional<Output> output_;  // finished, not yet taken by wait()
  bool stop_ = false;
  bool running_ = false;            // the owner's view; only the owner touches it
  std::atomic<bool> abort_{false};  // read by the worker between steps, without the lock
  CoreSet pinned_;                  // the worker's current pinning; only the worker touches it
};

}  // namespace specmap::runtime::internal
