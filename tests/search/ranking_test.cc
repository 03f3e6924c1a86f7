// Pareto front, ranking and design-space counting on hand-made examples.
#include <gtest/gtest.h>

#include <cmath>

#include "search/search_internal.h"

namespace specmap {
namespace {

using namespace search_detail;

RankedCandidate point(int variant, double time, double energy, bool feasible = true, int gamma = 1) {
  RankedCandidate r;
  r.candidate.variant = variant;
  r.candidate.gamma = gamma;
  r.candidate.mapping.target = {0};
  r.prediction.feasible = feasible;
  r.prediction.time_per_token = time;
  r.prediction.energy_per_token = energy;
  r.objective = time;
  return r;
}

TEST(Pareto, HandExample) {
  // (time, energy): A(1,5) B(2,3) C(2,4) D(3,3) E(4,1) F(4,1) G(5,0.5), and an infeasible
  // H(0.5,0.5) that would dominate everything if it counted.
  std::vector<RankedCandidate> r = {point(0, 1, 5),   point(1, 2, 3),           point(2, 2, 4),
                                    point(3, 3, 3),   point(4, 4, 1),           point(5, 4, 1),
                                    point(6, 5, 0.5), point(7, 0.5, 0.5, false)};
  mark_pareto(r);
  // C is beaten by B (same time, less energy); D by B (faster, same energy); E and F are
  // equal and both stay; G trades time for energy.
  const bool expected[] = {true, true, false, false, true, true, true, false};
  for (std::size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i].pareto, expected[i]) << "point " << i;
}

TEST(Pareto, SinglePointAndEmpty) {
  std::vector<RankedCandidate> none;
  mark_pareto(none);
  std::vector<RankedCandidate> one = {point(0, 1, 1)};
  mark_pareto(one);
  EXPECT_TRUE(one[0].pareto);
}

TEST(Rank, FeasibleByObjectiveThenTiesByCandidateThenInfeasible) {
  std::vector<RankedCandidate> r = {point(2, 3, 0), point(1, 3, 0), point(0, 9, 0, false), point(0, 1, 0),
                                    point(0, 2, 0, false, 0)};
  rank(r);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].candidate.variant, 0);
  EXPECT_DOUBLE_EQ(r[0].objective, 1);
  EXPECT_EQ(r[1].candidate.variant, 1);  // tie at 3: lower variant first
  EXPECT_EQ(r[2].candidate.variant, 2);
  EXPECT_FALSE(r[3].prediction.feasible);
  EXPECT_EQ(r[3].candidate.gamma, 0);  // infeasible in candidate order: gamma 0 before 1
  EXPECT_FALSE(r[4].prediction.feasible);
}

TEST(Baseline, PrefersFeasibleGammaZero) {
  std::vector<RankedCandidate> r = {point(0, 1, 0), point(0, 2, 0, true, 0), point(0, 3, 0, false, 0)};
  EXPECT_EQ(best_baseline_index(r), 1u);
  r[1].prediction.feasible = false;
  EXPECT_EQ(best_baseline_index(r), 1u);  // no feasible baseline: the first gamma 0 row
}

TEST(DesignSpace, PaperCoarseCount) {
  SpaceShape shape;
  shape.variants = 6;
  shape.pus = 2;
  shape.draft_subgraphs = 18;
  shape.target_subgraphs = 30;
  shape.gamma_max = 8;
  EXPECT_DOUBLE_EQ(design_space_size(shape), 216);
  EXPECT_EQ(design_space_formula(shape), "v=6 x N=2^m=2 x 9 gammas = 216");
  shape.granularity = Granularity::fine;
  EXPECT_DOUBLE_EQ(design_space_size(shape), 6 * std::pow(2.0, 48) * 9);
}

TEST(DesignSpace, WholeModelCandidates) {
  const auto g0 = whole_model_candidates(1, 0, Schedule::sequential, 3, 2, 4);
  ASSERT_EQ(g0.size(), 3u);
  EXPECT_EQ(g0[2].mapping.draft, (std::vector<int>{-1, -1}));
  EXPECT_EQ(g0[2].mapping.target, (std::vector<int>{2, 2, 2, 2}));
  const auto g2 = whole_model_candidates(1, 2, Schedule::sequential, 3, 2, 4);
  ASSERT_EQ(g2.size(), 9u);
  EXPECT_EQ(g2[5].mapping.draft, (std::vector<int>{1, 1}));
  EXPECT_EQ(g2[5].mapping.target, (std::vector<int>{2, 2, 2, 2}));
}

}  // namespace
}  // namespace specmap

namespace specmap {
namespace {

// The search ranks with Eq. 1's tie rule: a speculative candidate that is faster only by
// rounding (alpha = c gives S = 1.0000000000000002 at gamma 1) does not beat gamma 0.
TEST(RankingTieRule, RoundingTieKeepsSpeculationOff) {
  const double t = 0.125;
  const double speculative = t / 1.0000000000000002;
  ASSERT_LT(speculative, t);
  std::vector<RankedCandidate> r;
  RankedCandidate fast;
  fast.candidate.gamma = 1;
  fast.candidate.mapping.target = {0};
  fast.prediction.feasible = true;
  fast.objective = speculative;
  RankedCandidate baseline = fast;
  baseline.candidate.gamma = 0;
  baseline.objective = t;
  r = {fast, baseline};
  search_detail::rank(r);
  EXPECT_EQ(r[0].candidate.gamma, 0);
  // A real gain is not a tie.
  r[0].objective = t;
  r[1].objective = t * (1 - 1e-9);
  search_detail::rank(r);
  EXPECT_EQ(r[0].candidate.gamma, 1);
}

}  // namespace
}  // namespace specmap
