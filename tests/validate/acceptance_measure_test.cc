// measure_acceptance on toy pairs whose acceptance is known exactly: the estimate and its
// interval must find it; the summary's arithmetic is checked on hand-made counters.
#include "validate/acceptance_measure.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/splitmix64.h"
#include "runtime/executor/token_model.h"

namespace specmap {
namespace {

// Greedy toy pair. The target's next token is a fixed function of (previous token, position);
// the draft proposes the same token with probability `alpha`, decided by a hash of (first
// token of the sequence, position, previous token, seed), else a different one. Prompts start
// with distinct tokens, so every verified draft position is an independent Bernoulli(alpha)
// trial: the true Leviathan alpha is `alpha`.
class ToyGreedyModel : public runtime::TokenModel {
 public:
  ToyGreedyModel(int vocab, double alpha, std::uint64_t seed, bool is_draft)
      : vocab_(vocab), alpha_(alpha), seed_(seed), draft_(is_draft) {}
  [[nodiscard]] int vocab() const override { return vocab_; }
  [[nodiscard]] std::size_t length() const override { return seq_.size(); }
  void truncate(std::size_t length) override {
    if (length < seq_.size()) seq_.resize(length);
  }
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    seq_.insert(seq_.end(), tokens.begin(), tokens.end());
    std::vector<float> out;
    for (std::size_t i = seq_.size() - last_rows; i < seq_.size(); ++i) {
      std::vector<float> row(static_cast<std::size_t>(vocab_), 0.0f);
      row[static_cast<std::size_t>(next(i))] = 5.0f;
      out.insert(out.end(), row.begin(), row.end());
    }
    return out;
  }

 private:
  // The token after position i.
  int next(std::size_t i) const {
    const auto v = static_cast<std::uint64_t>(vocab_);
    const std::uint64_t prev = static_cast<std::uint64_t>(seq_[i]);
    const int truth = static_cast<int>(splitmix64(prev * 1315423911ULL + i) % v);
    if (!draft_) return truth;
    const std::uint64_t h =
        splitmix64(seed_ ^ splitmix64(static_cast<std::uint64_t>(seq_[0]) * 7919 + i * 104729 + prev));
    const double u = static_cast<double>(h >> 11) / 9007199254740992.0;
    if (u < alpha_) return truth;
    return static_cast<int>((static_cast<std::uint64_t>(truth) + 1 + splitmix64(h) % (v - 1)) % v);
  }

  int vocab_;
  double alpha_;
  std::uint64_t seed_;
  bool draft_;
  std::vector<int> seq_;
};

// Sampling toy pair: both models have one fixed distribution, whatever the context, so
// speculative sampling keeps a drafted token with probability sum_x min(p(x), q(x)).
class FixedDistributionModel : public runtime::TokenModel {
 public:
  explicit FixedDistributionModel(std::vector<float> logits) : logits_(std::move(logits)) {}
  [[nodiscard]] int vocab() const override { return static_cast<int>(logits_.size()); }
  [[nodiscard]] std::size_t length() const override { return length_; }
  void truncate(std::size_t length) override { length_ = std::min(length, length_); }
  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    length_ += tokens.size();
    std::vector<float> out;
    for (std::size_t r = 0; r < last_rows; ++r) out.insert(out.end(), logits_.begin(), logits_.end());
    return out;
  }

 private:
  std::vector<float> logits_;
  std::size_t length_ = 0;
};

std::vector<std::vector<int>> distinct_prompts(std::size_t count, int vocab) {
  std::vector<std::vector<int>> prompts;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<int> p;
    for (std::size_t k = 0; k < 3 + i % 5; ++k) p.push_back(static_cast<int>((i + 13 * k) % vocab));
    prompts.push_back(p);
  }
  return prompts;
}

