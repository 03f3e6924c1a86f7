// Each CPU kernel against a plain double-precision loop written from its definition.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/cpu/elementwise.h"
#include "runtime/cpu/linear.h"
#include "runtime/cpu/rms_norm.h"
#include "runtime/cpu/rotary.h"
#include "runtime/cpu/swiglu.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

using testing::naive_linear;
using testing::random_values;
using testing::relative_max_error;

double silu(double g) { return g / (1.0 + std::exp(-g)); }

class CpuKernels : public ::testing::TestWithParam<std::vector<int>> {
 protected:
  void SetUp() override {
    if (GetParam().size() > 1 && !testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  }
  ThreadPool& pool() {
    if (!pool_) pool_ = std::make_unique<ThreadPool>(make_core_set(GetParam()));
    return *pool_;
  }

 private:
  std::unique_ptr<ThreadPool> pool_;
};

TEST_P(CpuKernels, LinearMatchesNaiveForOneAndManyRows) {
  const std::size_t in = 48, out = 40;
  std::vector<float> w = random_values(in * out, 1);
  const WeightTensor weight = WeightTensor::from_f32(w, out, in);
  for (std::size_t rows : {1u, 7u}) {
    std::vector<float> x = random_values(rows * in, 2);
    std::vector<float> y(rows * out);
    linear(x, rows, weight, y, pool());
    EXPECT_LT(relative_max_error(y, naive_linear(x, rows, w, in, out)), 1e-5) << rows << " rows";
  }
}

TEST_P(CpuKernels, AddBiasAddsToEveryRow) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6};
  add_bias(y, std::vector<float>{10, 20, 30});
  EXPECT_EQ(y, (std::vector<float>{11, 22, 33, 14, 25, 36}));
  add_bias(y, {});
  EXPECT_EQ(y[0], 11.0f);
}

TEST_P(CpuKernels, RmsNormMatchesNaive) {
  // Enough rows for several chunks; widths on and off the kernel's eight partial sums.
  for (const std::size_t width : {64, 70, 5}) {
    const std::size_t rows = 37;
    std::vector<float> x = random_values(rows * width, 5, 3.0f);
    std::vector<float> weight = random_values(width, 6);
    const float eps = 1e-5f;
    std::vector<float> out(x.size());
    rms_norm(x, weight, eps, out, pool());
    std::vector<double> expected(x.size());
    for (std::size_t r = 0; r < rows; ++r) {
      double mean_square = 0;
      for (std::size_t i = 0; i < width; ++i)
        mean_square += double(x[r * width + i]) * x[r * width + i] / width;
      for (std::size_t i = 0; i < width; ++i)
        expected[r * width + i] = x[r * width + i] / std::sqrt(mean_square + eps) * weight[i];
    }
    EXPECT_LT(relative_max_error(out, expected), 1e-6) << "width " << width;
  }
}

TEST_P(CpuKernels, RmsNormOfAConstantRowIsTheWeight) {
  // mean(x^2) = c^2, so x / rms = 1 (up to eps) and the output is the weight itself.
  std::vector<float> x(16, 5.0f);
  std::vector<float> weight = random_values(16, 7);
  std::vector<float> out(16);
  rms_norm(x, weight, 0.0f, out, pool());
  for (std::size_t i = 0; i < 16; ++i) EXPECT_NEAR(out[i], weight[i], 1e-6);
}

// Rotary position embedding in double: row r at position first + r, pairs (i, i + half).
std::vector<double> rotary_reference(const std::vector<float>& x, std::size_t rows, std::size_t heads,
                                     std::size_t head_dim, std::size_t first, double theta) {
  std::vector<double> out(x.size());
  const std::size_t half = head_dim / 2;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t h = 0; h < heads; ++h)
      for (std::size_t i = 0; i < half; ++i) {
        const std::size_t base = (r * heads + h) * head_dim;
        const double angle = double(first + r) / std::pow(theta, 2.0 * i / head_dim);
        const double a = x[base + i], b = x[base + i + half];
        out[base + i] = a * std::cos(angle) - b * std::sin(angle);
        out[base + i + half] = b * std::cos(angle) + a * std::sin(angle);
      }
  return out;
}

