// profiles/paper.yaml must load and give back the paper's published cost coefficients.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "profile/latency_oracle.h"
#include "profile_fixtures.h"

namespace specmap {
namespace {

constexpr int kCpu = 0, kGpu = 1;

ModelArch llama_arch(std::int64_t layers, std::int64_t d_model, std::int64_t heads, DType dtype) {
  ModelArch a;
  a.layers = layers;
  a.d_model = d_model;
  a.d_ff = 8192;
  a.heads = heads;
  a.kv_heads = 8;
  a.head_dim = 128;
  a.vocab = 128256;
  a.dtype = dtype;
  a.kv_dtype = DType::f32;
  a.tied_embeddings = true;
  return a;
}

// Eq. 1 of the paper, written out here so the test does not lean on the cost module.
double eq1(double alpha, int gamma, double c) {
  return (1 - std::pow(alpha, gamma + 1)) / ((1 - alpha) * (gamma * c + 1));
}

class PaperProfile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = load_profile(std::string(SPECMAP_SOURCE_DIR) + "/profiles/paper.yaml");
    ASSERT_TRUE(db.ok()) << db.error().format();
    db_ = *db;
    soc_ = testing::tiny_soc();  // ids "cpu" (6 cores) and "gpu" (1 unit, int8 promoted), as the paper's SoC
    draft_ = derive_model("llama-3.2-1b", llama_arch(16, 2048, 32, DType::f32));
    target_ = derive_model("llama-3.2-3b-w8a8", llama_arch(28, 3072, 24, DType::int8));
    draft_.name = "llama-3.2-1b";
    target_.name = "llama-3.2-3b-w8a8";
  }

  double forward(const ModelGraph& m, int pu, int units) {
    LatencyOracle oracle(soc_, db_);
    TimeEstimate t = oracle.forward(m, pu, units, 63, 0);
    EXPECT_EQ(t.source, Provenance::measured_forward)
        << m.name << " pu " << pu << " x" << units << ": " << t.why;
    return t.median;
  }

  ProfileDb db_;
  Soc soc_;
  ModelGraph draft_, target_;
};

TEST_F(PaperProfile, IsRelativeAndEveryFigureExplainsItself) {
  EXPECT_EQ(db_.time_unit, "relative");
  EXPECT_FALSE(db_.reference.empty());
  EXPECT_EQ(db_.entries.size(), 13u);  // target x 6 cores, drafter x 6 cores + GPU
  for (const ProfileEntry& e : db_.entries) {
    EXPECT_NE(e.origin, EntryOrigin::measured) << e.line;  // nothing here was measured by us
    EXPECT_FALSE(e.note.empty()) << e.line;
    EXPECT_EQ(e.new_tokens, 63);
    EXPECT_EQ(e.context, 0);
  }
}

TEST_F(PaperProfile, ReproducesThePublishedCostCoefficients) {
  const double target1 = forward(target_, kCpu, 1);
  EXPECT_DOUBLE_EQ(target1, 1.0);
  EXPECT_NEAR(forward(draft_, kCpu, 1) / target1, 0.80, 1e-12);
  EXPECT_NEAR(forward(draft_, kGpu, 1) / target1, 0.41, 1e-12);
}

TEST_F(PaperProfile, BackSolvedVariantsReproduceTableTwoThroughEq1) {
  // Variant 2: drafter on the GPU, target on two cores, gamma 2 -> 1.10.
  const double c2 = forward(draft_, kGpu, 1) / forward(target_, kCpu, 2);
  EXPECT_NEAR(eq1(0.90, 2, c2), 1.10, 5e-4);
  // Variant 5: both on five cores, gamma 1 -> 1.02.
  const double c5 = forward(draft_, kCpu, 5) / forward(target_, kCpu, 5);
  EXPECT_NEAR(eq1(0.90, 1, c5), 1.02, 5e-4);
  // Variants 3, 4, 6: no mapping speculates, i.e. c >= alpha = 0.90 on the CPU and c > 1 with the GPU.
  for (int n : {3, 4, 6}) {
    EXPECT_GE(forward(draft_, kCpu, n) / forward(target_, kCpu, n), 0.90 - 1e-4) << n;
    EXPECT_GT(forward(draft_, kGpu, 1) / forward(target_, kCpu, n), 1.0) << n;
  }
  // The paper: c > 1 with the drafter on the GPU for 3..6 cores.
  EXPECT_GT(forward(draft_, kGpu, 1) / forward(target_, kCpu, 5), 1.0);
  // More cores never make the target slower.
  for (int n = 2; n <= 6; ++n) EXPECT_LT(forward(target_, kCpu, n), forward(target_, kCpu, n - 1)) << n;
}

TEST_F(PaperProfile, TargetOnTheGpuHasNoRelativeFigure) {
  LatencyOracle oracle(soc_, db_);
  TimeEstimate t = oracle.forward(target_, kGpu, 1, 63, 0);
  EXPECT_EQ(t.source, Provenance::unavailable);
  EXPECT_FALSE(t.why.empty());
}

}  // namespace
}  // namespace specmap
