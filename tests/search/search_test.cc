// search() against exhaustive enumeration through predict(), and its bookkeeping.
#include "search/search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "search_fixtures.h"

namespace specmap {
namespace {

using search_testing::small_study;
using search_testing::Study;

// Every mapping of every subgraph of (variant, gamma): at gamma 0 the draft is not placed.
std::vector<Candidate> every_mapping(const Study& s, int variant, int gamma) {
  const std::size_t nd = gamma > 0 ? s.draft.subgraphs.size() : 0;
  const std::size_t n = nd + s.target.subgraphs.size();
  const int pus = static_cast<int>(s.soc.pus.size());
  std::vector<Candidate> out;
  std::vector<int> a(n, 0);
  while (true) {
    Candidate c;
    c.variant = variant;
    c.gamma = gamma;
    c.mapping.draft = gamma > 0 ? std::vector<int>(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(nd))
                                : std::vector<int>(s.draft.subgraphs.size(), -1);
    c.mapping.target.assign(a.begin() + static_cast<std::ptrdiff_t>(nd), a.end());
    out.push_back(c);
    std::size_t i = 0;
    while (i < n && ++a[i] == pus) a[i++] = 0;
    if (i == n) break;
  }
  return out;
}

struct Costed {
  Candidate candidate;
  Prediction prediction;
};

std::vector<Costed> enumerate_all(const Study& s, int gamma_max) {
  std::vector<Costed> all;
  const CostInputs in = s.inputs(CostMode::extended);
  for (int v = 0; v < static_cast<int>(s.soc.variants.size()); ++v)
    for (int g = 0; g <= gamma_max; ++g)
      for (const Candidate& c : every_mapping(s, v, g)) all.push_back({c, predict(in, c)});
  return all;
}

double value(const Prediction& p, Objective o) {
  return o == Objective::latency ? p.time_per_token : p.energy_per_token;
}

// Least objective per (variant, gamma) among feasible candidates within the bound.
std::map<std::pair<int, int>, double> best_per_point(const std::vector<Costed>& all, Objective o,
                                                     double bound_s) {
  std::map<std::pair<int, int>, double> best;
  for (const Costed& c : all) {
    if (!c.prediction.feasible || c.prediction.time_per_token > bound_s) continue;
    const auto key = std::make_pair(c.candidate.variant, c.candidate.gamma);
    const double v = value(c.prediction, o);
    auto it = best.find(key);
    if (it == best.end() || v < it->second) best[key] = v;
  }
  return best;
}

class FineSearch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    study_ = small_study(kGpuMemoryGb).release();
    all_ = new std::vector<Costed>(enumerate_all(*study_, kGammaMax));
  }
  static void TearDownTestSuite() {
    delete all_;
    delete study_;
  }

  static SearchResult run(Objective objective, double bound_ms = 0) {
    SearchOptions o;
    o.mode = CostMode::extended;
    o.granularity = Granularity::fine;
    o.objective = objective;
    o.latency_bound_ms_per_token = bound_ms;
    o.gamma_max = kGammaMax;
    return search(study_->inputs(CostMode::extended), o);
  }

  void expect_exact(Objective objective, double bound_ms) {
    const double bound_s = bound_ms > 0 ? bound_ms / 1000 : kInfeasible;
    const auto expected = best_per_point(*all_, objective, bound_s);
    const SearchResult r = run(objective, bound_ms);
    std::map<std::pair<int, int>, double> found;
    for (const RankedCandidate& rc : r.ranked) {
      if (!rc.prediction.feasible) continue;
      const auto key = std::make_pair(rc.candidate.variant, rc.candidate.gamma);
      auto it = found.find(key);
      if (it == found.end() || rc.objective < it->second) found[key] = rc.objective;
    }
    ASSERT_EQ(found.size(), expected.size());
    for (const auto& [key, v] : expected) {
      SCOPED_TRACE("variant " + std::to_string(key.first) + " gamma " + std::to_string(key.second));
      ASSERT_TRUE(found.count(key));
      EXPECT_NEAR(found[key], v, 1e-9 * v);
    }
    double global = kInfeasible;
    for (const auto& [key, v] : expected) global = std::min(global, v);
    ASSERT_FALSE(r.ranked.empty());
    ASSERT_TRUE(r.ranked.front().prediction.feasible);
    EXPECT_NEAR(r.ranked.front().objective, global, 1e-9 * global);
  }

  static constexpr double kGpuMemoryGb = 0.0005;
  static constexpr int kGammaMax = 3;
  static Study* study_;
  static std::vector<Costed>* all_;
};

Study* FineSearch::study_ = nullptr;
std::vector<Costed>* FineSearch::all_ = nullptr;