TEST_P(CpuKernels, RotaryMatchesRotateHalfDefinition) {
  const std::size_t heads = 3, head_dim = 8, rows = 20, first = 5;
  const double theta = 500000.0;
  std::vector<float> x = random_values(rows * heads * head_dim, 8);
  std::vector<float> rotated = x;
  apply_rotary(rotated, heads, head_dim, first, rotary_inverse_frequencies(head_dim, theta), pool());
  EXPECT_LT(relative_max_error(rotated, rotary_reference(x, rows, heads, head_dim, first, theta)), 1e-5);
}

// The angles of each position are computed once and reused: calls with other frequencies
// in between, and positions past what earlier calls saw, still rotate by their own angles.
TEST_P(CpuKernels, RotaryReusedAnglesFollowTheFrequenciesAndPositions) {
  const std::size_t heads = 2, head_dim = 8, rows = 3;
  const std::vector<float> x = random_values(rows * heads * head_dim, 12);
  for (const std::size_t first : {std::size_t(2), std::size_t(300), std::size_t(1)})
    for (const double theta : {10000.0, 500000.0, 10000.0}) {
      std::vector<float> rotated = x;
      apply_rotary(rotated, heads, head_dim, first, rotary_inverse_frequencies(head_dim, theta), pool());
      EXPECT_LT(relative_max_error(rotated, rotary_reference(x, rows, heads, head_dim, first, theta)), 1e-5)
          << "first " << first << " theta " << theta;
    }
}

TEST_P(CpuKernels, RotaryOfQueriesAndKeysTogetherMatchesEachAlone) {
  const std::size_t heads = 6, kv_heads = 2, head_dim = 16, rows = 19, first = 37;
  const std::vector<float> inverse = rotary_inverse_frequencies(head_dim, 10000.0);
  std::vector<float> q = random_values(rows * heads * head_dim, 10);
  std::vector<float> k = random_values(rows * kv_heads * head_dim, 11);
  std::vector<float> q_alone = q, k_alone = k;
  apply_rotary(q, heads, k, kv_heads, head_dim, first, inverse, pool());
  apply_rotary(q_alone, heads, head_dim, first, inverse, pool());
  apply_rotary(k_alone, kv_heads, head_dim, first, inverse, pool());
  EXPECT_EQ(q, q_alone);
  EXPECT_EQ(k, k_alone);
  EXPECT_NE(q, random_values(rows * heads * head_dim, 10));  // and they were rotated
}

TEST_P(CpuKernels, RotaryAtPositionZeroIsIdentityAndKeepsNorms) {
  const std::size_t heads = 2, head_dim = 16;
  std::vector<float> x = random_values(heads * head_dim * 4, 9);
  std::vector<float> at_zero(x.begin(), x.begin() + heads * head_dim);
  apply_rotary(at_zero, heads, head_dim, 0, rotary_inverse_frequencies(head_dim, 10000.0), pool());
  for (std::size_t i = 0; i < at_zero.size(); ++i) EXPECT_FLOAT_EQ(at_zero[i], x[i]);

  std::vector<float> far = x;  // a rotation keeps the length of every (i, i + half) pair
  apply_rotary(far, heads, head_dim, 1000, rotary_inverse_frequencies(head_dim, 10000.0), pool());
  for (std::size_t base = 0; base < x.size(); base += head_dim)
    for (std::size_t i = 0; i < head_dim / 2; ++i) {
      const double before = std::hypot(x[base + i], x[base + i + head_dim / 2]);
      const double after = std::hypot(far[base + i], far[base + i + head_dim / 2]);
      EXPECT_NEAR(after, before, 1e-5);
    }
}

TEST_P(CpuKernels, SiluMulMatchesNaive) {
  const std::size_t n = 40000;  // several chunks
  std::vector<float> gate = random_values(n, 10, 6.0f);
  std::vector<float> up = random_values(n, 11);
  std::vector<float> out(n);
  silu_mul(gate, up, out, pool());
  std::vector<double> expected(n);
  for (std::size_t i = 0; i < n; ++i) expected[i] = silu(gate[i]) * up[i];
  EXPECT_LT(relative_max_error(out, expected), 1e-6);
}

