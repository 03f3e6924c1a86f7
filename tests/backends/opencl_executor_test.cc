// Whole models with subgraphs on OpenCL: every subgraph there, and mixed placements
// (embedding, head or alternating blocks on the device), with and without a KV cache,
// rolled back and continued: logits as the all-CPU executor's within kBackendTolerance, and
// the boundary copies recorded exactly at the PU changes with their byte counts.
#include <gtest/gtest.h>

#include <thread>

#include "backend_support.h"
#include "runtime/opencl/transfer_probe.h"
#include "runtime/executor/transformer_executor.h"
#include "runtime/weights/synthetic_weights.h"

namespace specmap::runtime {
namespace {

using testing::kBackendTolerance;
using testing::max_scaled_error;

const std::vector<int> kPrompt = {17, 3, 250, 99, 0, 42, 7, 128, 64};
// Prompt, one token, a 3-token draft, one token, and so on, with the rows each asks for.
const std::vector<std::pair<std::vector<int>, std::size_t>> kPieces = {
    {kPrompt, 9}, {{11}, 1}, {{200, 201, 202}, 3}, {{3}, 1}, {{4, 5}, 2}};

class OpenClExecutor : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    device_ = testing::opencl_test_device(why);
    if (!device_) GTEST_SKIP() << "no OpenCL device: " << why;
    use(testing::tiny_arch());
  }

  void use(const ModelArch& arch) {
    graph_ = derive_model("tiny", arch);
    auto w = SyntheticWeights(5).load(arch);
    ASSERT_TRUE(w.ok()) << w.error().format();
    weights_ = std::make_shared<const TransformerWeights>(std::move(w).value());
  }

  // The CPU placement with the named subgraphs moved to the device.
  CorePlacement on_device(const std::vector<std::string>& names) const {
    CorePlacement placement = place_all_on(graph_, make_core_set({online_cores().front()}));
    placement.subgraph_devices.assign(graph_.subgraphs.size(), nullptr);
    for (const std::string& name : names) placement.subgraph_devices[*graph_.subgraph_index(name)] = device_;
    return placement;
  }

  std::unique_ptr<TransformerExecutor> make(CorePlacement placement, bool kv_cache, std::vector<int> skip = {},
                                            bool time_ops = false) {
    ExecutorOptions options;
    options.kv_cache = kv_cache;
    options.skip_layers = std::move(skip);
    options.time_ops = time_ops;
    auto executor = TransformerExecutor::create(graph_, weights_, std::move(placement), options);
    EXPECT_TRUE(executor.ok()) << executor.error().format();
    return executor.ok() ? std::move(executor).value() : nullptr;
  }

  std::unique_ptr<TransformerExecutor> cpu(bool kv_cache, std::vector<int> skip = {}) {
    return make(place_all_on(graph_, make_core_set({online_cores().front()})), kv_cache, std::move(skip));
  }

  // Runs kPieces through both executors and compares every logits row.
  void expect_same_logits(TransformerExecutor& device_side, TransformerExecutor& reference, const char* what) {
    for (const auto& [tokens, rows] : kPieces) {
      auto a = device_side.try_append(tokens, rows);
      ASSERT_TRUE(a.ok()) << what << ": " << a.error().message;
      const std::vector<float> b = reference.append(tokens, rows);
      ASSERT_EQ(a->size(), rows * 256u) << what;
      EXPECT_LT(max_scaled_error(*a, b), kBackendTolerance) << what << ", piece of " << tokens.size();
    }
    EXPECT_EQ(device_side.length(), reference.length());
  }

  ModelGraph graph_;
  std::shared_ptr<const TransformerWeights> weights_;
  std::shared_ptr<OpenClDevice> device_;
};

TEST_F(OpenClExecutor, WholeModelOnTheDeviceMatchesTheCpuAndTheReference) {
  for (bool kv : {true, false}) {
    auto device_side = make(place_all_on(graph_, device_), kv);
    auto reference = cpu(kv);
    ASSERT_TRUE(device_side && reference);
    EXPECT_TRUE(device_side->transfers().empty()) << "one PU: nothing to copy";
    expect_same_logits(*device_side, *reference, kv ? "kv cache" : "recompute");
  }
  // Against the double-precision forward pass too.
  auto device_side = make(place_all_on(graph_, device_), true);
  const std::vector<float> logits = device_side->append(kPrompt, kPrompt.size());
  EXPECT_LT(max_scaled_error(logits, testing::naive_logits(*weights_, kPrompt)), kBackendTolerance);
}

