// The executor against the naive reference, across its modes: KV cache or recompute,
// truncation, core sets, layer skipping, timings.
#include "runtime/executor/transformer_executor.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <numeric>

#include "naive_transformer.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

using testing::relative_max_error;

constexpr double kTolerance = 1e-4;

class Executor : public ::testing::Test {
 protected:
  void SetUp() override { use(testing::tiny_arch()); }

  void use(const ModelArch& arch) {
    graph_ = derive_model("tiny", arch);
    Result<TransformerWeights> w = SyntheticWeights(5).load(arch);
    ASSERT_TRUE(w.ok()) << w.error().format();
    weights_ = std::make_shared<const TransformerWeights>(std::move(w).value());
  }

  std::unique_ptr<TransformerExecutor> make(bool kv_cache, std::vector<int> cores = {0},
                                            std::vector<int> skip = {}) {
    ExecutorOptions options;
    options.kv_cache = kv_cache;
    options.skip_layers = std::move(skip);
    auto executor =
        TransformerExecutor::create(graph_, weights_, place_all_on(graph_, make_core_set(cores)), options);
    EXPECT_TRUE(executor.ok()) << executor.error().format();
    return executor.ok() ? std::move(executor).value() : nullptr;
  }

  // Rows [first, first + count) of the reference logits of `tokens`.
  std::vector<double> reference_rows(const std::vector<int>& tokens, std::size_t first, std::size_t count,
                                     const std::vector<int>& skip = {}) {
    std::vector<double> all = testing::naive_logits(*weights_, tokens, {500000.0, 1e-5, skip});
    const std::size_t vocab = std::size_t(weights_->arch.vocab);
    return std::vector<double>(all.begin() + first * vocab, all.begin() + (first + count) * vocab);
  }

  ModelGraph graph_;
  std::shared_ptr<const TransformerWeights> weights_;
};

const std::vector<int> kPrompt = {17, 3, 250, 99, 0, 42, 7, 128, 64};

TEST_F(Executor, WholePromptMatchesReferenceInBothModes) {
  for (bool kv : {true, false}) {
    auto executor = make(kv);
    std::vector<float> logits = executor->append(kPrompt, kPrompt.size());
    ASSERT_EQ(logits.size(), kPrompt.size() * 256);
    EXPECT_LT(relative_max_error(logits, reference_rows(kPrompt, 0, kPrompt.size())), kTolerance) << kv;
    EXPECT_EQ(executor->length(), kPrompt.size());
  }
}

TEST_F(Executor, UntiedHeadMatchesReference) {
  use(testing::tiny_arch(2, /*tied=*/false));
  auto executor = make(true);
  std::vector<float> logits = executor->append(kPrompt, 2);
  EXPECT_LT(relative_max_error(logits, reference_rows(kPrompt, kPrompt.size() - 2, 2)), kTolerance);
}

TEST_F(Executor, KvCacheAndRecomputeGiveTheSameLogits) {
  auto cached = make(true);
  auto recomputed = make(false);
  std::vector<int> sequence;
  const std::vector<std::vector<int>> pieces = {{5, 6, 7, 8, 9, 10}, {11}, {200, 201, 202}, {3}, {4}};
  for (const std::vector<int>& piece : pieces) {
    const std::size_t rows = piece.size() == 3 ? 3 : 1;
    std::vector<float> a = cached->append(piece, rows);
    std::vector<float> b = recomputed->append(piece, rows);
    sequence.insert(sequence.end(), piece.begin(), piece.end());
    ASSERT_EQ(a.size(), rows * 256);
    EXPECT_LT(relative_max_error(a, b), kTolerance);
    EXPECT_LT(relative_max_error(a, reference_rows(sequence, sequence.size() - rows, rows)), kTolerance);
  }
  EXPECT_EQ(cached->length(), sequence.size());
  EXPECT_EQ(recomputed->length(), sequence.size());
}