TEST_F(FineSearch, InstanceExercisesMemoryAndDataTypes) {
  int memory = 0, dtype = 0, off = 0, feasible = 0;
  for (const Costed& c : *all_) {
    const std::string& why = c.prediction.infeasible_reason;
    if (c.prediction.feasible)
      ++feasible;
    else if (why.find("memory") != std::string::npos)
      ++memory;
    else if (why.find("cannot run") != std::string::npos)
      ++dtype;
    else if (why.find("is off") != std::string::npos)
      ++off;
  }
  EXPECT_GT(feasible, 0);
  EXPECT_GT(memory, 0) << "the GPU carve-out should be too small for some mappings";
  EXPECT_GT(dtype, 0);
  EXPECT_GT(off, 0);
  // Memory must change an optimum, or the exactness tests would not exercise it.
  auto roomy = small_study(1.0);
  const auto unconstrained =
      best_per_point(enumerate_all(*roomy, kGammaMax), Objective::latency, kInfeasible);
  const auto constrained = best_per_point(*all_, Objective::latency, kInfeasible);
  int changed = 0;
  for (const auto& [key, v] : constrained) changed += v > unconstrained.at(key) * (1 + 1e-9) ? 1 : 0;
  EXPECT_GT(changed, 0);
  // Split mappings must beat whole models somewhere, in time and in energy, or the fine
  // search would have nothing to find.
  for (Objective o : {Objective::latency, Objective::energy}) {
    std::vector<Costed> whole;
    for (const Costed& c : *all_) {
      const auto& d = c.candidate.mapping.draft;
      const auto& t = c.candidate.mapping.target;
      if (std::count(d.begin(), d.end(), d.front()) == static_cast<long>(d.size()) &&
          std::count(t.begin(), t.end(), t.front()) == static_cast<long>(t.size()))
        whole.push_back(c);
    }
    const auto best_whole = best_per_point(whole, o, kInfeasible);
    const auto best_any = best_per_point(*all_, o, kInfeasible);
    int split_wins = 0;
    for (const auto& [key, v] : best_any)
      split_wins += !best_whole.count(key) || v < best_whole.at(key) * (1 - 1e-9) ? 1 : 0;
    EXPECT_GT(split_wins, 0) << "objective " << static_cast<int>(o);
  }
}

TEST_F(FineSearch, LatencyOptimumMatchesEnumeration) { expect_exact(Objective::latency, 0); }

TEST_F(FineSearch, EnergyOptimumMatchesEnumeration) { expect_exact(Objective::energy, 0); }

TEST_F(FineSearch, EnergyUnderLatencyBoundMatchesEnumeration) {
  const auto fastest = best_per_point(*all_, Objective::latency, kInfeasible);
  double global = kInfeasible;
  for (const auto& [key, v] : fastest) global = std::min(global, v);
  for (double factor : {1.02, 1.3, 2.0}) {
    SCOPED_TRACE("bound factor " + std::to_string(factor));
    expect_exact(Objective::energy_under_latency, global * factor * 1000);
  }
}

TEST_F(FineSearch, CandidatesOverTheLatencyBoundAreInfeasibleWithAReason) {
  const auto fastest = best_per_point(*all_, Objective::latency, kInfeasible);
  double global = kInfeasible;
  for (const auto& [key, v] : fastest) global = std::min(global, v);
  const double bound_ms = global * 1.3 * 1000;
  const SearchResult r = run(Objective::energy_under_latency, bound_ms);
  int over = 0;
  for (const RankedCandidate& rc : r.ranked) {
    if (rc.prediction.feasible) {
      EXPECT_LE(rc.prediction.time_per_token * 1000, bound_ms * (1 + 1e-9));
    } else if (rc.prediction.infeasible_reason.find("exceeds latency bound") != std::string::npos) {
      EXPECT_GT(rc.prediction.time_per_token * 1000, bound_ms);
      ++over;
    }
  }
  EXPECT_GT(over, 0);
}

TEST_F(FineSearch, RankingFeasibleFirstByObjectiveThenInfeasibleWithReasons) {
  const SearchResult r = run(Objective::latency);
  bool seen_infeasible = false;
  for (std::size_t i = 0; i < r.ranked.size(); ++i) {
    const RankedCandidate& rc = r.ranked[i];
    if (!rc.prediction.feasible) {
      seen_infeasible = true;
      EXPECT_FALSE(rc.prediction.infeasible_reason.empty());
      continue;
    }
    EXPECT_FALSE(seen_infeasible) << "feasible candidate after an infeasible one at " << i;
    EXPECT_DOUBLE_EQ(rc.objective, rc.prediction.time_per_token);
    if (i > 0 && r.ranked[i - 1].prediction.feasible) {
      EXPECT_LE(r.ranked[i - 1].objective, rc.objective);
    }
  }
  EXPECT_TRUE(seen_infeasible);
}