// Weights stored in another type reach the device as f16 (halves, read by the few-rows
// kernels) or promoted to f32 on upload: the device computes the f32 model of exactly the
// stored values, with Qwen2-style biases where the layers have them.
TEST_F(OpenClExecutor, StoredTypesArePromotedAndBiasesAdded) {
  for (TensorType type : {TensorType::f16, TensorType::q4_0}) {
    auto w = SyntheticWeights(5, type).load(testing::tiny_arch(2, /*tied=*/false));
    ASSERT_TRUE(w.ok()) << w.error().format();
    for (LayerWeights& layer : w->layers) {
      layer.q_bias = testing::random_values(64, 21, 0.3f);
      layer.k_bias = testing::random_values(32, 22, 0.3f);
      layer.v_bias = testing::random_values(32, 23, 0.3f);
    }
    weights_ = std::make_shared<const TransformerWeights>(std::move(w).value());
    graph_ = derive_model("tiny", weights_->arch);
    auto device_side = make(place_all_on(graph_, device_), true);
    ASSERT_TRUE(device_side);
    const std::vector<float> logits = device_side->append(kPrompt, kPrompt.size());
    EXPECT_LT(max_scaled_error(logits, testing::naive_logits(*weights_, kPrompt)), kBackendTolerance)
        << tensor_type_name(type);
  }
}

// f16 matrices stay f16 on the device; passes of more than 16 rows (a prompt) run the
// few-rows kernel in chunks of 16 rows, an untied f16 head included.
TEST_F(OpenClExecutor, F16WeightsOnTheDeviceForFewAndManyRows) {
  auto w = SyntheticWeights(6, TensorType::f16).load(testing::tiny_arch(2, /*tied=*/false));
  ASSERT_TRUE(w.ok()) << w.error().format();
  ASSERT_EQ(w->layers[0].q_proj.type, TensorType::f16);
  ASSERT_EQ(w->lm_head.type, TensorType::f16);
  weights_ = std::make_shared<const TransformerWeights>(std::move(w).value());
  graph_ = derive_model("tiny", weights_->arch);
  std::vector<int> prompt(37);
  for (std::size_t i = 0; i < prompt.size(); ++i) prompt[i] = int((i * 53 + 5) % 256);
  for (bool kv : {true, false}) {
    auto device_side = make(place_all_on(graph_, device_), kv);
    ASSERT_TRUE(device_side);
    const std::vector<float> logits = device_side->append(prompt, prompt.size());
    EXPECT_LT(max_scaled_error(logits, testing::naive_logits(*weights_, prompt)), kBackendTolerance) << kv;
    auto reference = cpu(kv);
    reference->append(prompt, 1);
    const std::vector<int> next = {9, 8, 7};
    EXPECT_LT(max_scaled_error(device_side->append(next, 3), reference->append(next, 3)), kBackendTolerance)
        << kv;
  }
}

// Mapped boundary tensors (host-memory buffers) and plain copies move the same values: the
// same placement gives identical logits and records the same transfers either way.
TEST_F(OpenClExecutor, MappedAndCopiedBoundariesGiveTheSameLogits) {
  std::vector<std::vector<float>> logits[2];
  std::vector<TransferTiming> transfers[2];
  for (BoundaryPath path : {BoundaryPath::copy, BoundaryPath::map}) {
    set_boundary_path_override(path);
    const auto k = static_cast<std::size_t>(path);
    for (bool kv : {true, false}) {
      auto mixed = make(on_device({"embedding", "block.1", "head"}), kv);
      ASSERT_TRUE(mixed);
      for (const auto& [tokens, rows] : kPieces) {
        auto out = mixed->try_append(tokens, rows);
        ASSERT_TRUE(out.ok()) << out.error().message;
        logits[k].push_back(*out);
      }
      if (kv) transfers[k] = mixed->transfers();
    }
  }
  set_boundary_path_override(std::nullopt);
  ASSERT_EQ(logits[0].size(), logits[1].size());
  for (std::size_t i = 0; i < logits[0].size(); ++i) EXPECT_EQ(logits[0][i], logits[1][i]) << "piece " << i;
  ASSERT_EQ(transfers[0].size(), transfers[1].size());
  ASSERT_FALSE(transfers[0].empty());
  for (std::size_t i = 0; i < transfers[0].size(); ++i) {
    EXPECT_EQ(transfers[0][i].from, transfers[1][i].from);
    EXPECT_EQ(transfers[0][i].bytes, transfers[1][i].bytes);
    EXPECT_EQ(transfers[0][i].calls, transfers[1][i].calls);
  }
}

