// The overlapped schedule; the algorithm is described in speculative_overlapped.h.
#include "runtime/speculative/speculative_overlapped.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include "runtime/speculative/sampling.h"
#include "runtime/speculative/speculative_internal.h"

namespace specmap::runtime::internal {
namespace {

using Clock = std::chrono::steady_clock;

Seconds seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Drafter::~Drafter() {
  abort_.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Drafter::start(Job job) {
  abort_.store(false);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = std::move(job);
    output_.reset();
  }
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { loop(); });
    } catch (const std::system_error& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      job_.reset();
      return Error{std::string("speculative decoding: cannot start the drafter's thread: ") + e.what()};
    }
  }
  running_ = true;
  changed_.notify_all();
  return {};
}

Drafter::Output Drafter::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return output_.has_value(); });
  Output out = std::move(*output_);
  output_.reset();
  running_ = false;
  return out;
}

void Drafter::cancel() {
  if (!running_) return;
  abort();
  (void)wait();
}

void Drafter::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stop_ || job_.has_value(); });
    if (stop_) return;
    const Job job = std::move(*job_);
    job_.reset();
    lock.unlock();
    Output out = run(job);  // the model is only touched here, outside the lock
    lock.lock();
    output_ = std::move(out);
    changed_.notify_all();
  }
}

Drafter::Output Drafter::run(const Job& job) {
  const Clock::time_point start = Clock::now();
  Output out;
  if (!job.cores.empty() && job.cores != pinned_) {
    if (Status s = pin_current_thread(job.cores); !s) {
      out.error = Error{"speculative decoding: the drafter's thread: " + s.error().message};
      return out;
    }
    pinned_ = job.cores;
  }
  try {
    std::mt19937_64 rng(job.seed);
    out.tokens.reserve(static_cast<std::size_t>(std::max(job.count, 0)));
    for (int i = 0; i < job.count; ++i) {
      if (abort_.load()) break;  // between steps only: a step in flight always ends
      const std::span<const int> input =
          i == 0 ? std::span<const int>(job.first_input) : std::span<const int>(&out.tokens.back(), 1);
      const std::vector<float> logits = model_.append(input, 1);
      ++out.appends;
      if (logits.size() != job.vocab) {
        out.error = Error{"speculative decoding: the draft model returned " + std::to_string(logits.size()) +
                          " logits, expected " + std::to_string(job.vocab)};
        break;
      }
      out.probs.resize((static_cast<std::size_t>(i) + 1) * job.vocab);
      const std::span<double> q =
          std::span<double>(out.probs).subspan(static_cast<std::size_t>(i) * job.vocab);
      softmax_into(logits, job.temperature, q);
      out.tokens.push_back(job.greedy ? argmax(std::span<const float>(logits)) : sample_index(q, rng));
    }
  } catch (const std::exception& e) {
    out.error = Error{std::string("speculative decoding: the draft model failed: ") + e.what()};
  }
  out.busy = seconds_since(start);
  return out;
}

namespace {

class OverlappedGeneration : public GenerationBase {
 public:
  OverlappedGeneration(TokenModel& draft, TokenModel& target, std::span<const int> prompt, int gamma,
                       const SpeculativeConfig& config, ResidualRule rule, OverlapFault fault,
                       Drafter& drafter)
      : GenerationBase(draft, target, prompt, gamma, config, rule), fault_(fault), drafter_(drafter) {
    stats_.overlapped = true;
  }
  // On an early return (an error) a job may still run: stop it before anything it touches
  // goes away or the drafter serves another generation.
  ~OverlappedGeneration() { drafter_.cancel(); }
  OverlappedGeneration(const OverlappedGeneration&) = delete;
  OverlappedGeneration& operator=(const OverlappedGeneration&) = delete;

  Result<GenerationResult> run(std::size_t new_tokens) {
    new_tokens_ = new_tokens;
    if (start(new_tokens)) {
      while (generated() < new_tokens) {
        const std::size_t before = sequence_.size();
        Status status = warm_ ? warm_block() : cold_block();
        if (!status) return status.error();  // the destructor stops a running job
        // A pre-draft handed over to the next block is simply not used (the drafter is idle).
        if (stop_reached(before)) break;
      }
    }
    return finish();
  }

 private:
  // A pre-draft that became the next block: its tokens, the distributions they were drawn
  // from, and the target's distribution at the position of its first token (the last row
  // of the pass that verified the block before).
  struct Warm {
    std::vector<int> tokens;
    std::vector<double> probs;
    std::vector<double> first_target_row;
  };