TEST_F(FineSearch, KeepsEveryWholeModelMappingNextToTheOptimum) {
  const SearchResult r = run(Objective::latency);
  const std::size_t pus = study_->soc.pus.size();
  const std::size_t points = study_->soc.variants.size();
  // Per variant: gamma 0 has N whole-model points, each gamma > 0 has N^2.
  const std::size_t whole = points * (pus + kGammaMax * pus * pus);
  std::size_t counted_whole = 0;
  for (const RankedCandidate& rc : r.ranked) {
    auto uniform = [](const std::vector<int>& m) {
      return std::all_of(m.begin(), m.end(), [&](int p) { return p == m.front(); });
    };
    if (uniform(rc.candidate.mapping.target) && uniform(rc.candidate.mapping.draft)) ++counted_whole;
  }
  EXPECT_EQ(counted_whole, whole);
  EXPECT_LE(r.ranked.size(), whole + points * (kGammaMax + 1));
  EXPECT_EQ(r.evaluated, r.ranked.size());
  for (const RankedCandidate& rc : r.ranked) {
    if (rc.candidate.gamma == 0) {
      EXPECT_EQ(rc.candidate.mapping.draft, std::vector<int>(study_->draft.subgraphs.size(), -1));
    }
  }
}

TEST_F(FineSearch, ParetoFrontIsExactlyTheNonDominatedFeasibleSet) {
  const SearchResult r = run(Objective::latency);
  int front = 0;
  for (const RankedCandidate& a : r.ranked) {
    bool dominated = false;
    for (const RankedCandidate& b : r.ranked) {
      if (!b.prediction.feasible) continue;
      const double ta = a.prediction.time_per_token, ea = a.prediction.energy_per_token;
      const double tb = b.prediction.time_per_token, eb = b.prediction.energy_per_token;
      if (tb <= ta && eb <= ea && (tb < ta || eb < ea)) dominated = true;
    }
    EXPECT_EQ(a.pareto, a.prediction.feasible && !dominated);
    front += a.pareto ? 1 : 0;
  }
  EXPECT_GT(front, 0);
}

TEST_F(FineSearch, BaselineIsTheBestNonSpeculativeCandidate) {
  const SearchResult r = run(Objective::latency);
  ASSERT_LT(r.best_baseline, r.ranked.size());
  const RankedCandidate& base = r.ranked[r.best_baseline];
  EXPECT_EQ(base.candidate.gamma, 0);
  EXPECT_TRUE(base.prediction.feasible);
  const auto expected = best_per_point(*all_, Objective::latency, kInfeasible);
  double best_gamma0 = kInfeasible;
  for (const auto& [key, v] : expected)
    if (key.second == 0) best_gamma0 = std::min(best_gamma0, v);
  EXPECT_NEAR(base.objective, best_gamma0, 1e-9 * best_gamma0);
}

TEST_F(FineSearch, FineSpaceIsCountedFromSubgraphs) {
  const SearchResult r = run(Objective::latency);
  const double m = static_cast<double>(study_->draft.subgraphs.size() + study_->target.subgraphs.size());
  const double expected = 3.0 * std::pow(3.0, m) * (kGammaMax + 1);
  EXPECT_DOUBLE_EQ(r.design_space_size, expected);
  EXPECT_NE(r.design_space_formula.find("v=3"), std::string::npos) << r.design_space_formula;
  EXPECT_NE(r.design_space_formula.find("N=3"), std::string::npos) << r.design_space_formula;
}

// Every field that reaches an output, with floats in hexadecimal so equal text means equal bits.
std::string fingerprint(const SearchResult& r) {
  std::string out = r.design_space_formula + "|" + std::to_string(r.evaluated) + "|" +
                    std::to_string(r.best_baseline) + "\n";
  char buf[128];
  for (const RankedCandidate& rc : r.ranked) {
    const Candidate& c = rc.candidate;
    out += std::to_string(c.variant) + " " + std::to_string(c.gamma) + " " + std::to_string(int(c.schedule)) +
           " d";
    for (int p : c.mapping.draft) out += std::to_string(p) + ",";
    out += " t";
    for (int p : c.mapping.target) out += std::to_string(p) + ",";
    std::snprintf(buf, sizeof buf, " %a %a %a %d %d ", rc.objective, rc.prediction.time_per_token,
                  rc.prediction.energy_per_token, int(rc.pareto), int(rc.prediction.feasible));
    out += buf + rc.prediction.infeasible_reason + "\n";
  }
  return out;
}

TEST_F(FineSearch, IsDeterministic) {
  for (Objective o : {Objective::latency, Objective::energy}) {
    const std::string first = fingerprint(run(o));
    EXPECT_EQ(first, fingerprint(run(o)));
  }
}