TEST_F(OpenClExecutor, UntiedHeadOnTheDevice) {
  use(testing::tiny_arch(2, /*tied=*/false));
  auto device_side = make(on_device({"head"}), true);
  auto reference = cpu(true);
  expect_same_logits(*device_side, *reference, "untied head");
}

struct MixedCase {
  const char* name;
  std::vector<std::string> on_device;
  std::vector<std::pair<std::string, std::string>> boundaries;  // expected transfers, in data order
};

TEST_F(OpenClExecutor, MixedPlacementsMatchTheCpuAndCopyAtEveryPuChange) {
  const std::vector<MixedCase> cases = {
      {"embedding on OpenCL", {"embedding"}, {{"embedding", "block.0"}}},
      {"head on OpenCL", {"head"}, {{"block.2", "head"}}},
      {"alternating blocks",
       {"block.0", "block.2"},
       {{"embedding", "block.0"}, {"block.0", "block.1"}, {"block.1", "block.2"}, {"block.2", "head"}}},
      {"all but block.1", {"embedding", "block.0", "block.2", "head"}, {{"block.0", "block.1"}, {"block.1", "block.2"}}},
  };
  for (const MixedCase& c : cases) {
    for (bool kv : {true, false}) {
      auto mixed = make(on_device(c.on_device), kv);
      auto reference = cpu(kv);
      ASSERT_TRUE(mixed && reference) << c.name;
      expect_same_logits(*mixed, *reference, c.name);

      const std::vector<TransferTiming>& transfers = mixed->transfers();
      ASSERT_EQ(transfers.size(), c.boundaries.size()) << c.name;
      // Rows moved per append: the new tokens with a cache, the whole sequence without.
      std::size_t rows = 0, length = 0;
      for (const auto& [tokens, unused] : kPieces) {
        length += tokens.size();
        rows += kv ? tokens.size() : length;
      }
      for (std::size_t i = 0; i < transfers.size(); ++i) {
        EXPECT_EQ(transfers[i].from, c.boundaries[i].first) << c.name;
        EXPECT_EQ(transfers[i].to, c.boundaries[i].second) << c.name;
        EXPECT_EQ(transfers[i].calls, kPieces.size()) << c.name;
        EXPECT_EQ(transfers[i].per_call_seconds.size(), kPieces.size()) << c.name;
        EXPECT_DOUBLE_EQ(transfers[i].bytes, double(rows * 64 * sizeof(float))) << c.name << " kv " << kv;
        EXPECT_GT(transfers[i].total_seconds, 0.0) << c.name;
      }
    }
  }
}

TEST_F(OpenClExecutor, SkippedLayersAreNeitherRunNorCopiedAround) {
  auto mixed = make(on_device({"block.0", "block.2"}), true, {1});
  auto reference = cpu(true, {1});
  expect_same_logits(*mixed, *reference, "block.1 skipped");
  // block.0 and block.2 are now neighbours on the device: copies only at the ends.
  ASSERT_EQ(mixed->transfers().size(), 2u);
  EXPECT_EQ(mixed->transfers()[0].from, "embedding");
  EXPECT_EQ(mixed->transfers()[0].to, "block.0");
  EXPECT_EQ(mixed->transfers()[1].from, "block.2");
  EXPECT_EQ(mixed->transfers()[1].to, "head");
  EXPECT_EQ(mixed->timings().find("block.1")->calls, 0u);
}