TEST_P(CpuKernels, SiluMulAtExtremeGates) {
  // Past the exponential's clamp on both sides, around zero, and a length that leaves a
  // remainder after the vector loop.
  std::vector<float> gate = {-1000.0f, -100.0f, -88.5f, -87.0f, -30.0f, -5.5f,   -1e-3f, 0.0f, 1e-3f, 0.75f,
                             5.5f,     30.0f,   87.5f,  88.5f,  100.0f, 1000.0f, -0.3f,  2.0f, -12.0f};
  std::vector<float> up(gate.size(), 1.5f);
  std::vector<float> out(gate.size());
  silu_mul(gate, up, out, pool());
  for (std::size_t i = 0; i < gate.size(); ++i) {
    const double expected = silu(gate[i]) * up[i];
    EXPECT_NEAR(out[i], expected, 1e-6 * std::fabs(expected) + 1e-30) << "gate " << gate[i];
  }
  const std::vector<float> nan_gate(17, std::nanf(""));
  std::vector<float> nan_out(nan_gate.size());
  silu_mul(nan_gate, std::vector<float>(nan_gate.size(), 1.0f), nan_out, pool());
  for (float v : nan_out) EXPECT_TRUE(std::isnan(v));
}

TEST_P(CpuKernels, SwigluMlpMatchesNaive) {
  const std::size_t d = 24, ff = 56, rows = 5;
  std::vector<float> gate = random_values(ff * d, 12), up = random_values(ff * d, 13),
                     down = random_values(d * ff, 14), x = random_values(rows * d, 15);
  MlpScratch scratch;
  std::vector<float> out(rows * d);
  const WeightTensor gate_w = WeightTensor::from_f32(gate, ff, d), up_w = WeightTensor::from_f32(up, ff, d),
                     down_w = WeightTensor::from_f32(down, d, ff);
  swiglu_mlp(x, rows, MlpWeights{gate_w, up_w, down_w}, scratch, out, pool());
  std::vector<double> g = naive_linear(x, rows, gate, d, ff);
  std::vector<double> u = naive_linear(x, rows, up, d, ff);
  std::vector<double> expected(rows * d, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t o = 0; o < d; ++o)
      for (std::size_t i = 0; i < ff; ++i)
        expected[r * d + o] += silu(g[r * ff + i]) * u[r * ff + i] * down[o * ff + i];
  EXPECT_LT(relative_max_error(out, expected), 1e-5);
}

TEST_P(CpuKernels, EmbeddingLookupCopiesRowsAndRejectsUnknownTokens) {
  const std::size_t width = 4, vocab = 10;
  std::vector<float> table(vocab * width);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = float(i);
  const WeightTensor tensor = WeightTensor::from_f32(table, vocab, width);
  std::vector<int> tokens = {3, 0, 9, 3};
  std::vector<float> out(tokens.size() * width);
  ASSERT_TRUE(embedding_lookup(tensor, tokens, out).ok());
  for (std::size_t t = 0; t < tokens.size(); ++t)
    for (std::size_t i = 0; i < width; ++i) EXPECT_EQ(out[t * width + i], float(tokens[t] * width + i));
  std::vector<int> bad = {10};
  EXPECT_FALSE(embedding_lookup(tensor, bad, out).ok());
  std::vector<int> negative = {-1};
  EXPECT_FALSE(embedding_lookup(tensor, negative, out).ok());
}

TEST_P(CpuKernels, ResidualAddSumsElementwise) {
  const std::size_t n = 50000;
  std::vector<float> acc = random_values(n, 16), x = random_values(n, 17);
  std::vector<float> expected(n);
  for (std::size_t i = 0; i < n; ++i) expected[i] = acc[i] + x[i];
  add_in_place(acc, x, pool());
  EXPECT_EQ(acc, expected);
}

INSTANTIATE_TEST_SUITE_P(CoreSets, CpuKernels, ::testing::Values(std::vector<int>{0}, std::vector<int>{0, 1}),
                         [](const auto& info) {
                           return make_core_set(info.param).size() == 1 ? "one_core" : "two_cores";
                         });

}  // namespace
}  // namespace specmap::runtime
