#include "validate/fresh_profile.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "cost/placement.h"
#include "cost/workload_passes.h"
#include "study/study.h"

namespace specmap {

namespace {

using PointKey = std::tuple<ProfileLevel, std::string, std::string, std::string, int, Tokens, Tokens, Tokens>;

PointKey key_of(const ProfileEntry& e) {
  return {e.level, e.model, e.key, e.pu, e.units, e.new_tokens, e.context, e.rows};
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

ProfileStats stats_of(const std::vector<Seconds>& samples) {
  ProfileStats s;
  const auto n = static_cast<double>(samples.size());
  s.repetitions = static_cast<int>(samples.size());
  s.median = median_of(samples);
  double sum = 0;
  for (Seconds v : samples) sum += v;
  s.mean = n > 0 ? sum / n : 0;
  if (samples.size() >= 2) {
    // The prediction reads the rounds' median, so its uncertainty is the median's standard
    // error, not one round's spread: 1.2533 sigma / sqrt(n) for normal rounds, with sigma
    // estimated robustly as 1.4826 x the median absolute deviation. A round that another
    // process slowed ten times moves neither the median nor this estimate, while it would
    // dominate the rounds' standard deviation and widen every interval built on the point.
    std::vector<double> deviations;
    deviations.reserve(samples.size());
    for (Seconds v : samples) deviations.push_back(std::fabs(v - s.median));
    constexpr double kNormalSigmaPerMad = 1.4826;
    constexpr double kMedianErrorPerMeanError = 1.2533;  // sqrt(pi / 2)
    s.stddev =
        kMedianErrorPerMeanError * kNormalSigmaPerMad * median_of(std::move(deviations)) / std::sqrt(n);
  }
  return s;
}

}  // namespace

namespace {

// Every pass plan of `gammas` over the whole range of alpha: the quadrature lengths follow the
// iteration count, which moves with alpha.
template <typename Visit>
void for_each_plan(const Workload& workload, const std::vector<int>& gammas, Visit visit) {
  Workload at = workload;
  const std::set<double> alphas = {0.0, 0.25, 0.5, 0.75, 1.0, workload.mean_alpha()};
  for (double alpha : alphas) {
    set_alpha(at, alpha);
    for (int gamma : gammas) visit(gamma, cost_internal::plan_passes(at, gamma));
  }
}

}  // namespace

GroupPoints points_needed(const Workload& workload, const std::vector<int>& gammas) {
  std::set<PassPoint> points[2];
  for_each_plan(workload, gammas, [&](int, const cost_internal::PassPlan& plan) {
    for (const cost_internal::Pass& p : plan.passes)
      points[p.role == cost_internal::kDraft ? 0 : 1].insert(PassPoint{p.new_tokens, p.context, p.rows});
  });
  return GroupPoints{{points[0].begin(), points[0].end()}, {points[1].begin(), points[1].end()}};
}

// Untimed rounds of a gamma before the one loop_order times, at most: time_pass_sequence runs
// runtime::kMinLeadRounds of them and the rest until they took runtime::kLeadSeconds.
constexpr int kMaxLeadRounds = 16;

std::vector<runtime::SequencedPass> loop_order(const Workload& workload, const std::vector<int>& gammas,
                                               bool draft_runs) {
  const bool kv = workload.kv_cache;
  const GroupPoints needed = points_needed(workload, gammas);
  const std::set<PassPoint> wanted[2] = {{needed.draft.begin(), needed.draft.end()},
                                         {needed.target.begin(), needed.target.end()}};
  // The plans' iterations: sequence length L when one starts -> the numbers of drafts verified there.
  // A verification of gamma drafts at L is (gamma + 1, L - 1) with a cache (the target holds
  // all but the token the last iteration emitted), the whole sequence (L + gamma, 0) sampling
  // gamma + 1 rows without (cost/workload_passes.cc). The first iteration's passes take in the
  // prompt and are the plan's prefill ones.
  std::map<Tokens, std::set<int>> iterations;
  for_each_plan(workload, gammas, [&](int /*gamma*/, const cost_internal::PassPlan& plan) {
    for (const cost_internal::Pass& p : plan.passes)
      if (p.role == cost_internal::kTarget && !p.prefill) {
        // The drafts it verifies: gamma, or fewer in a generation's last iterations.
        const int drafts =
            kv ? static_cast<int>(p.new_tokens - 1) : (p.rows > 0 ? static_cast<int>(p.rows - 1) : 0);
        iterations[kv ? p.context + 1 : p.new_tokens - drafts].insert(drafts);
      }
  });
  auto draft_step = [&](Tokens length, int j) {  // the (j + 1)-th drafting step of an iteration at `length`
    return kv ? PassPoint{1, length + j - 1, 0} : PassPoint{length + j, 0, 0};
  };
  // With a cache, the first drafting step after an iteration that kept all its drafts.
  auto catch_up_step = [](Tokens length) { return PassPoint{2, length - 2, 1}; };
  auto verification = [&](Tokens length, int gamma) {
    return kv ? PassPoint{gamma + 1, length - 1, 0} : PassPoint{length + gamma, 0, gamma > 0 ? gamma + 1 : 0};
  };

  std::vector<runtime::SequencedPass> sequence;
  std::set<PassPoint> timed[2];
  auto add = [&](bool draft, const PassPoint& p, bool time_it, int lead_round = -1) {
    if (draft && !draft_runs) return;
    const int role = draft ? 0 : 1;
    const bool timed_here = time_it && wanted[role].count(p) > 0 && timed[role].insert(p).second;
    sequence.push_back(runtime::SequencedPass{draft, p, timed_here, lead_round});
  };
  if (kv) {
    for (const PassPoint& p : needed.draft)
      if (p.context == 0) add(true, p, true);
    for (const PassPoint& p : needed.target)
      if (p.context == 0) add(false, p, true);
  }
  for (const auto& [length, verified] : iterations) {
    const int largest = *verified.rbegin();
    // Each gamma as one round of its own (its drafting steps, then the target's pass), after
    // untimed lead rounds of the same gamma (runtime::kMinLeadRounds, and more until they took
    // runtime::kLeadSeconds; runtime/measure/pass_points.h): what runs between two target passes decides
    // how much of the target's weights the last-level cache still holds, and the loop of a
    // gamma-g case runs g drafter passes between them, round after round. Measured on this
    // project's 2-core VM (host-target-40m, one core): gamma-0 steps 3.6-4.2 ms in a run of
    // their own, 5.6-6.2 ms right after the drafter's steps and a verification; timed after a
    // single drafter step, verifications of 2..8 drafts came out 10-16% faster than in their
    // cases' loops. Largest gamma first, so its drafting steps (every step point at this
    // length) are timed in its round.
    for (auto g = verified.rbegin(); g != verified.rend(); ++g) {
      for (int lead = 0; lead <= kMaxLeadRounds; ++lead) {
        const bool timed_round = lead == kMaxLeadRounds;
        const int lead_round = timed_round ? -1 : lead;
        for (int j = 0; j < *g; ++j) add(true, draft_step(length, j), timed_round, lead_round);
        add(false, verification(length, *g), timed_round, lead_round);
      }
    }
    // The drafter's 2-token catch-up follows a target pass in the loop too; an untimed target
    // step after it leaves the next length's first passes after a target pass as well.
    if (kv && largest > 0 && length >= 2 && wanted[0].count(catch_up_step(length))) {
      add(true, catch_up_step(length), true);
      add(false, verification(length, 0), false);
    }
  }
  // Points the iterations above do not reach (with a cache, the first round's drafting steps
  // after its prompt step, when no later round starts at the prompt's length): timed at the
  // end rather than dropped.
  for (int role = 0; role < 2; ++role)
    for (const PassPoint& p : wanted[role])
      if (!timed[role].count(p)) add(role == 0, p, true);
  return sequence;
}

runtime::ContentionShape contention_shape(const Workload& workload, const std::vector<int>& gammas) {
  std::vector<int> speculative;
  for (int g : gammas)
    if (g > 0) speculative.push_back(g);
  std::sort(speculative.begin(), speculative.end());
  const int gamma = speculative.empty() ? 1 : speculative[(speculative.size() - 1) / 2];
  double weighted = 0, weights = 0;
  for (const WorkloadSample& s : workload.samples) {
    weighted +=
        s.weight * (static_cast<double>(s.prompt_tokens) + 0.5 * static_cast<double>(s.generate_tokens));
    weights += s.weight;
  }
  const Tokens length = std::max<Tokens>(1, weights > 0 ? std::llround(weighted / weights) : 1);
  runtime::ContentionShape shape;
  if (workload.kv_cache) {
    shape.draft_step = PassPoint{1, length, 0};
    shape.verification = PassPoint{gamma + 1, length, 0};
  } else {
    shape.draft_step = PassPoint{length + 1, 0, 0};
    shape.verification = PassPoint{length + gamma, 0, gamma + 1};
  }
  return shape;
}

void FreshSamples::add_contention(const runtime::ContentionTimings& timings) {
  auto append = [](std::vector<Seconds>& to, const std::vector<Seconds>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  append(contention_.draft_alone, timings.draft_alone);
  append(contention_.draft_beside, timings.draft_beside);
  append(contention_.target_alone, timings.target_alone);
  append(contention_.target_beside, timings.target_beside);
  ++contention_rounds_;
}

std::vector<ContentionEntry> FreshSamples::contention_entries(const Soc& soc, int variant,
                                                              const Mapping& mapping) const {
  std::vector<ContentionEntry> out;
  if (contention_rounds_ == 0) return out;
  const std::set<int> pus[2] = {{mapping.draft.begin(), mapping.draft.end()},
                                {mapping.target.begin(), mapping.target.end()}};
  std::set<std::tuple<std::string, std::string, std::string>> added;  // (pu, beside, role)
  auto add = [&](const std::string& role, int pu, int beside, const std::vector<Seconds>& samples) {
    if (samples.empty()) return;
    ContentionEntry e;
    e.pu = soc.pus[static_cast<std::size_t>(pu)].id;
    e.units = cost_internal::units_in_variant(soc, variant, pu);
    if (beside >= 0) {
      e.beside = soc.pus[static_cast<std::size_t>(beside)].id;
      e.beside_units = cost_internal::units_in_variant(soc, variant, beside);
    }
    e.role = role;
    e.stats = stats_of(samples);
    e.file = "validation (fresh contention)";
    if (added.insert({e.pu, e.beside, e.role}).second) out.push_back(std::move(e));
  };
  for (int role = 0; role < 2; ++role) {
    const std::string name = role == 0 ? "draft" : "target";
    const auto& alone = role == 0 ? contention_.draft_alone : contention_.target_alone;
    const auto& beside = role == 0 ? contention_.draft_beside : contention_.target_beside;
    for (int pu : pus[role]) {
      if (pu < 0 || pus[1 - role].count(pu)) continue;  // sharing a PU never overlaps
      add(name, pu, -1, alone);
      for (int other : pus[1 - role])
        if (other >= 0) add(name, pu, other, beside);
    }
  }
  return out;
}

void FreshSamples::add(bool draft, const std::vector<runtime::PassPointTiming>& timings) {
  auto& by_point = samples_[draft ? 0 : 1];
  for (const runtime::PassPointTiming& t : timings) {
    Samples& s = by_point[t.point];
    s.forward.push_back(t.forward);
    if (s.subgraphs.size() < t.subgraphs.size()) s.subgraphs.resize(t.subgraphs.size());
    for (std::size_t i = 0; i < t.subgraphs.size(); ++i)
      if (t.subgraphs[i] >= 0) s.subgraphs[i].push_back(t.subgraphs[i]);
  }
  ++rounds_[draft ? 0 : 1];
}

double FreshSamples::tail_factor(bool draft) const {
  // Each sample against its own point's median, pooled over the role's points: the points
  // share the machine's tail (interrupts, the odd stalled pass), and a few hundred samples
  // estimate its mean where one point's handful of rounds cannot.
  double sum = 0;
  std::size_t n = 0;
  for (const auto& [point, s] : samples_[draft ? 0 : 1]) {
    const double median = median_of(s.forward);
    if (!(median > 0)) continue;
    for (Seconds t : s.forward) {
      sum += std::min(t / median, kMaxTailRatio);
      ++n;
    }
  }
  return n > 0 ? std::max(sum / static_cast<double>(n), 1.0) : 1.0;
}

std::vector<ProfileEntry> FreshSamples::entries(const Soc& soc, int variant, const ModelGraph& draft,
                                                const ModelGraph& target, const Mapping& mapping) const {
  std::vector<ProfileEntry> out;
  for (int role = 0; role < 2; ++role) {
    const double tail = tail_factor(role == 0);
    const ModelGraph& model = role == 0 ? draft : target;
    const std::vector<int>& pus = role == 0 ? mapping.draft : mapping.target;
    if (pus.size() != model.subgraphs.size()) continue;
    const bool one_pu = std::all_of(pus.begin(), pus.end(), [&](int pu) { return pu == pus.front(); });
    auto entry = [&](ProfileLevel level, const std::string& key, int pu, const PassPoint& p,
                     const std::vector<Seconds>& samples) {
      ProfileEntry e;
      e.level = level;
      e.model = model.name;
      e.key = key;
      e.pu = soc.pus[static_cast<std::size_t>(pu)].id;
      e.units = cost_internal::units_in_variant(soc, variant, pu);
      e.new_tokens = p.new_tokens;
      e.context = p.context;
      e.rows = p.rows;
      e.stats = stats_of(samples);
      // The loop pays every pass, tail included: the expected pass, not the typical one.
      e.stats.median *= tail;
      e.stats.stddev *= tail;
      e.origin = EntryOrigin::measured;
      e.note = "re-measured beside the validation's cases (rounds' median x the model's tail factor)";
      e.file = "validation (fresh points)";
      out.push_back(std::move(e));
    };
    for (const auto& [point, s] : samples_[static_cast<std::size_t>(role)]) {
      if (one_pu && !s.forward.empty())
        entry(ProfileLevel::forward, "forward", pus.front(), point, s.forward);
      for (std::size_t i = 0; i < s.subgraphs.size() && i < model.subgraphs.size(); ++i)
        if (!s.subgraphs[i].empty())
          entry(ProfileLevel::subgraph, model.subgraphs[i].name, pus[i], point, s.subgraphs[i]);
    }
  }
  return out;
}

ProfileDb with_fresh_entries(const ProfileDb& stale, const std::vector<ProfileEntry>& fresh,
                             const std::vector<ContentionEntry>& fresh_contention) {
  std::set<PointKey> replaced;
  for (const ProfileEntry& e : fresh) replaced.insert(key_of(e));
  ProfileDb db = stale;
  db.entries.clear();
  db.entries.reserve(stale.entries.size() + fresh.size());
  for (const ProfileEntry& e : stale.entries)
    if (!replaced.count(key_of(e))) db.entries.push_back(e);
  db.entries.insert(db.entries.end(), fresh.begin(), fresh.end());
  using ContentionKey = std::tuple<std::string, int, std::string, int, std::string>;
  auto contention_key = [](const ContentionEntry& e) {
    return ContentionKey{e.pu, e.units, e.beside, e.beside_units, e.role};
  };
  std::set<ContentionKey> measured;
  for (const ContentionEntry& e : fresh_contention) measured.insert(contention_key(e));
  db.contention.clear();
  for (const ContentionEntry& e : stale.contention)
    if (!measured.count(contention_key(e))) db.contention.push_back(e);
  db.contention.insert(db.contention.end(), fresh_contention.begin(), fresh_contention.end());
  return db;
}

double profile_drift(const LatencyOracle& stale, const ModelGraph& model,
                     const std::vector<ProfileEntry>& fresh) {
  std::vector<double> changes;
  for (const ProfileEntry& e : fresh) {
    if (e.model != model.name) continue;
    const auto pu = stale.soc().pu_index(e.pu);
    if (!pu) continue;
    TimeEstimate before;
    if (e.level == ProfileLevel::forward) {
      before = stale.forward_rows(model, *pu, e.units, e.new_tokens, e.context, e.rows);
    } else if (e.level == ProfileLevel::subgraph) {
      for (std::size_t i = 0; i < model.subgraphs.size(); ++i)
        if (model.subgraphs[i].name == e.key)
          before = stale.subgraph_rows(model, i, *pu, e.units, e.new_tokens, e.context, e.rows);
    }
    if (before.source != Provenance::unavailable && before.median > 0 && std::isfinite(before.median))
      changes.push_back(e.stats.median / before.median - 1);
  }
  return median_of(changes);
}

}  // namespace specmap