TEST_F(OpenClExecutor, TruncateRollsTheDeviceCacheBack) {
  for (bool kv : {true, false}) {
    auto device_side = make(on_device({"block.0", "block.1", "head"}), kv);
    auto reference = cpu(kv);
    device_side->append(kPrompt, 1);
    reference->append(kPrompt, 1);
    const std::vector<int> draft = {1, 2, 3};
    const std::vector<float> first = device_side->append(draft, 3);
    device_side->truncate(kPrompt.size());
    EXPECT_EQ(device_side->append(draft, 3), first) << "the same work on the same device is deterministic";
    // A rejected draft: keep one token, continue differently.
    device_side->truncate(kPrompt.size() + 1);
    reference->append(std::vector<int>{1}, 1);
    const std::vector<int> other = {77, 78};
    EXPECT_LT(max_scaled_error(device_side->append(other, 2), reference->append(other, 2)), kBackendTolerance)
        << kv;
    EXPECT_EQ(device_side->length(), kPrompt.size() + 3);
  }
}

TEST_F(OpenClExecutor, TimingsAndOpTimesCoverDeviceSubgraphs) {
  auto timed = make(on_device({"embedding", "block.1", "head"}), true, {}, /*time_ops=*/true);
  auto plain = make(on_device({"embedding", "block.1", "head"}), true);
  EXPECT_EQ(timed->append(kPrompt, 2), plain->append(kPrompt, 2)) << "timing changes no arithmetic";
  const auto& ops = timed->op_seconds();
  for (std::size_t i = 0; i < graph_.subgraphs.size(); ++i) {
    EXPECT_EQ(timed->timings().entries()[i].calls, 1u) << graph_.subgraphs[i].name;
    double sum = 0;
    for (std::size_t k = 0; k < ops[i].size(); ++k) {
      if (graph_.subgraphs[i].ops[k].name != "sample") {
        EXPECT_GT(ops[i][k], 0.0) << graph_.subgraphs[i].name << "/" << graph_.subgraphs[i].ops[k].name;
      }
      sum += ops[i][k];
    }
    EXPECT_LE(sum, timed->timings().entries()[i].total_seconds * 1.0001) << graph_.subgraphs[i].name;
  }
  EXPECT_FALSE(timed->transfers().empty());
  timed->reset_timings();
  for (const TransferTiming& t : timed->transfers()) {
    EXPECT_EQ(t.calls, 0u);
    EXPECT_EQ(t.bytes, 0.0);
    EXPECT_TRUE(t.per_call_seconds.empty());
  }
}

// A draft and a target on the same device from two host threads at once (the overlapped
// schedule): each executor has its own queue and kernels, so both give what they give alone.
TEST_F(OpenClExecutor, TwoExecutorsOnOneDeviceRunConcurrently) {
  auto a = make(place_all_on(graph_, device_), true);
  auto b = make(on_device({"block.0", "block.1", "block.2"}), true);
  auto a_alone = make(place_all_on(graph_, device_), true);
  auto b_alone = make(on_device({"block.0", "block.1", "block.2"}), true);
  std::vector<std::vector<float>> a_out, b_out;
  std::thread ta([&] {
    for (const auto& [tokens, rows] : kPieces) a_out.push_back(a->append(tokens, rows));
  });
  std::thread tb([&] {
    for (const auto& [tokens, rows] : kPieces) b_out.push_back(b->append(tokens, rows));
  });
  ta.join();
  tb.join();
  for (std::size_t i = 0; i < kPieces.size(); ++i) {
    EXPECT_EQ(a_out[i], a_alone->append(kPieces[i].first, kPieces[i].second)) << i;
    EXPECT_EQ(b_out[i], b_alone->append(kPieces[i].first, kPieces[i].second)) << i;
  }
}

TEST_F(OpenClExecutor, APlacementWithTheWrongNumberOfDevicesIsRejected) {
  CorePlacement placement = place_all_on(graph_, make_core_set({online_cores().front()}));
  placement.subgraph_devices = {device_};
  EXPECT_FALSE(TransformerExecutor::create(graph_, weights_, placement).ok());
}

}  // namespace
}  // namespace specmap::runtime