TEST_F(Executor, TruncateThenReappendReproducesLogits) {
  for (bool kv : {true, false}) {
    auto executor = make(kv);
    executor->append(kPrompt, 1);
    const std::vector<int> draft = {1, 2, 3};
    std::vector<float> first = executor->append(draft, 3);
    executor->truncate(kPrompt.size());
    EXPECT_EQ(executor->length(), kPrompt.size());
    std::vector<float> again = executor->append(draft, 3);
    EXPECT_LT(relative_max_error(again, first), 1e-6) << kv;

    // A rejected draft: keep one token, continue differently, compare with a fresh run.
    executor->truncate(kPrompt.size() + 1);
    const std::vector<int> other = {77, 78};
    std::vector<float> continued = executor->append(other, 2);
    std::vector<int> sequence = kPrompt;
    sequence.insert(sequence.end(), {1, 77, 78});
    EXPECT_LT(relative_max_error(continued, reference_rows(sequence, sequence.size() - 2, 2)), kTolerance)
        << kv;
    EXPECT_EQ(std::vector<int>(executor->tokens().begin(), executor->tokens().end()), sequence);
  }
}

TEST_F(Executor, TruncateBeyondLengthChangesNothing) {
  auto executor = make(true);
  executor->append(kPrompt, 1);
  executor->truncate(100);
  EXPECT_EQ(executor->length(), kPrompt.size());
}

TEST_F(Executor, OneAndTwoCoreSetsGiveTheSameLogits) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  for (bool kv : {true, false}) {
    auto one = make(kv, {0});
    auto two = make(kv, {0, 1});
    std::vector<int> long_prompt(64);
    std::iota(long_prompt.begin(), long_prompt.end(), 10);  // enough rows for the pool to split work
    EXPECT_LT(relative_max_error(two->append(long_prompt, 4), one->append(long_prompt, 4)), 1e-5);
    const std::vector<int> next = {9};
    EXPECT_LT(relative_max_error(two->append(next, 1), one->append(next, 1)), 1e-5);
  }
}

TEST_F(Executor, MixedPlacementRunsAndRestoresTheCallersAffinity) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  CorePlacement placement = place_all_on(graph_, make_core_set({0}));
  placement.subgraph_cores[*graph_.subgraph_index("block.1")] = make_core_set({1});
  placement.subgraph_cores[*graph_.subgraph_index("head")] = make_core_set({0, 1});
  auto executor = TransformerExecutor::create(graph_, weights_, placement);
  ASSERT_TRUE(executor.ok()) << executor.error().format();
  const std::vector<int> before = testing::calling_thread_affinity();
  std::vector<float> logits = (*executor)->append(kPrompt, 1);
  EXPECT_EQ(testing::calling_thread_affinity(), before);
  EXPECT_LT(relative_max_error(logits, reference_rows(kPrompt, kPrompt.size() - 1, 1)), kTolerance);
}

TEST_F(Executor, HeadCoresAreWhereTheLoopRunsAndPassesThereLeaveTheThreadThere) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  CorePlacement placement = place_all_on(graph_, make_core_set({1}));
  placement.subgraph_cores[*graph_.subgraph_index("head")] = make_core_set({0});
  auto executor = TransformerExecutor::create(graph_, weights_, placement);
  ASSERT_TRUE(executor.ok()) << executor.error().format();
  EXPECT_EQ((*executor)->head_cores(), make_core_set({0}));
  const std::vector<int> before = testing::calling_thread_affinity();
  {
    const ScopedAffinityRestore restore;
    pin_to_head_cores(**executor);
    EXPECT_EQ(testing::calling_thread_affinity(), std::vector<int>{0});
    // The blocks pin the thread to core 1; the pass gives it back to the head's core, read
    // from the kernel, not from what the runtime remembers.
    for (int pass = 0; pass < 3; ++pass) {
      (*executor)->truncate(0);
      std::vector<float> logits = (*executor)->append(kPrompt, 1);
      EXPECT_EQ(testing::calling_thread_affinity(), std::vector<int>{0});
      EXPECT_LT(relative_max_error(logits, reference_rows(kPrompt, kPrompt.size() - 1, 1)), kTolerance);
    }
  }
  EXPECT_EQ(testing::calling_thread_affinity(), before);
}