  Status cold_block() {
    const std::size_t missing = new_tokens_ - generated();
    const int g = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(gamma_), missing - 1));
    const std::size_t committed = sequence_.size();
    Block block;
    drafted_.clear();
    draft_probs_.clear();
    if (g > 0) {
      // The drafter catches up on the committed tokens it has not seen and drafts d1..dg,
      // with the target idle: all of it is on the critical path.
      Result<std::span<const int>> unseen = unseen_by(draft_, "draft");
      if (!unseen) return unseen.error();
      Drafter::Job job = make_job(std::vector<int>(unseen->begin(), unseen->end()), g);
      if (Status s = drafter_.start(std::move(job)); !s) return s;
      const Clock::time_point waiting = Clock::now();
      Drafter::Output out = drafter_.wait();
      block.draft_time += seconds_since(waiting);
      if (out.error) return *out.error;
      drafted_ = std::move(out.tokens);
      draft_probs_ = std::move(out.probs);
    }
    return verify_block(committed, 0, g, block);
  }

  Status warm_block() {
    Warm warm = std::move(*warm_);
    warm_.reset();
    const std::size_t committed = sequence_.size();
    const int g = static_cast<int>(warm.tokens.size());
    drafted_ = std::move(warm.tokens);
    draft_probs_ = std::move(warm.probs);
    Block block;
    block.warm = true;

    // Position 1: e1 against the target's distribution at its position, from the last pass.
    VerifyOutcome first;
    if (fault_ == OverlapFault::kKeepFirstPredraft) {
      first.accepted = 1;
    } else {
      Result<VerifyOutcome> checked =
          check_drafts(std::span<const int>(drafted_).first(1),
                       DistributionRows{std::span<const double>(draft_probs_).first(vocab_), vocab_},
                       DistributionRows{warm.first_target_row, vocab_}, policy_, rng_, rule_);
      if (!checked) return checked.error();
      first = *checked;
    }
    if (first.accepted == 0) {
      // A rejection at position 1, without a target pass: the replacement is emitted and the
      // next block is cold. The drafter is idle and holds committed + e1..e_{g-1}.
      if (draft_.length() > committed) timed_truncate(draft_, committed, block.draft_time);
      sequence_.push_back(first.next_token);
      block.gamma = g;
      block.drafted = drafted_;
      block.accepted = 0;
      block.next_token = first.next_token;
      record(block);
      return {};
    }
    sequence_.push_back(drafted_.front());
    return verify_block(committed, 1, g, block);
  }

  // The block's target pass, with the next block pre-drafted beside it, and the verdict on
  // drafted_[first..g) (drafted_[0..first) are already kept and committed). `committed` is
  // the sequence's length when the block started.
  Status verify_block(std::size_t committed, std::size_t first, int g, Block& block) {
    const std::size_t gamma = static_cast<std::size_t>(g);
    // The next block, clipped like any block to the tokens that would still be missing
    // after every draft of this one was kept, less the one that ends a block.
    const std::size_t missing_after = new_tokens_ - (committed - prompt_length_) - gamma;
    const int h =
        g > 0 ? static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(gamma_), missing_after - 1))
              : 0;
    if (h > 0) {
      // The drafter holds committed + drafted_[0..g-1): the pre-draft continues after the last draft.
      Drafter::Job job = make_job(std::vector<int>{drafted_.back()}, h);
      if (Status s = drafter_.start(std::move(job)); !s) return s;
      stats_.predrafts += 1;
    }

    Result<std::span<const int>> unseen = unseen_by(target_, "target");
    if (!unseen) return unseen.error();
    std::vector<int> input(unseen->begin(), unseen->end());
    input.insert(input.end(), drafted_.begin() + static_cast<std::ptrdiff_t>(first), drafted_.end());
    const std::size_t rows = gamma - first + 1;
    Result<std::vector<float>> logits = timed_append(target_, input, rows, block.target_time, "target");
    if (!logits) return logits.error();
    stats_.target_passes += 1;
    softmax_rows(*logits, rows, target_probs_);
    Result<VerifyOutcome> outcome =
        check_drafts(std::span<const int>(drafted_).subspan(first),
                     DistributionRows{std::span<const double>(draft_probs_).subspan(first * vocab_), vocab_},
                     DistributionRows{target_probs_, vocab_}, policy_, rng_, rule_);
    if (!outcome) return outcome.error();
    const std::size_t accepted = first + outcome->accepted;
    const std::size_t kept = committed + accepted;

    block.gamma = g;
    block.accepted = accepted;
    if (accepted < gamma) {
      // Rejection: stop the pre-draft, roll the target back while its in-flight step ends,
      // then roll the drafter back to the kept prefix.
      if (h > 0) drafter_.abort();
      timed_truncate(target_, kept, block.target_time);
      if (h > 0) {
        Drafter::Output out = wait_for_drafter(block);
        stats_.discarded_predrafts += 1;
        stats_.discarded_predraft_tokens += static_cast<std::int64_t>(out.tokens.size());
        if (out.error) return *out.error;
      }
      if (draft_.length() > kept) timed_truncate(draft_, kept, block.draft_time);
      commit(first, accepted);
      sequence_.push_back(outcome->next_token);
      block.next_token = outcome->next_token;
    } else if (h == 0) {
      // Nothing pre-drafted (the end of the generation): the bonus token, as sequentially.
      timed_truncate(target_, kept, block.target_time);
      const int bonus = sample_bonus(DistributionRows{target_probs_, vocab_}.row(rows - 1), policy_, rng_);
      commit(first, gamma);
      sequence_.push_back(bonus);
      block.next_token = bonus;
    } else {
      // Every draft kept: the pre-draft becomes the next (warm) block, whose first token is
      // checked against this pass's last row in place of a bonus token.
      timed_truncate(target_, kept, block.target_time);
      Drafter::Output out = wait_for_drafter(block);
      if (out.error) return *out.error;
      commit(first, gamma);
      const std::span<const double> last = DistributionRows{target_probs_, vocab_}.row(rows - 1);
      warm_ =
          Warm{std::move(out.tokens), std::move(out.probs), std::vector<double>(last.begin(), last.end())};
      block.handed_over = true;
    }
    block.drafted = drafted_;
    record(block);
    return {};
  }

  // The calling thread waits for the drafter: critical-path draft time. What the job ran
  // before the wait began was hidden behind the target.
  Drafter::Output wait_for_drafter(Block& block) {
    const Clock::time_point waiting = Clock::now();
    Drafter::Output out = drafter_.wait();
    const Seconds waited = seconds_since(waiting);
    block.draft_time += waited;
    block.overlapped_draft_time += std::max(0.0, out.busy - waited);
    return out;
  }

  // A draft job whose engine is seeded from the generation's: the tokens depend on the seed
  // only, not on how far an earlier, aborted job got.
  Drafter::Job make_job(std::vector<int> first_input, int count) {
    Drafter::Job job;
    job.first_input = std::move(first_input);
    job.count = count;
    job.seed = rng_();
    job.vocab = vocab_;
    job.greedy = config_.greedy;
    job.temperature = effective_temperature();
    job.cores = config_.drafter_cores;
    return job;
  }

  void commit(std::size_t from, std::size_t to) {
    sequence_.insert(sequence_.end(), drafted_.begin() + static_cast<std::ptrdiff_t>(from),
                     drafted_.begin() + static_cast<std::ptrdiff_t>(to));
  }

  OverlapFault fault_;
  std::size_t new_tokens_ = 0;
  std::vector<int> drafted_;  // the current block's drafts
  std::vector<double> draft_probs_;
  std::vector<double> target_probs_;
  std::optional<Warm> warm_;  // set between a hand-over and the warm block it starts
  Drafter& drafter_;
};

}  // namespace

Result<GenerationResult> generate_overlapped(TokenModel& draft, TokenModel& target,
                                             std::span<const int> prompt, std::size_t new_tokens, int gamma,
                                             const SpeculativeConfig& config, ResidualRule rule,
                                             OverlapFault fault, Drafter* drafter) {
  if (Status status = validate_request(draft, target, prompt, gamma, config); !status) return status.error();
  if (gamma == 0) {  // nothing to overlap: the sequential schedule
    SpeculativeConfig sequential = config;
    sequential.schedule = Schedule::sequential;
    return generate_with_rule(draft, target, prompt, new_tokens, gamma, sequential, rule);
  }
  if (drafter != nullptr && &drafter->model() != &draft)
    return Error{"speculative decoding: the drafter given runs another model than the draft"};
  std::optional<Drafter> own;  // declared before the generation, so it outlives it
  if (drafter == nullptr) drafter = &own.emplace(draft);
  return OverlappedGeneration(draft, target, prompt, gamma, config, rule, fault, *drafter).run(new_tokens);
}

}  // namespace specmap::runtime::internal
