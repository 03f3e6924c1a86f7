// One operator suite against every backend (CPU kernels, OpenCL ops): each op against a
// plain double-precision loop written from its definition, at sizes that are not multiples
// of any work-group or tile, within kBackendTolerance (backend_support.h).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "backend_support.h"
#include "ops_backend.h"
#include "runtime/cpu/rotary.h"
#include "runtime/weights/synthetic_weights.h"

namespace specmap::runtime {
namespace {

using testing::kBackendTolerance;
using testing::max_scaled_error;
using testing::naive_linear;
using testing::random_values;

std::vector<double> naive_attention(const std::vector<float>& q, std::size_t first_position,
                                    const std::vector<float>& keys, const std::vector<float>& values,
                                    const AttentionShape& s) {
  const std::size_t qw = s.heads * s.head_dim, kw = s.kv_heads * s.head_dim, rows = q.size() / qw;
  std::vector<double> out(q.size(), 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t h = 0; h < s.heads; ++h) {
      const std::size_t g = kv_head_of(h, s), visible = first_position + r + 1;
      std::vector<double> p(visible);
      double max_score = -1e300, sum = 0;
      for (std::size_t t = 0; t < visible; ++t) {
        double dot = 0;
        for (std::size_t d = 0; d < s.head_dim; ++d)
          dot += double(q[r * qw + h * s.head_dim + d]) * keys[t * kw + g * s.head_dim + d];
        p[t] = dot / std::sqrt(double(s.head_dim));
        max_score = std::max(max_score, p[t]);
      }
      for (double& e : p) sum += (e = std::exp(e - max_score));
      for (std::size_t t = 0; t < visible; ++t)
        for (std::size_t d = 0; d < s.head_dim; ++d)
          out[r * qw + h * s.head_dim + d] += p[t] / sum * values[t * kw + g * s.head_dim + d];
    }
  return out;
}

class BackendOps : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cpu") {
      backend_ = testing::make_cpu_backend();
      return;
    }
    std::string why;
    backend_ = testing::make_opencl_backend(why);
    if (!backend_) GTEST_SKIP() << "no OpenCL device: " << why;
  }
  testing::OpsBackend& b() { return *backend_; }

 private:
  std::unique_ptr<testing::OpsBackend> backend_;
};

TEST_P(BackendOps, RmsNormOfSeveralRowsOfAnOddWidth) {
  const std::size_t width = 67, rows = 5;
  const std::vector<float> x = random_values(rows * width, 1, 3.0f), w = random_values(width, 2);
  std::vector<double> expected(rows * width);
  for (std::size_t r = 0; r < rows; ++r) {
    double ms = 0;
    for (std::size_t i = 0; i < width; ++i) ms += double(x[r * width + i]) * x[r * width + i] / double(width);
    for (std::size_t i = 0; i < width; ++i) expected[r * width + i] = x[r * width + i] / std::sqrt(ms + 1e-5) * w[i];
  }
  EXPECT_LT(max_scaled_error(b().rms_norm(x, w, 1e-5f), expected), kBackendTolerance);
}

TEST_P(BackendOps, RotaryRotatesHalvesByThePositionAngles) {
  const std::size_t heads = 3, head_dim = 10, rows = 4;
  const std::vector<float> inverse = rotary_inverse_frequencies(head_dim, 10000.0);
  for (std::size_t first : {0u, 1u, 37u, 1000u}) {
    const std::vector<float> x = random_values(rows * heads * head_dim, 3 + first);
    std::vector<double> expected(x.begin(), x.end());
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t h = 0; h < heads; ++h)
        for (std::size_t i = 0; i < head_dim / 2; ++i) {
          const double angle = double(first + r) * std::pow(10000.0, -2.0 * double(i) / double(head_dim));
          const std::size_t lo = (r * heads + h) * head_dim + i, hi = lo + head_dim / 2;
          expected[lo] = x[lo] * std::cos(angle) - x[hi] * std::sin(angle);
          expected[hi] = x[hi] * std::cos(angle) + x[lo] * std::sin(angle);
        }
    EXPECT_LT(max_scaled_error(b().rotary(x, heads, head_dim, first, inverse), expected), kBackendTolerance)
        << "first position " << first;
  }
}

TEST_P(BackendOps, GroupedQueryCausalAttentionAtSeveralPositions) {
  // 6 query heads on 2 KV heads; contexts below, at and above a work-group of keys.
  const AttentionShape shape{6, 2, 16};
  const std::size_t qw = shape.heads * shape.head_dim, kw = shape.kv_heads * shape.head_dim;
  for (auto [first, rows] : {std::pair{0u, 1u}, {0u, 7u}, {5u, 1u}, {63u, 2u}, {64u, 1u}, {130u, 3u}}) {
    const std::size_t positions = first + rows;
    const std::vector<float> q = random_values(rows * qw, 10 + first, 2.0f);
    const std::vector<float> keys = random_values(positions * kw, 20 + first, 2.0f);
    const std::vector<float> values = random_values(positions * kw, 30 + first);
    EXPECT_LT(max_scaled_error(b().attention(q, first, keys, values, shape),
                               naive_attention(q, first, keys, values, shape)),
              kBackendTolerance)
        << "first " << first << " rows " << rows;
  }
}

