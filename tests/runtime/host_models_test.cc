// The host-* model configurations: load, derive the executor's subgraphs, and hold the
// parameter counts their names promise; the smallest one decodes end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "describe/loaders.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime/executor/transformer_executor.h"

namespace specmap::runtime {
namespace {

const std::filesystem::path kModels = std::filesystem::path(SPECMAP_SOURCE_DIR) / "configs" / "models";

struct HostModel {
  const char* name;
  double millions;  // the number in the name
};

class HostModels : public ::testing::TestWithParam<HostModel> {};

TEST_P(HostModels, LoadWithExecutorSubgraphsAndNamedSize) {
  const HostModel model = GetParam();
  Result<ModelGraph> graph = load_model((kModels / (std::string(model.name) + ".yaml")).string());
  ASSERT_TRUE(graph.ok()) << graph.error().format();
  EXPECT_EQ(graph->name, model.name);
  ASSERT_TRUE(graph->arch.has_value());
  EXPECT_EQ(graph->arch->dtype, DType::f32);
  EXPECT_EQ(graph->arch->vocab, 32000);  // drafters and targets share one vocabulary
  ASSERT_EQ(graph->subgraphs.size(), std::size_t(graph->arch->layers) + 2);
  EXPECT_EQ(graph->subgraphs.front().name, "embedding");
  EXPECT_EQ(graph->subgraphs.back().name, "head");
  for (std::int64_t i = 0; i < graph->arch->layers; ++i)
    EXPECT_TRUE(graph->subgraph_index("block." + std::to_string(i)).has_value());
  // The name rounds the parameter count to millions.
  EXPECT_NEAR(graph->parameters() / 1e6, model.millions, 0.5) << model.name;
}

INSTANTIATE_TEST_SUITE_P(Configs, HostModels,
                         ::testing::Values(HostModel{"host-target-110m", 110},
                                           HostModel{"host-draft-20m", 20}, HostModel{"host-target-40m", 40},
                                           HostModel{"host-draft-8m", 8}),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(HostModelRun, SmallestDrafterDecodes) {
  Result<ModelGraph> graph = load_model((kModels / "host-draft-8m.yaml").string());
  ASSERT_TRUE(graph.ok()) << graph.error().format();
  Result<TransformerWeights> weights = SyntheticWeights(1).load(*graph->arch);
  ASSERT_TRUE(weights.ok()) << weights.error().format();
  auto executor = TransformerExecutor::create(
      *graph, std::make_shared<const TransformerWeights>(std::move(weights).value()),
      place_all_on(*graph, make_core_set({0})));
  ASSERT_TRUE(executor.ok()) << executor.error().format();
  std::vector<float> logits = (*executor)->append(std::vector<int>{1, 500, 31999}, 1);
  ASSERT_EQ(logits.size(), 32000u);
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ((*executor)->append(std::vector<int>{7}, 1).size(), 32000u);
}

}  // namespace
}  // namespace specmap::runtime