TEST_F(Executor, LayerSkippingChangesLogitsDeterministically) {
  auto full = make(true);
  auto draft_a = make(true, {0}, {1});
  auto draft_b = make(true, {0}, {1});
  std::vector<float> full_logits = full->append(kPrompt, 1);
  std::vector<float> a = draft_a->append(kPrompt, 1);
  std::vector<float> b = draft_b->append(kPrompt, 1);
  EXPECT_EQ(a, b);
  EXPECT_GT(relative_max_error(a, full_logits), 1e-3);
  EXPECT_LT(relative_max_error(a, reference_rows(kPrompt, kPrompt.size() - 1, 1, {1})), kTolerance);
  // The skip-layer draft decodes with its own cache and matches its recomputing twin.
  auto recomputed = make(false, {0}, {1});
  recomputed->append(kPrompt, 1);
  const std::vector<int> next = {12, 13};
  EXPECT_LT(relative_max_error(draft_a->append(next, 2), recomputed->append(next, 2)), kTolerance);
}

TEST_F(Executor, TimingsRecordEverySubgraphCall) {
  auto executor = make(true, {0}, {2});
  executor->append(kPrompt, 1);
  for (int token : {1, 2, 3}) executor->append(std::vector<int>{token}, 1);
  const SubgraphTimings& timings = executor->timings();
  ASSERT_EQ(timings.entries().size(), graph_.subgraphs.size());
  for (std::size_t i = 0; i < graph_.subgraphs.size(); ++i) {
    const SubgraphTiming& entry = timings.entries()[i];
    EXPECT_EQ(entry.name, graph_.subgraphs[i].name);
    const std::size_t expected_calls = entry.name == "block.2" ? 0 : 4;  // block.2 is skipped
    EXPECT_EQ(entry.calls, expected_calls) << entry.name;
    ASSERT_EQ(entry.per_call_seconds.size(), expected_calls);
    double sum = 0;
    for (Seconds s : entry.per_call_seconds) {
      EXPECT_GE(s, 0.0);
      sum += s;
    }
    EXPECT_DOUBLE_EQ(entry.total_seconds, sum);
  }
  EXPECT_GT(timings.find("block.0")->total_seconds, 0.0);
  executor->reset_timings();
  EXPECT_EQ(executor->timings().find("head")->calls, 0u);
  EXPECT_TRUE(executor->timings().find("head")->per_call_seconds.empty());
  EXPECT_EQ(executor->timings().total_seconds(), 0.0);
}

TEST_F(Executor, OpTimesSplitEachSubgraphAndLeaveLogitsUnchanged) {
  auto plain = make(true);
  ExecutorOptions options;
  options.time_ops = true;
  auto timed = TransformerExecutor::create(graph_, weights_, place_all_on(graph_, make_core_set({0})), options);
  ASSERT_TRUE(timed.ok()) << timed.error().format();
  EXPECT_TRUE(plain->op_seconds().empty());
  EXPECT_EQ(plain->append(kPrompt, 2), (*timed)->append(kPrompt, 2));  // timing changes no arithmetic

  const auto& ops = (*timed)->op_seconds();
  ASSERT_EQ(ops.size(), graph_.subgraphs.size());
  for (std::size_t i = 0; i < graph_.subgraphs.size(); ++i) {
    ASSERT_EQ(ops[i].size(), graph_.subgraphs[i].ops.size());
    double sum = 0;
    for (std::size_t k = 0; k < ops[i].size(); ++k) {
      const std::string& name = graph_.subgraphs[i].ops[k].name;
      if (name == "sample") {
        EXPECT_EQ(ops[i][k], 0.0) << "sampling happens outside the executor";
      } else {
        EXPECT_GT(ops[i][k], 0.0) << graph_.subgraphs[i].name << "/" << name;
      }
      sum += ops[i][k];
    }
    // The ops run inside the subgraph's timed region.
    EXPECT_LE(sum, (*timed)->timings().entries()[i].total_seconds * 1.0001) << graph_.subgraphs[i].name;
  }
  (*timed)->reset_timings();
  for (const auto& sg : (*timed)->op_seconds())
    for (Seconds s : sg) EXPECT_EQ(s, 0.0);
}

