// The contention measurement beside a validation's cases: each role's pass timed alone and
// beside the other role's own work, as many times as asked, both executors rolled back after.
#include <gtest/gtest.h>

#include "describe/model.h"
#include "runtime/measure/contention_points.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

TEST(ContentionPoints, TimesEachRoleAloneAndBesideTheOtherAndRollsBothBack) {
  const ModelArch arch = testing::tiny_arch();
  const ModelGraph graph = derive_model("tiny", arch);
  auto draft_weights = SyntheticWeights(5).load(arch);
  auto target_weights = SyntheticWeights(6).load(arch);
  ASSERT_TRUE(draft_weights.ok() && target_weights.ok());
  auto draft_shared = std::make_shared<const TransformerWeights>(std::move(draft_weights).value());
  auto target_shared = std::make_shared<const TransformerWeights>(std::move(target_weights).value());
  for (bool kv : {true, false}) {
    ExecutorOptions options;
    options.kv_cache = kv;
    auto draft =
        TransformerExecutor::create(graph, draft_shared, place_all_on(graph, make_core_set({0})), options);
    auto target =
        TransformerExecutor::create(graph, target_shared, place_all_on(graph, make_core_set({0})), options);
    ASSERT_TRUE(draft.ok() && target.ok());
    ContentionShape shape;
    shape.draft_step = kv ? PassPoint{1, 6, 0} : PassPoint{7, 0, 0};
    shape.verification = kv ? PassPoint{4, 6, 0} : PassPoint{9, 0, 4};
    shape.pairs = 3;
    shape.passes = 2;
    auto timings = time_contention(**draft, **target, shape, 7);
    ASSERT_TRUE(timings.ok()) << timings.error().format();
    for (const auto* samples :
         {&timings->draft_alone, &timings->draft_beside, &timings->target_alone, &timings->target_beside}) {
      EXPECT_EQ(samples->size(), 6u) << "pairs x passes per phase kind, kv " << kv;
      for (Seconds s : *samples) EXPECT_GT(s, 0);
    }
    EXPECT_EQ((*draft)->length(), 0u);
    EXPECT_EQ((*target)->length(), 0u);

    EXPECT_FALSE(time_contention(**draft, **draft, shape, 7).ok()) << "one executor cannot run beside itself";
    ContentionShape bad = shape;
    bad.verification.rows = bad.verification.new_tokens + 1;
    EXPECT_FALSE(time_contention(**draft, **target, bad, 7).ok()) << "more rows than appended";
    bad = shape;
    bad.pairs = 0;
    EXPECT_FALSE(time_contention(**draft, **target, bad, 7).ok());
    if (!kv) {
      bad = shape;
      bad.draft_step = PassPoint{1, 6, 0};
      EXPECT_FALSE(time_contention(**draft, **target, bad, 7).ok()) << "no context without a KV cache";
    }
  }
}

}  // namespace
}  // namespace specmap::runtime
