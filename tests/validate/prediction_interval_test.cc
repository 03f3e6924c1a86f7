// Prediction intervals: they contain the prediction, widen with the acceptance estimate's
// error and with the profiles' spread, and reduce to the profile term at gamma 0.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cost/mapping.h"
#include "study/study.h"
#include "validate/prediction_interval.h"

namespace specmap {
namespace {

struct Fixture {
  Study study;
  std::unique_ptr<LatencyOracle> oracle;
  [[nodiscard]] CostInputs inputs() const {
    return CostInputs{study.soc, study.draft, study.target, study.workload, *oracle, CostMode::extended};
  }
  [[nodiscard]] Candidate candidate(int gamma) const {
    return Candidate{0, Mapping{whole_model_on(0, study.draft.subgraphs.size()),
                                whole_model_on(0, study.target.subgraphs.size())},
                     gamma, Schedule::sequential};
  }
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    auto study = load_study(std::string(SPECMAP_SOURCE_DIR) + "/configs/experiments/host-validate-40m-kv.yaml");
    EXPECT_TRUE(study.ok()) << study.error().format();
    out.study = std::move(study).value();
    out.oracle = std::make_unique<LatencyOracle>(out.study.soc, out.study.profiles);
    return out;
  }();
  return f;
}

TEST(PredictionInterval, ContainsThePredictionAndNarrowsWithEvidence) {
  const Fixture& f = fixture();
  const IntervalPrediction few = predict_with_interval(f.inputs(), f.candidate(4), {0.7, 20});
  const IntervalPrediction many = predict_with_interval(f.inputs(), f.candidate(4), {0.7, 20000});
  ASSERT_TRUE(few.prediction.feasible);
  const Seconds t = few.prediction.time_per_token;
  EXPECT_NEAR(many.prediction.time_per_token, t, 1e-15);
  EXPECT_LT(few.interval.low, t);
  EXPECT_GT(few.interval.high, t);
  EXPECT_LT(few.interval.low, many.interval.low);
  EXPECT_GT(few.interval.high, many.interval.high);
  // With an exact acceptance only the profile term is left: symmetric, z90 standard deviations.
  const IntervalPrediction exact = predict_with_interval(f.inputs(), f.candidate(4), {0.7, 0});
  const Seconds half = kZ90 * exact.prediction.time_per_token_stddev;
  EXPECT_GT(half, 0);
  EXPECT_NEAR(exact.interval.high - t, half, 1e-12);
  EXPECT_NEAR(t - exact.interval.low, half, 1e-12);
}

TEST(PredictionInterval, DriftWidensBothSidesByItsShare) {
  const Fixture& f = fixture();
  const IntervalPrediction steady = predict_with_interval(f.inputs(), f.candidate(0), {0.7, 0});
  const IntervalPrediction drifting = predict_with_interval(f.inputs(), f.candidate(0), {0.7, 0}, 0.1);
  const Seconds t = steady.prediction.time_per_token;
  const Seconds profile_half = steady.interval.high - t;
  EXPECT_NEAR(drifting.interval.high - t, std::hypot(profile_half, 0.1 * t), 1e-12);
  EXPECT_NEAR(t - drifting.interval.low, std::hypot(profile_half, 0.1 * t), 1e-12);
}

TEST(PredictionInterval, PredictsAtTheGivenAcceptance) {
  const Fixture& f = fixture();
  const IntervalPrediction low = predict_with_interval(f.inputs(), f.candidate(4), {0.3, 0});
  const IntervalPrediction high = predict_with_interval(f.inputs(), f.candidate(4), {0.9, 0});
  EXPECT_GT(low.prediction.time_per_token, high.prediction.time_per_token);
  // gamma 0 does not depend on acceptance at all.
  const IntervalPrediction a = predict_with_interval(f.inputs(), f.candidate(0), {0.3, 10});
  const IntervalPrediction b = predict_with_interval(f.inputs(), f.candidate(0), {0.9, 10});
  EXPECT_NEAR(a.prediction.time_per_token, b.prediction.time_per_token, 1e-15);
  EXPECT_NEAR(a.interval.high - a.prediction.time_per_token, kZ90 * a.prediction.time_per_token_stddev, 1e-12);
}

// Runs of `iterations` iterations drafting `gamma` tokens each at acceptance `alpha`: the alpha
// whose expected accepted drafts per iteration equal a run's mean scatters around the run's
// Leviathan estimate with conditional_alpha_variance.
TEST(PredictionInterval, ConditionalAcceptanceVarianceMatchesSimulatedRuns) {
  const auto expected_accepted = [](double a, int gamma) {
    double sum = 0, power = 1;
    for (int j = 1; j <= gamma; ++j) sum += power *= a;
    return sum;
  };
  for (const int gamma : {2, 4, 8}) {
    for (const double alpha : {0.5, 0.8}) {
      std::mt19937_64 rng(1234 + gamma);
      std::bernoulli_distribution accept(alpha);
      constexpr int kRuns = 4000, kIterations = 150;
      double squares = 0, trials_sum = 0;
      for (int run = 0; run < kRuns; ++run) {
        long accepted = 0, rejections = 0;
        for (int i = 0; i < kIterations; ++i) {
          int k = 0;
          while (k < gamma && accept(rng)) ++k;
          accepted += k;
          rejections += k < gamma ? 1 : 0;
        }
        const double estimate = static_cast<double>(accepted) / static_cast<double>(accepted + rejections);
        const double mean_k = static_cast<double>(accepted) / kIterations;
        double lo = 0, hi = 1;  // f is increasing: bisect for f(a) = mean_k
        for (int step = 0; step < 60; ++step) {
          const double mid = 0.5 * (lo + hi);
          (expected_accepted(mid, gamma) < mean_k ? lo : hi) = mid;
        }
        squares += (0.5 * (lo + hi) - estimate) * (0.5 * (lo + hi) - estimate);
        trials_sum += static_cast<double>(accepted + rejections);
      }
      const double simulated = squares / kRuns;
      const double predicted = conditional_alpha_variance(alpha, gamma, trials_sum / kRuns);
      EXPECT_NEAR(predicted / simulated, 1.0, 0.12) << "gamma " << gamma << " alpha " << alpha;
      // Far below the estimate's own error: the runs made the drafts the estimate counts.
      EXPECT_LT(predicted, 0.5 * alpha * (1 - alpha) / (trials_sum / kRuns));
    }
  }
  // One draft per iteration: every iteration is one trial, the runs' mean is the estimate.
  EXPECT_NEAR(conditional_alpha_variance(0.7, 1, 100), 0.0, 1e-15);
  EXPECT_EQ(conditional_alpha_variance(0.0, 4, 100), 0.0);
  EXPECT_EQ(conditional_alpha_variance(1.0, 4, 100), 0.0);
}

TEST(PredictionInterval, RunsOwnAcceptanceNarrowsTheAcceptanceTerm) {
  const Fixture& f = fixture();
  const IntervalPrediction apart = predict_with_interval(f.inputs(), f.candidate(4), {0.7, 200});
  const IntervalPrediction same = predict_with_interval(f.inputs(), f.candidate(4), {0.7, 200, false, true});
  const IntervalPrediction exact = predict_with_interval(f.inputs(), f.candidate(4), {0.7, 0});
  const Seconds t = same.prediction.time_per_token;
  EXPECT_NEAR(apart.prediction.time_per_token, t, 1e-15);
  EXPECT_LT(apart.interval.low, same.interval.low);
  EXPECT_GT(apart.interval.high, same.interval.high);
  EXPECT_LT(same.interval.low, exact.interval.low);
  EXPECT_GT(same.interval.high, exact.interval.high);
}

}  // namespace
}  // namespace specmap