TEST_F(Executor, InvalidAppendsAreRejectedWithoutChangingState) {
  auto executor = make(true);
  executor->append(kPrompt, 1);
  const std::vector<int> bad_token = {3, 256};
  EXPECT_TRUE(executor->append(bad_token, 1).empty());
  EXPECT_FALSE(executor->try_append(bad_token, 1).ok());
  EXPECT_FALSE(executor->try_append(std::vector<int>{3}, 0).ok());
  EXPECT_FALSE(executor->try_append(std::vector<int>{3}, 2).ok());
  EXPECT_FALSE(executor->try_append(std::vector<int>{}, 1).ok());
  EXPECT_EQ(executor->length(), kPrompt.size());
  // Still consistent: the next token's logits match the reference.
  std::vector<int> sequence = kPrompt;
  sequence.push_back(4);
  EXPECT_LT(relative_max_error(executor->append(std::vector<int>{4}, 1), reference_rows(sequence, 9, 1)),
            kTolerance);
}

TEST_F(Executor, CreateRejectsInconsistentInputs) {
  auto fails = [&](const ModelGraph& graph, std::shared_ptr<const TransformerWeights> weights,
                   CorePlacement placement, ExecutorOptions options = {}) {
    return !TransformerExecutor::create(graph, std::move(weights), std::move(placement), options).ok();
  };
  const CorePlacement on_zero = place_all_on(graph_, make_core_set({0}));
  EXPECT_TRUE(fails(graph_, nullptr, on_zero));
  EXPECT_TRUE(fails(graph_, weights_, CorePlacement{{make_core_set({0})}}));  // too few core sets
  EXPECT_TRUE(fails(graph_, weights_, place_all_on(graph_, make_core_set({CPU_SETSIZE - 1}))));
  EXPECT_TRUE(fails(graph_, weights_, place_all_on(graph_, CoreSet{})));
  ExecutorOptions skip_outside;
  skip_outside.skip_layers = {3};
  EXPECT_TRUE(fails(graph_, weights_, on_zero, skip_outside));
  ModelArch f16_cache = testing::tiny_arch();
  f16_cache.kv_dtype = DType::f16;  // the KV cache is f32 only
  EXPECT_TRUE(fails(derive_model("tiny", f16_cache), weights_, on_zero));
  EXPECT_TRUE(fails(derive_model("deeper", testing::tiny_arch(4)), weights_,
                    place_all_on(derive_model("deeper", testing::tiny_arch(4)), make_core_set({0}))));
  ModelGraph no_arch = graph_;
  no_arch.arch.reset();
  EXPECT_TRUE(fails(no_arch, weights_, on_zero));
}

// Each stored type against the naive f32 evaluation of the same (dequantized) weights. f16
// and bf16 are exact conversions of what the executor multiplies, so the f32 tolerance
// holds; q8_0 / q4_0 also quantize the activations to Q8_0 blocks (as llama.cpp does), a
// relative error of up to 1/254 of each block's largest input per element of every linear,
// which over the three layers and the head measured 2.1-2.6% of the largest logit (these
// logits are small, std ~0.16, against the head's input of magnitude ~1): 5% leaves a
// margin. The kernels' own per-dot bound is tested in weight_kernels_test.cc.
TEST_F(Executor, EveryStoredTypeMatchesTheNaiveModelOfItsValues) {
  const std::pair<TensorType, double> cases[] = {{TensorType::f16, kTolerance},
                                                 {TensorType::bf16, kTolerance},
                                                 {TensorType::q8_0, 5e-2},
                                                 {TensorType::q4_0, 5e-2}};
  for (const auto& [type, tolerance] : cases) {
    for (bool tied : {true, false}) {
      Result<TransformerWeights> w = SyntheticWeights(5, type).load(testing::tiny_arch(3, tied));
      ASSERT_TRUE(w.ok()) << w.error().format();
      weights_ = std::make_shared<const TransformerWeights>(std::move(w).value());
      graph_ = derive_model("tiny", weights_->arch);
      for (bool kv : {true, false}) {
        auto executor = make(kv);
        ASSERT_NE(executor, nullptr);
        std::vector<float> logits = executor->append(kPrompt, 3);
        const double error = relative_max_error(logits, reference_rows(kPrompt, kPrompt.size() - 3, 3));
        EXPECT_LT(error, tolerance) << tensor_type_name(type) << " tied " << tied << " kv " << kv;
        EXPECT_GT(error, 0.0);
        // One more token through the cache.
        std::vector<int> sequence = kPrompt;
        sequence.push_back(77);
        EXPECT_LT(relative_max_error(executor->append(std::vector<int>{77}, 1),
                                     reference_rows(sequence, kPrompt.size(), 1)),
                  tolerance)
            << tensor_type_name(type);
      }
    }
  }
}