TEST(AcceptanceMeasure, GreedyToyPairFindsItsAlpha) {
  const double alpha = 0.6;
  ToyGreedyModel draft(997, alpha, 11, true);
  ToyGreedyModel target(997, alpha, 11, false);
  AcceptanceOptions o;
  o.gamma_max = 4;
  o.new_tokens = 64;
  auto m = measure_acceptance(draft, target, distinct_prompts(40, 997), o);
  ASSERT_TRUE(m) << m.error().format();
  ASSERT_TRUE(m->alpha && m->alpha_interval);
  EXPECT_LE(m->alpha_interval->low, alpha);
  EXPECT_GE(m->alpha_interval->high, alpha);
  EXPECT_LT(m->alpha_interval->high - m->alpha_interval->low, 0.15);
  EXPECT_LE(m->alpha_interval->low, *m->alpha);
  EXPECT_GE(m->alpha_interval->high, *m->alpha);
  // i.i.d. acceptance: every position accepts at about alpha, and the runtime ratio per gamma
  // is what alpha predicts.
  ASSERT_EQ(m->positions.size(), 4U);
  for (const PositionAcceptance& p : m->positions) {
    ASSERT_TRUE(p.rate);
    EXPECT_NEAR(*p.rate, alpha, 0.12) << "position " << p.position;
  }
  for (const GammaAcceptance& g : m->gammas) {
    ASSERT_TRUE(g.ratio && g.ratio_from_alpha);
    EXPECT_NEAR(*g.ratio, *g.ratio_from_alpha, 0.08) << "gamma " << g.gamma;
    EXPECT_GT(g.drafted, 0);
  }
  ASSERT_TRUE(m->prompt_alpha_percentiles);
  EXPECT_LE(m->prompt_alpha_percentiles->p10, m->prompt_alpha_percentiles->p50);
  EXPECT_LE(m->prompt_alpha_percentiles->p50, m->prompt_alpha_percentiles->p90);
  EXPECT_NEAR(m->prompt_alpha_percentiles->p50, alpha, 0.15);
  ASSERT_TRUE(m->greedy_outputs_agree);
  EXPECT_TRUE(*m->greedy_outputs_agree);
  EXPECT_EQ(m->prompts.size(), 40U);
  EXPECT_EQ(m->prompts_without_trials, 0U);
}

TEST(AcceptanceMeasure, IntervalCoversTheTrueAlphaAboutNineTimesInTen) {
  // 30 independent toy pairs; a 90% interval should miss about 3 times. Far fewer hits
  // than that would mean the interval is too narrow (or the estimate biased).
  int covered = 0;
  const int trials = 30;
  for (int s = 0; s < trials; ++s) {
    const double alpha = 0.45 + 0.01 * s;
    ToyGreedyModel draft(997, alpha, 1000 + static_cast<std::uint64_t>(s), true);
    ToyGreedyModel target(997, alpha, 0, false);
    AcceptanceOptions o;
    o.gamma_max = 3;
    o.new_tokens = 32;
    o.seed = static_cast<std::uint64_t>(s);
    o.bootstrap_resamples = 500;
    auto m = measure_acceptance(draft, target, distinct_prompts(30, 997), o);
    ASSERT_TRUE(m) << m.error().format();
    ASSERT_TRUE(m->alpha_interval);
    if (m->alpha_interval->low <= alpha && alpha <= m->alpha_interval->high) ++covered;
  }
  EXPECT_GE(covered, 22) << covered << " of " << trials;
}

TEST(AcceptanceMeasure, IdenticalModelsAcceptEverythingAndDisjointOnesNothing) {
  {
    ToyGreedyModel draft(101, 1.0, 3, true);
    ToyGreedyModel target(101, 1.0, 3, false);
    AcceptanceOptions o;
    o.gamma_max = 5;
    o.new_tokens = 20;
    auto m = measure_acceptance(draft, target, distinct_prompts(5, 101), o);
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->alpha);
    EXPECT_DOUBLE_EQ(*m->alpha, 1.0);
    EXPECT_EQ(m->rejections, 0);
    for (const GammaAcceptance& g : m->gammas) EXPECT_DOUBLE_EQ(g.ratio.value_or(-1), 1.0);
  }
  {
    ToyGreedyModel draft(101, 0.0, 3, true);
    ToyGreedyModel target(101, 0.0, 3, false);
    AcceptanceOptions o;
    o.gamma_max = 2;
    o.new_tokens = 20;
    auto m = measure_acceptance(draft, target, distinct_prompts(5, 101), o);
    ASSERT_TRUE(m);
    EXPECT_DOUBLE_EQ(m->alpha.value_or(-1), 0.0);
    EXPECT_EQ(m->accepted, 0);
    EXPECT_EQ(m->positions[1].reached, 0);  // position 2 is never reached
    EXPECT_FALSE(m->positions[1].rate);
  }
}

TEST(AcceptanceMeasure, SpeculativeSamplingFindsSumOfMinimum) {
  const std::vector<float> p_logits = {2.0f, 1.0f, 0.0f, -1.0f, 0.5f};
  const std::vector<float> q_logits = {0.0f, 2.0f, 0.5f, -1.0f, 0.0f};
  auto softmax = [](const std::vector<float>& l) {
    std::vector<double> out;
    double sum = 0;
    for (float x : l) sum += std::exp(static_cast<double>(x));
    for (float x : l) out.push_back(std::exp(static_cast<double>(x)) / sum);
    return out;
  };
  const std::vector<double> p = softmax(p_logits);
  const std::vector<double> q = softmax(q_logits);
  double expected = 0;
  for (std::size_t i = 0; i < p.size(); ++i) expected += std::min(p[i], q[i]);

  FixedDistributionModel draft(q_logits);
  FixedDistributionModel target(p_logits);
  AcceptanceOptions o;
  o.gamma_max = 4;
  o.new_tokens = 80;
  o.temperature = 1.0;
  o.seed = 5;
  auto m = measure_acceptance(draft, target, distinct_prompts(40, 5), o);
  ASSERT_TRUE(m) << m.error().format();
  ASSERT_TRUE(m->alpha_interval);
  EXPECT_LE(m->alpha_interval->low, expected);
  EXPECT_GE(m->alpha_interval->high, expected);
  EXPECT_FALSE(m->greedy_outputs_agree);  // only defined for greedy decoding
}

