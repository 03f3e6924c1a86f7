#pragma once
// Profile points re-measured beside the cases ("fresh"), so a prediction's inputs are paired
// in time with the runs it is compared with. Before a group's cases in every round (one design
// variant and mapping: one pair of built models), the points that group's predictions read are
// timed once each, in passes of their own, never the cases' runs. Over the rounds they become
// profile entries (median of the rounds times the model's tail factor, below; stddev: the
// standard error of that median, scaled alike), which replace the committed profile's entries of the same series and point. A group with
// overlapped cases also re-measures its contention (each role's slowdown beside the other
// role's own work, runtime/measure/contention_points.h), which replaces the committed
// profile's contention of the same PUs and role; what the group does not re-measure
// (transfers, other PUs) stays the committed profile's.
#include <array>
#include <map>
#include <string>
#include <vector>

#include "core/units.h"
#include "cost/mapping.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "describe/workload.h"
#include "profile/latency_oracle.h"
#include "profile/profile_db.h"
#include "runtime/measure/contention_points.h"
#include "runtime/measure/pass_points.h"

namespace specmap {

// The (new tokens, context) points of the draft's and the target's passes that the cost model
// reads for `gammas` on `workload` (prefill, drafting steps, verification of gamma + 1 rows),
// over the whole range of acceptance (the plan's quadrature lengths depend on it).
struct GroupPoints {
  std::vector<PassPoint> draft;
  std::vector<PassPoint> target;
};
GroupPoints points_needed(const Workload& workload, const std::vector<int>& gammas);

// The same points as one sequence of both models' passes in the order the speculative loop
// runs them, so each is timed with the caches, the device and the thread pools as the loop
// leaves them. Per quadrature length L of the plans (ascending) and per gamma of the group at
// L (largest first): two untimed rounds of that gamma (its drafting steps, then the target's
// verification of them; for gamma 0 the target's step alone), then the timed round, so each
// verification follows as many drafter passes as in its case's loop, round after round (the
// first drafting step right after a target pass, the others after the draft's own step);
// with a KV cache then the draft's 2-token catch-up step at L (after a target pass, and an
// untimed target step after it). With a KV cache the first round's passes come first (the
// draft's prompt step, then the target's prompt and drafts: the plan's prefill ones). Every
// point of points_needed() is timed exactly once;
// `draft_runs` false (no drafter built): only the target's passes.
std::vector<runtime::SequencedPass> loop_order(const Workload& workload, const std::vector<int>& gammas,
                                               bool draft_runs);

// What a group's contention measurement runs: the drafting step and the verification of the
// median of `gammas` above 0 (the factor is one per role, not per gamma) at the sequence length
// halfway through generation, where the predictor takes its mid-generation pass. Without a KV
// cache both are whole-sequence passes, the verification sampling gamma + 1 rows.
runtime::ContentionShape contention_shape(const Workload& workload, const std::vector<int>& gammas);

// Re-measured samples of one group's points, round after round.
class FreshSamples {
 public:
  // One round's timings of one model (draft == true: the draft).
  void add(bool draft, const std::vector<runtime::PassPointTiming>& timings);
  [[nodiscard]] int rounds(bool draft) const { return rounds_[draft ? 0 : 1]; }
  [[nodiscard]] bool empty() const { return rounds_[0] == 0 && rounds_[1] == 0; }
  // One round's contention timings.
  void add_contention(const runtime::ContentionTimings& timings);
  [[nodiscard]] int contention_rounds() const { return contention_rounds_; }

  // The mean pass over the median pass of one model's points: the mean over all its forward
  // samples of sample / its point's median, at least 1, each ratio at most kMaxTailRatio (the
  // stall factor of docs/validation.md: a pass beyond it stalled, which the model does not
  // predict, and one pass that another process held up for a second cannot outweigh the
  // hundreds of a group's rounds: with 300 samples one counts at most 0.7%). The
  // points are medians of their rounds, while a generation pays the mean of its passes; on a
  // machine whose passes now and then take longer (docs/validation.md, "The typical pass")
  // predictions from medians came out fast by that tail (host, 2026-12-04: 1-5% of the time,
  // most on two cores). 1 without samples.
  static constexpr double kMaxTailRatio = 3.0;
  [[nodiscard]] double tail_factor(bool draft) const;

  // The entries these samples give: per subgraph on its PU, and the whole forward pass when
  // the model sits on one PU; their median (and stddev) times the model's tail_factor().
  [[nodiscard]] std::vector<ProfileEntry> entries(const Soc& soc, int variant, const ModelGraph& draft,
                                                  const ModelGraph& target, const Mapping& mapping) const;
  // The contention entries these samples give (none without contention rounds): each role's
  // reference alone and beside, on every PU of the role against every PU of the other role,
  // so whichever PU the predictor takes as the role's finds them.
  [[nodiscard]] std::vector<ContentionEntry> contention_entries(const Soc& soc, int variant,
                                                                const Mapping& mapping) const;

 private:
  // [role][point] -> samples of the forward pass and of every subgraph
  struct Samples {
    std::vector<Seconds> forward;
    std::vector<std::vector<Seconds>> subgraphs;
  };
  std::array<std::map<PassPoint, Samples>, 2> samples_;
  std::array<int, 2> rounds_ = {0, 0};
  runtime::ContentionTimings contention_;
  int contention_rounds_ = 0;
};

// `stale` with every entry of `fresh` in place of the entry of the same level, model, key, PU,
// units and point (added where the stale profile has none), and every contention entry of
// `fresh_contention` in place of those of the same PU, units, PU beside, its units and role.
ProfileDb with_fresh_entries(const ProfileDb& stale, const std::vector<ProfileEntry>& fresh,
                             const std::vector<ContentionEntry>& fresh_contention = {});

// Median of fresh / committed - 1 over the re-measured entries of `model`, the committed figure
// being what `stale` (the committed profile's oracle) gives at the same point (0 when none):
// how far the machine has moved since the committed profile.
double profile_drift(const LatencyOracle& stale, const ModelGraph& model,
                     const std::vector<ProfileEntry>& fresh);

}  // namespace specmap