TEST_F(Executor, QkvBiasesAreAddedToTheProjections) {
  Result<TransformerWeights> w = SyntheticWeights(5).load(testing::tiny_arch(2));
  ASSERT_TRUE(w.ok());
  for (LayerWeights& layer : w->layers) {
    layer.q_bias = testing::random_values(64, 11, 0.5f);
    layer.k_bias = testing::random_values(32, 12, 0.5f);
    layer.v_bias = testing::random_values(32, 13, 0.5f);
  }
  const std::vector<float> no_bias_logits = [&] {
    auto executor = make(true);
    return executor->append(kPrompt, 1);
  }();
  weights_ = std::make_shared<const TransformerWeights>(std::move(w).value());
  graph_ = derive_model("tiny", weights_->arch);
  auto executor = make(true);
  std::vector<float> logits = executor->append(kPrompt, 1);
  EXPECT_LT(relative_max_error(logits, reference_rows(kPrompt, kPrompt.size() - 1, 1)), kTolerance);
  EXPECT_GT(relative_max_error(logits, no_bias_logits), 1e-3);  // the biases matter
}

TEST_F(Executor, ActivationsStayFiniteThroughManyLayers) {
  use(testing::tiny_arch(32));
  auto executor = make(true);
  std::vector<int> prompt(100);
  for (std::size_t i = 0; i < prompt.size(); ++i) prompt[i] = int(i * 37 % 256);
  std::vector<float> logits = executor->append(prompt, prompt.size());
  double square = 0;
  for (float v : logits) {
    ASSERT_TRUE(std::isfinite(v));
    square += double(v) * v;
  }
  // An RMS-normalised state against a 0.02-std table: logits of order 0.02 * sqrt(64).
  const double rms = std::sqrt(square / double(logits.size()));
  EXPECT_GT(rms, 0.01);
  EXPECT_LT(rms, 10.0);
}

// A device step moves the calling thread, which enqueues the device's work and waits for it, to
// the device's host cores, as a CPU step moves it to its own cores; without host cores, or when
// the thread is already there, it stays.
TEST(StepPinning, DeviceStepsPinTheCallingThreadToTheirHostCores) {
  const CoreSet cpu = make_core_set({0});
  const CoreSet host = make_core_set({1});
  const CoreSet none;
  EXPECT_EQ(pinned_step_cores(host, true, &cpu), &host);
  EXPECT_EQ(pinned_step_cores(host, true, nullptr), &host);
  EXPECT_EQ(pinned_step_cores(cpu, false, &host), &cpu);
  EXPECT_EQ(pinned_step_cores(cpu, false, nullptr), &cpu);
  const CoreSet same_host = make_core_set({1});
  EXPECT_EQ(pinned_step_cores(same_host, true, &host), nullptr);
  EXPECT_EQ(pinned_step_cores(none, true, &cpu), nullptr);
  EXPECT_EQ(pinned_step_cores(none, true, nullptr), nullptr);
}

}  // namespace
}  // namespace specmap::runtime