// On OpenCL head sizes that are multiples of 16 up to 128 run one work item per head and row
// (attention_item), others the work-group kernel: both, at verification row counts.
TEST_P(BackendOps, AttentionForEveryKernelsHeadSizesAndRowCounts) {
  for (std::size_t head_dim : {10u, 64u, 144u})
    for (std::size_t rows : {1u, 9u, 16u}) {
      const AttentionShape shape{4, 2, head_dim};
      const std::size_t first = 40, positions = first + rows;
      const std::vector<float> q = random_values(rows * 4 * head_dim, 50 + rows, 2.0f);
      const std::vector<float> keys = random_values(positions * 2 * head_dim, 60 + rows, 2.0f);
      const std::vector<float> values = random_values(positions * 2 * head_dim, 70 + rows);
      EXPECT_LT(max_scaled_error(b().attention(q, first, keys, values, shape),
                                 naive_attention(q, first, keys, values, shape)),
                kBackendTolerance)
          << "head_dim " << head_dim << " rows " << rows;
    }
}

TEST_P(BackendOps, AttentionWithAHeadDimLargerThanAWorkGroupLine) {
  const AttentionShape shape{2, 1, 96};  // more dims than 64 work items: two per item
  const std::vector<float> q = random_values(2 * 2 * 96, 40), keys = random_values(9 * 96, 41),
                           values = random_values(9 * 96, 42);
  EXPECT_LT(max_scaled_error(b().attention(q, 7, keys, values, shape), naive_attention(q, 7, keys, values, shape)),
            kBackendTolerance);
}

TEST_P(BackendOps, SiluMulAndResidualAdd) {
  const std::size_t n = 1001;
  const std::vector<float> g = random_values(n, 50, 6.0f), u = random_values(n, 51);
  std::vector<double> silu(n), sum(n);
  for (std::size_t i = 0; i < n; ++i) {
    silu[i] = g[i] / (1.0 + std::exp(-double(g[i]))) * u[i];
    sum[i] = double(g[i]) + u[i];
  }
  EXPECT_LT(max_scaled_error(b().silu_mul(g, u), silu), kBackendTolerance);
  EXPECT_LT(max_scaled_error(b().add(g, u), sum), 1e-7);
}

TEST_P(BackendOps, EmbeddingGathersTableRowsExactly) {
  const std::size_t width = 13, vocab = 50;
  const std::vector<float> table = random_values(vocab * width, 60);
  const std::vector<int> tokens = {49, 0, 7, 7, 23};
  std::vector<float> expected;
  for (int t : tokens) expected.insert(expected.end(), table.begin() + t * width, table.begin() + (t + 1) * width);
  EXPECT_EQ(b().embedding(table, width, tokens), expected);
}

TEST_P(BackendOps, LinearForOneAndManyRowsOfOddSizes) {
  const std::size_t in = 77, out = 53;
  const std::vector<float> w = random_values(in * out, 70);
  for (std::size_t rows : {1u, 2u, 9u, 33u}) {
    const std::vector<float> x = random_values(rows * in, 71 + rows);
    EXPECT_LT(max_scaled_error(b().linear(x, rows, w, in, out), naive_linear(x, rows, w, in, out)),
              kBackendTolerance)
        << rows << " rows";
  }
}

// A decoder block step by step (prefill, decode, a rejected draft rolled back) against the
// CPU kernels' block: every backend must give the CPU's hidden states.
TEST_P(BackendOps, DecoderBlockWithKvCacheAndRollBack) {
  const ModelArch arch = testing::tiny_arch(1);
  auto weights = SyntheticWeights(3).load(arch);
  ASSERT_TRUE(weights.ok()) << weights.error().format();
  BlockShape shape;
  shape.d_model = 64;
  shape.d_ff = 128;
  shape.attention = AttentionShape{4, 2, 16};
  const std::vector<float> inverse = rotary_inverse_frequencies(16, 500000.0);
  auto reference = testing::make_cpu_backend();
  reference->start_block(weights->layers[0], shape, inverse);
  b().start_block(weights->layers[0], shape, inverse);

  const std::vector<float> prompt = random_values(6 * 64, 90, 2.0f);
  const std::vector<float> step = random_values(64, 91, 2.0f);
  const std::vector<float> draft = random_values(3 * 64, 92, 2.0f);
  EXPECT_LT(max_scaled_error(b().block(prompt, 0), reference->block(prompt, 0)), kBackendTolerance);
  EXPECT_LT(max_scaled_error(b().block(step, 6), reference->block(step, 6)), kBackendTolerance);
  EXPECT_LT(max_scaled_error(b().block(draft, 7), reference->block(draft, 7)), kBackendTolerance);
  b().truncate_block(8);
  reference->truncate_block(8);
  EXPECT_LT(max_scaled_error(b().block(step, 8), reference->block(step, 8)), kBackendTolerance);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendOps, ::testing::Values("cpu", "opencl"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace specmap::runtime