TEST(AcceptanceMeasure, SummaryArithmetic) {
  // Two prompts at gamma 1 and 2 (gamma_max 2).
  std::vector<AcceptanceRun> runs;
  auto run = [](std::size_t prompt, int gamma, std::int64_t drafted, std::int64_t accepted,
                std::int64_t rejections, std::vector<std::int64_t> reached, std::vector<std::int64_t> kept) {
    AcceptanceRun r;
    r.prompt = prompt;
    r.gamma = gamma;
    r.drafted = drafted;
    r.accepted = accepted;
    r.rejections = rejections;
    r.position_reached = std::move(reached);
    r.position_accepted = std::move(kept);
    r.tokens = {1, 2, 3};
    return r;
  };
  runs.push_back(run(0, 2, 10, 6, 3, {5, 4}, {4, 2}));
  runs.push_back(run(1, 2, 8, 2, 4, {4, 1}, {1, 1}));
  runs.push_back(run(0, 1, 9, 5, 4, {9}, {5}));
  runs.push_back(run(1, 1, 9, 3, 6, {9}, {3}));
  AcceptanceOptions o;
  o.gamma_max = 2;
  o.bootstrap_resamples = 1000;
  const AcceptanceMeasurement m = summarize_acceptance(runs, 2, o);
  EXPECT_EQ(m.accepted, 8);
  EXPECT_EQ(m.rejections, 7);
  EXPECT_DOUBLE_EQ(*m.alpha, 8.0 / 15.0);
  EXPECT_DOUBLE_EQ(*m.positions[0].rate, 5.0 / 9.0);
  EXPECT_DOUBLE_EQ(*m.positions[1].rate, 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(*m.gammas[0].ratio, 8.0 / 18.0);
  EXPECT_DOUBLE_EQ(*m.gammas[1].ratio, 8.0 / 18.0);
  EXPECT_DOUBLE_EQ(*m.prompts[0].alpha, 6.0 / 9.0);
  EXPECT_DOUBLE_EQ(*m.prompts[1].alpha, 2.0 / 6.0);
  // Shrunk per-position alphas: (kept + 2 * pooled) / (reached + 2).
  EXPECT_DOUBLE_EQ(m.prompts[1].per_position[1], (1.0 + 2.0 * 0.6) / (1.0 + 2.0));
  ASSERT_TRUE(m.prompt_alpha_percentiles);
  EXPECT_DOUBLE_EQ(m.prompt_alpha_percentiles->p50, (6.0 / 9.0 + 2.0 / 6.0) / 2);
  // Resampling two prompts: the pooled alpha lies between theirs.
  ASSERT_TRUE(m.alpha_interval);
  EXPECT_GE(m.alpha_interval->low, 2.0 / 6.0 - 1e-12);
  EXPECT_LE(m.alpha_interval->high, 6.0 / 9.0 + 1e-12);
  ASSERT_TRUE(m.greedy_outputs_agree);
  EXPECT_TRUE(*m.greedy_outputs_agree);
  runs[3].tokens = {1, 2, 4};
  EXPECT_FALSE(*summarize_acceptance(runs, 2, o).greedy_outputs_agree);
}

TEST(AcceptanceMeasure, Percentile) {
  const std::vector<double> v = {4, 1, 3, 2, 5};
  EXPECT_DOUBLE_EQ(percentile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(percentile(v, 1.0), 5);
  EXPECT_DOUBLE_EQ(percentile(v, 0.1), 1.4);
  EXPECT_DOUBLE_EQ(percentile(std::vector<double>{7}, 0.9), 7);
}

TEST(AcceptanceMeasure, RejectsBadOptions) {
  ToyGreedyModel draft(50, 0.5, 1, true);
  ToyGreedyModel target(50, 0.5, 1, false);
  AcceptanceOptions o;
  o.gamma_max = 0;
  EXPECT_FALSE(measure_acceptance(draft, target, distinct_prompts(2, 50), o));
  o.gamma_max = 2;
  EXPECT_FALSE(measure_acceptance(draft, target, {}, o));
  o.new_tokens = 1;
  EXPECT_FALSE(measure_acceptance(draft, target, distinct_prompts(2, 50), o));
}

}  // namespace
}  // namespace specmap
