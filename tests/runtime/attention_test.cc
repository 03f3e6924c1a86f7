// Grouped-query causal attention against a naive loop, and the head grouping itself.
#include "runtime/cpu/attention.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

using testing::random_values;
using testing::relative_max_error;

// Query head h of a model with `heads` query heads and `kv_heads` KV heads reads KV head
// floor(h * kv_heads / heads): consecutive query heads share one KV head (Llama's GQA).
std::vector<double> naive_attention(const std::vector<float>& q, std::size_t rows, std::size_t first,
                                    const std::vector<float>& k, const std::vector<float>& v,
                                    std::size_t heads, std::size_t kv_heads, std::size_t hd) {
  std::vector<double> out(rows * heads * hd, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t h = 0; h < heads; ++h) {
      const std::size_t g = h * kv_heads / heads;
      const std::size_t visible = first + r + 1;
      std::vector<double> p(visible);
      double max_score = -1e300, sum = 0;
      for (std::size_t t = 0; t < visible; ++t) {
        double dot = 0;
        for (std::size_t d = 0; d < hd; ++d)
          dot += double(q[(r * heads + h) * hd + d]) * k[(t * kv_heads + g) * hd + d];
        p[t] = dot / std::sqrt(double(hd));
        max_score = std::max(max_score, p[t]);
      }
      for (double& x : p) sum += (x = std::exp(x - max_score));
      for (std::size_t t = 0; t < visible; ++t)
        for (std::size_t d = 0; d < hd; ++d)
          out[(r * heads + h) * hd + d] += p[t] / sum * v[(t * kv_heads + g) * hd + d];
    }
  return out;
}

struct Case {
  std::size_t heads, kv_heads, head_dim, rows, first;
  std::vector<int> cores;
  float key_scale = 2.0f;  // scores grow with it: large ones test the softmax's stability
};

void expect_matches_naive(const Case& c, ThreadPool& pool) {
  const std::size_t context = c.first + c.rows;
  std::vector<float> q = random_values(c.rows * c.heads * c.head_dim, 1, 2.0f);
  std::vector<float> k = random_values(context * c.kv_heads * c.head_dim, 2, c.key_scale);
  std::vector<float> v = random_values(context * c.kv_heads * c.head_dim, 3);
  std::vector<float> out(q.size());
  causal_attention(q, c.first, k, v, AttentionShape{c.heads, c.kv_heads, c.head_dim}, out, pool);
  EXPECT_LT(
      relative_max_error(out, naive_attention(q, c.rows, c.first, k, v, c.heads, c.kv_heads, c.head_dim)),
      1e-5)
      << c.heads << " heads, " << c.kv_heads << " KV heads, head_dim " << c.head_dim << ", " << c.rows
      << " rows from position " << c.first << ", key scale " << c.key_scale;
}

class AttentionCases : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionCases, MatchesNaive) {
  const Case c = GetParam();
  if (c.cores.size() > 1 && !testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  ThreadPool pool(make_core_set(c.cores));
  expect_matches_naive(c, pool);
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionCases,
                         ::testing::Values(Case{4, 4, 8, 5, 0, {0}},       // multi-head, prompt
                                           Case{4, 2, 8, 5, 0, {0}},       // grouped, prompt
                                           Case{8, 2, 16, 1, 40, {0}},     // grouped, one decode step
                                           Case{6, 1, 8, 3, 12, {0}},      // multi-query
                                           Case{8, 2, 16, 64, 0, {0, 1}},  // enough work to split
                                           Case{8, 4, 16, 4, 100, {0, 1}},
                                           Case{12, 12, 64, 9, 64, {0}},  // host-target-110m's verification
                                           Case{4, 1, 128, 7, 33, {0}},   // two column blocks per head
                                           Case{4, 2, 64, 9, 64, {0}, 40.0f},  // scores in the hundreds
                                           Case{2, 1, 40, 3, 5, {0}, 200.0f}));

// Every row count a verification step uses (query blocks full and partial), contexts on
// and off the 16-position chunks, head sizes with and without a partial column vector,
// and one, two and four query heads per KV head.
TEST(AttentionSweep, MatchesNaiveAcrossShapes) {
  ThreadPool pool(make_core_set({0}));
  for (std::size_t group : {1, 2, 4})
    for (std::size_t head_dim : {16, 24, 40, 64})
      for (std::size_t first : {0, 13, 48})
        for (std::size_t rows = 1; rows <= 16; ++rows)
          expect_matches_naive(Case{2 * group, 2, head_dim, rows, first, {0}}, pool);
}

TEST(AttentionGrouping, EachQueryHeadReadsItsGroupsKvHead) {
  // One visible position: softmax over a single key is 1, so every query head outputs
  // exactly the value row of the KV head it is grouped with.
  const std::size_t heads = 6, kv_heads = 2, hd = 4;
  const AttentionShape shape{heads, kv_heads, hd};
  std::vector<float> q = random_values(heads * hd, 4);
  std::vector<float> k = random_values(kv_heads * hd, 5);
  std::vector<float> v(kv_heads * hd);
  for (std::size_t g = 0; g < kv_heads; ++g)
    for (std::size_t d = 0; d < hd; ++d) v[g * hd + d] = float(100 * (g + 1) + d);
  std::vector<float> out(q.size());
  ThreadPool pool(make_core_set({0}));
  causal_attention(q, 0, k, v, shape, out, pool);
  for (std::size_t h = 0; h < heads; ++h) {
    const std::size_t group = h < 3 ? 0 : 1;  // heads 0-2 share KV head 0, heads 3-5 KV head 1
    EXPECT_EQ(kv_head_of(h, shape), group);
    for (std::size_t d = 0; d < hd; ++d) EXPECT_FLOAT_EQ(out[h * hd + d], v[group * hd + d]) << "head " << h;
  }
}

TEST(AttentionGrouping, LaterKeysAreInvisibleToEarlierQueries) {
  // Changing the keys/values of the last position must not change earlier rows' outputs.
  const AttentionShape shape{2, 1, 4};
  const std::size_t rows = 3;
  std::vector<float> q = random_values(rows * 2 * 4, 6);
  std::vector<float> k = random_values(rows * 4, 7), v = random_values(rows * 4, 8);
  std::vector<float> out(q.size()), changed_out(q.size());
  ThreadPool pool(make_core_set({0}));
  causal_attention(q, 0, k, v, shape, out, pool);
  for (std::size_t d = 0; d < 4; ++d) k[2 * 4 + d] += 5.0f, v[2 * 4 + d] -= 3.0f;
  causal_attention(q, 0, k, v, shape, changed_out, pool);
  for (std::size_t i = 0; i < 2 * 2 * 4; ++i) EXPECT_EQ(out[i], changed_out[i]);
  bool last_row_changed = false;
  for (std::size_t i = 2 * 2 * 4; i < q.size(); ++i) last_row_changed |= out[i] != changed_out[i];
  EXPECT_TRUE(last_row_changed);
}

}  // namespace
}  // namespace specmap::runtime