// Six variants (1..6 CPU cores with the GPU), two PUs: the paper's 6 * 2^2 mappings x 9 gammas.
Soc paper_like_soc() {
  Soc soc = search_testing::three_pu_soc(1.0);
  soc.pus.pop_back();  // no NPU
  soc.pus[1].memory = "dram";
  soc.memories.pop_back();
  std::vector<Transfer> kept;
  for (const Transfer& t : soc.transfers)
    if (t.from != "npu" && t.to != "npu") kept.push_back(t);
  soc.transfers = kept;
  soc.pus[0].units = 6;
  soc.variants.clear();
  for (int cores = 1; cores <= 6; ++cores)
    soc.variants.push_back(DesignVariant{std::to_string(cores), {cores, 1}});
  return soc;
}

TEST(CoarseSearch, PaperSpaceHasTwoHundredSixteenPoints) {
  auto s = small_study(1.0);
  s->soc = paper_like_soc();
  s->oracle = std::make_unique<LatencyOracle>(s->soc, s->db);
  SearchOptions o;
  o.mode = CostMode::extended;
  o.granularity = Granularity::coarse;
  o.gamma_max = 8;
  const SearchResult r = search(s->inputs(CostMode::extended), o);
  EXPECT_DOUBLE_EQ(r.design_space_size, 216.0);
  EXPECT_NE(r.design_space_formula.find("= 216"), std::string::npos) << r.design_space_formula;
  EXPECT_NE(r.design_space_formula.find("v=6"), std::string::npos) << r.design_space_formula;
  // gamma 0 places no draft, so only the target PU varies there: 6 * (2 + 8 * 4).
  EXPECT_EQ(r.ranked.size(), 204u);
  EXPECT_EQ(r.evaluated, 204u);
  // Coarse means whole models: every row keeps each model on one PU.
  for (const RankedCandidate& rc : r.ranked)
    for (int p : rc.candidate.mapping.target) EXPECT_EQ(p, rc.candidate.mapping.target.front());
}

TEST(CoarseSearch, BestIsTheBestWholeModelMapping) {
  auto s = small_study(1.0);
  SearchOptions o;
  o.mode = CostMode::extended;
  o.granularity = Granularity::coarse;
  o.gamma_max = 4;
  const SearchResult r = search(s->inputs(CostMode::extended), o);
  const CostInputs in = s->inputs(CostMode::extended);
  double best = kInfeasible;
  for (int v = 0; v < 3; ++v)
    for (int g = 0; g <= 4; ++g)
      for (int d = 0; d < 3; ++d)
        for (int t = 0; t < 3; ++t) {
          Candidate c{v,
                      Mapping{g > 0 ? whole_model_on(d, s->draft.subgraphs.size())
                                    : std::vector<int>(s->draft.subgraphs.size(), -1),
                              whole_model_on(t, s->target.subgraphs.size())},
                      g, Schedule::sequential};
          const Prediction p = predict(in, c);
          if (p.feasible) best = std::min(best, p.time_per_token);
        }
  ASSERT_FALSE(r.ranked.empty());
  EXPECT_DOUBLE_EQ(r.ranked.front().objective, best);
}

TEST(CoarseSearch, PaperModeFallsBackToWholeModelsAndSaysSo) {
  auto s = small_study(1.0);
  SearchOptions o;
  o.mode = CostMode::paper;
  o.granularity = Granularity::fine;
  o.gamma_max = 2;
  const SearchResult r = search(s->inputs(CostMode::paper), o);
  EXPECT_NE(r.design_space_formula.find("paper mode"), std::string::npos) << r.design_space_formula;
  EXPECT_DOUBLE_EQ(r.design_space_size, 3.0 * 9.0 * 3.0);
  EXPECT_EQ(r.ranked.size(), 3u * (3 + 2 * 9));
}

TEST(CoarseSearch, GammaZeroIsCostedOnceWhateverTheSchedules) {
  auto s = small_study(1.0);
  SearchOptions o;
  o.gamma_max = 1;
  o.schedules = {Schedule::sequential, Schedule::overlapped};
  const SearchResult r = search(s->inputs(CostMode::extended), o);
  std::size_t gamma0 = 0;
  for (const RankedCandidate& rc : r.ranked) {
    if (rc.candidate.gamma != 0) continue;
    ++gamma0;
    EXPECT_EQ(rc.candidate.schedule, Schedule::sequential);
  }
  EXPECT_EQ(gamma0, 3u * 3u);
  EXPECT_DOUBLE_EQ(r.design_space_size, 3.0 * 9.0 * 2.0 * 2.0);
  EXPECT_NE(r.design_space_formula.find("2 schedules"), std::string::npos) << r.design_space_formula;
}

}  // namespace
}  // namespace specmap
