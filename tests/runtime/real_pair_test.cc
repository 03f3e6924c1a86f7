// The committed real pair (models/: the F16 Brown drafter, the F32 and Q8_0 Brown targets)
// through the runtime on this host's cores: greedy speculative decoding is the target's own
// greedy decoding token for token (KV cache on and off, gamma 1..8, both schedules),
// speculative sampling keeps the target's distribution on real logits, generation ends at
// the stop token, and the Q8_0 target agrees with the F32 one within a stated tolerance.
// Short prompts and few tokens keep it quick.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "describe/loaders.h"
#include "runtime/formats/gguf_file.h"
#include "runtime/formats/gguf_model.h"
#include "runtime/formats/tokenizer.h"
#include "runtime/executor/plan_runner.h"
#include "runtime/speculative/sampling.h"

namespace specmap::runtime {
namespace {

std::string source_path(const std::string& relative) {
  return (std::filesystem::path(SPECMAP_SOURCE_DIR) / relative).string();
}

struct RealPair {
  Soc soc;
  ModelGraph draft;
  ModelGraph target_f32;
  ModelGraph target_q8;
  std::vector<std::vector<int>> prompts;  // two sentence starts, BOS first
  int eos = -1;
  bool ok = false;
};

const RealPair& real_pair() {
  static const RealPair pair = [] {
    RealPair p;
    auto soc = load_soc(source_path("configs/soc/host.yaml"));
    auto draft = load_model(source_path("configs/models/brown-draft-f16.yaml"));
    auto f32 = load_model(source_path("configs/models/brown-target-f32.yaml"));
    auto q8 = load_model(source_path("configs/models/brown-target-q8_0.yaml"));
    if (!soc || !draft || !f32 || !q8) {
      for (const Error* e : {soc ? nullptr : &soc.error(), draft ? nullptr : &draft.error(),
                             f32 ? nullptr : &f32.error(), q8 ? nullptr : &q8.error()})
        if (e) std::cerr << e->format() << "\n";
      return p;
    }
    auto file = formats::open_gguf(f32->weights->path);
    if (!file) return p;
    auto model = formats::read_gguf_model(*file);
    if (!model) return p;
    auto tokenizer = formats::Tokenizer::from_gguf(*file, model->arch.vocab);
    if (!tokenizer) return p;
    for (const char* text : {"The jury said it did find", "He was asked whether the city"})
      p.prompts.push_back(tokenizer->encode(text));
    p.eos = tokenizer->eos();
    p.soc = std::move(soc).value();
    p.draft = std::move(draft).value();
    p.target_f32 = std::move(f32).value();
    p.target_q8 = std::move(q8).value();
    p.ok = true;
    return p;
  }();
  return pair;
}

std::vector<std::string> all_on(const ModelGraph& g, const std::string& pu) {
  return std::vector<std::string>(g.subgraphs.size(), pu);
}

std::unique_ptr<PlanRunner> make_runner(const ModelGraph& target, bool kv_cache, std::size_t new_tokens,
                                        std::optional<double> temperature = std::nullopt) {
  const RealPair& p = real_pair();
  PlanRunOptions options;
  options.prompt = p.prompts.front();
  options.new_tokens = new_tokens;
  options.kv_cache = kv_cache;
  options.temperature = temperature;
  const PlanChoice choice{"1core", 8, all_on(p.draft, "cpu"), all_on(target, "cpu")};
  auto runner = PlanRunner::create(p.soc, p.draft, target, choice, options);
  EXPECT_TRUE(runner.ok()) << runner.error().format();
  return runner ? std::move(runner).value() : nullptr;
}

TEST(RealPair, GreedySpeculativeIsTheTargetsGreedyOutputForEveryGammaWithAndWithoutKvCache) {
  const RealPair& p = real_pair();
  ASSERT_TRUE(p.ok);
  for (const ModelGraph* target : {&p.target_f32, &p.target_q8}) {
    for (bool kv : {true, false}) {
      auto runner = make_runner(*target, kv, 12);
      ASSERT_TRUE(runner);
      for (const auto& prompt : p.prompts) {
        runner->use_prompt(prompt);
        auto plain = runner->run_case(0, std::nullopt, 0, 0);
        ASSERT_TRUE(plain.ok()) << plain.error().format();
        ASSERT_EQ(plain->tokens.size(), 12u);
        for (int gamma = 1; gamma <= 8; ++gamma) {
          for (Schedule schedule : {Schedule::sequential, Schedule::overlapped}) {
            auto spec = runner->run_case(gamma, std::nullopt, 0, 0, schedule);
            ASSERT_TRUE(spec.ok()) << spec.error().format();
            EXPECT_EQ(spec->tokens, plain->tokens) << target->name << (kv ? " KV" : " no KV") << " gamma "
                                                   << gamma << " " << schedule_name(schedule);
            EXPECT_GT(spec->stats.drafted, 0);
          }
        }
      }
    }
  }
}

// The first generated token of speculative sampling (drafted by the F16 drafter, verified
// by the target) must be distributed as softmax(target logits / T) after the prompt.
TEST(RealPair, SpeculativeSamplingKeepsTheTargetsDistributionOnRealLogits) {
  const RealPair& p = real_pair();
  ASSERT_TRUE(p.ok);
  constexpr double kTemperature = 0.7;
  constexpr int kRuns = 2000;
  auto runner = make_runner(p.target_f32, true, 2, kTemperature);
  ASSERT_TRUE(runner);
  TransformerExecutor& target = runner->target_executor();
  target.truncate(0);
  const std::vector<float> logits = target.append(p.prompts.front(), 1);
  std::vector<double> probs(logits.size());
  softmax_into(logits, kTemperature, probs);

  std::vector<std::int64_t> counts(probs.size(), 0);
  std::int64_t drafted = 0, accepted = 0;
  for (int i = 0; i < kRuns; ++i) {
    auto run = runner->run_case(4, std::nullopt, 0, 1000 + static_cast<std::uint64_t>(i));
    ASSERT_TRUE(run.ok()) << run.error().format();
    ASSERT_FALSE(run->tokens.empty());
    counts[static_cast<std::size_t>(run->tokens.front())] += 1;
    drafted += run->stats.drafted;
    accepted += run->stats.accepted;
  }
  ASSERT_GT(drafted, 0);
  // Both outcomes happen, so the residual rule is exercised, not only acceptance.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, drafted);

  // Pearson's statistic; cells expected below 5 draws pooled.
  double statistic = 0, pooled_expected = 0, pooled_observed = 0;
  int cells = 0;
  for (std::size_t t = 0; t < probs.size(); ++t) {
    const double expected = probs[t] * kRuns;
    if (expected < 5.0) {
      pooled_expected += expected;
      pooled_observed += static_cast<double>(counts[t]);
      continue;
    }
    const double diff = static_cast<double>(counts[t]) - expected;
    statistic += diff * diff / expected;
    ++cells;
  }
  if (pooled_expected > 0) {
    statistic += (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) / pooled_expected;
    ++cells;
  }
  const int dof = cells - 1;
  ASSERT_GE(dof, 5) << "too few cells to test";
  // Wilson-Hilferty quantile at p = 1e-6 (z 4.753), as in speculative_distribution_test.
  const double k = dof;
  const double term = 1.0 - 2.0 / (9.0 * k) + 4.753 * std::sqrt(2.0 / (9.0 * k));
  const double critical = k * term * term * term;
  std::cout << "real-pair speculative sampling: chi-square " << statistic << " on " << dof
            << " dof (critical " << critical << "), acceptance " << double(accepted) / double(drafted)
            << "\n";
  EXPECT_LT(statistic, critical);
}

TEST(RealPair, GenerationEndsAtTheStopToken) {
  const RealPair& p = real_pair();
  ASSERT_TRUE(p.ok);
  auto runner = make_runner(p.target_f32, true, 24);
  ASSERT_TRUE(runner);
  auto plain = runner->run_case(0, std::nullopt, 0, 0);
  ASSERT_TRUE(plain.ok());
  // A token the greedy text emits stands in for EOS: generation must end at its first
  // occurrence, with no iteration after it, in both schedules and at any gamma.
  const int stop = plain->tokens[6];
  const auto first = std::find(plain->tokens.begin(), plain->tokens.end(), stop);
  const std::vector<int> expected(plain->tokens.begin(), first + 1);
  PlanRunOptions options;
  options.prompt = p.prompts.front();
  options.new_tokens = 24;
  options.stop_token = stop;
  const PlanChoice choice{"1core", 8, all_on(p.draft, "cpu"), all_on(p.target_f32, "cpu")};
  auto stopping = PlanRunner::create(p.soc, p.draft, p.target_f32, choice, options);
  ASSERT_TRUE(stopping.ok()) << stopping.error().format();
  for (int gamma : {0, 1, 3, 8}) {
    for (Schedule schedule : {Schedule::sequential, Schedule::overlapped}) {
      auto run = (*stopping)->run_case(gamma, std::nullopt, 0, 0, schedule);
      ASSERT_TRUE(run.ok()) << run.error().format();
      EXPECT_EQ(run->tokens, expected) << "gamma " << gamma << " " << schedule_name(schedule);
      EXPECT_EQ(run->stats.tokens_generated, static_cast<Tokens>(expected.size()));
      // Iterations emit at least one token each: stopping early means fewer of them.
      EXPECT_LE(run->stats.iterations, static_cast<std::int64_t>(expected.size()));
    }
  }
}

// Q8_0 against F32 weights of the same target: logits after each prompt agree within
// kLogitTolerance (absolute, in logit units; measured: at most 0.022), and the argmax
// agrees at almost every position of the F32 target's greedy text (teacher-forced).
TEST(RealPair, Q8TargetLogitsAgreeWithTheF32Target) {
  const RealPair& p = real_pair();
  ASSERT_TRUE(p.ok);
  constexpr double kLogitTolerance = 0.1;
  auto f32 = make_runner(p.target_f32, true, 32);
  auto q8 = make_runner(p.target_q8, true, 32);
  ASSERT_TRUE(f32 && q8);
  double worst = 0;
  std::size_t positions = 0, same_argmax = 0, same_free_running = 0, free_positions = 0;
  for (const auto& prompt : p.prompts) {
    f32->use_prompt(prompt);
    q8->use_prompt(prompt);
    auto greedy_f32 = f32->run_case(0, std::nullopt, 0, 0);
    auto greedy_q8 = q8->run_case(0, std::nullopt, 0, 0);
    ASSERT_TRUE(greedy_f32.ok() && greedy_q8.ok());
    for (std::size_t i = 0; i < greedy_f32->tokens.size(); ++i, ++free_positions)
      same_free_running += greedy_f32->tokens[i] == greedy_q8->tokens[i] ? 1 : 0;
    std::vector<int> sequence = prompt;
    sequence.insert(sequence.end(), greedy_f32->tokens.begin(), greedy_f32->tokens.end());
    const std::size_t rows = sequence.size() - prompt.size() + 1;
    f32->target_executor().truncate(0);
    q8->target_executor().truncate(0);
    const std::vector<float> a = f32->target_executor().append(sequence, rows);
    const std::vector<float> b = q8->target_executor().append(sequence, rows);
    ASSERT_EQ(a.size(), b.size());
    const std::size_t vocab = a.size() / rows;
    for (std::size_t r = 0; r < rows; ++r) {
      const auto row_a = std::span<const float>(a).subspan(r * vocab, vocab);
      const auto row_b = std::span<const float>(b).subspan(r * vocab, vocab);
      for (std::size_t v = 0; v < vocab; ++v) worst = std::max(worst, std::fabs(double(row_a[v]) - row_b[v]));
      same_argmax += argmax(row_a) == argmax(row_b) ? 1 : 0;
      ++positions;
    }
  }
  const double share = double(same_argmax) / double(positions);
  std::cout << "Q8_0 vs F32 target: max |logit difference| " << worst << " over " << positions
            << " positions; argmax agrees at " << share * 100 << "% (teacher-forced), greedy text agrees at "
            << 100.0 * double(same_free_running) / double(free_positions) << "% of positions\n";
  EXPECT_LE(worst, kLogitTolerance);
  EXPECT_GE(share, 0.9);
}

}  // namespace
}  // namespace specmap::runtime
