#include "validate/validation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>

#include "core/format.h"
#include "core/splitmix64.h"
#include "cost/mapping.h"
#include "plan/mapping_text.h"
#include "runtime/measure/contention_points.h"
#include "runtime/measure/pass_points.h"
#include "runtime/executor/plan_runner.h"
#include "search/search.h"
#include "validate/fresh_profile.h"
#include "validate/run_schedule.h"

namespace specmap {

std::optional<double> CaseMeasurement::alpha_estimate() const {
  const std::int64_t trials = accepted + rejections;
  if (trials == 0) return std::nullopt;
  return static_cast<double>(accepted) / static_cast<double>(trials);
}

std::optional<double> CaseMeasurement::accept_ratio() const {
  if (drafted == 0) return std::nullopt;
  return static_cast<double>(accepted) / static_cast<double>(drafted);
}

double DriftCheck::largest() const { return std::max(std::fabs(draft_change), std::fabs(target_change)); }

std::optional<double> CaseMeasurement::half_difference() const {
  if (half_tokens[0] <= 0 || half_tokens[1] <= 0 || half_seconds[1] <= 0) return std::nullopt;
  return (half_seconds[0] / double(half_tokens[0])) / (half_seconds[1] / double(half_tokens[1])) - 1;
}

std::size_t CaseMeasurement::stalled_runs() const {
  return static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [](const RunRecord& r) { return r.stalls.passes > 0; }));
}

std::int64_t CaseMeasurement::stalled_passes() const {
  std::int64_t n = 0;
  for (const RunRecord& r : runs) n += r.stalls.passes;
  return n;
}

Seconds CaseMeasurement::stall_seconds() const {
  Seconds s = 0;
  for (const RunRecord& r : runs) s += r.stalls.excess;
  return s;
}

Seconds CaseMeasurement::tail_seconds() const {
  Seconds s = 0;
  for (const RunRecord& r : runs) s += r.stalls.beyond_neighbours;
  return s;
}

std::size_t CaseMeasurement::disturbed_runs() const {
  return static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [](const RunRecord& r) { return r.conditions.disturbed; }));
}

double CaseMeasurement::run_spread() const {
  const std::size_t n = run_time_per_token.size();
  if (n < 2) return 0;
  const double mean = std::accumulate(run_time_per_token.begin(), run_time_per_token.end(), 0.0) / double(n);
  double squares = 0;
  for (double v : run_time_per_token) squares += (v - mean) * (v - mean);
  return mean > 0 ? std::sqrt(squares / double(n - 1)) / mean : 0;
}

namespace {

// One design variant and one mapping: the runs of every gamma, alpha and schedule of such
// a group share one pair of built models.
struct CaseGroup {
  int variant = 0;
  Mapping mapping;
  std::string text;  // "draft -> target"
  std::vector<std::size_t> cases;  // indices into ExperimentValidation::cases
  std::vector<Candidate> candidates;
};

}  // namespace

Status check_validation_options(const ValidationOptions& o, const Workload& workload) {
  if (o.gammas.empty()) return Error{"validation needs at least one gamma"};
  if (std::find(o.gammas.begin(), o.gammas.end(), 0) == o.gammas.end())
    return Error{"the gammas must include 0: speedups are measured over the non-speculative baseline"};
  for (int g : o.gammas)
    if (g < 0 || g > 64) return Error{"gamma " + std::to_string(g) + " is outside 0..64"};
  for (double a : o.alphas)
    if (!(a >= 0 && a <= 1)) return Error{"controlled alpha " + sig(a) + " is outside [0, 1]"};
  if (o.prompts < 1) return Error{"validation needs at least one prompt"};
  if (!o.prompt_ids.empty()) {
    if (!o.alphas.empty())
      return Error{"real prompts run with measured acceptance: controlled alphas do not apply"};
    if (static_cast<std::size_t>(o.prompts) > o.prompt_ids.size())
      return Error{"validation asks for " + std::to_string(o.prompts) + " prompts, but only " +
                   std::to_string(o.prompt_ids.size()) + " are given"};
  }
  if (o.repetitions < 1) return Error{"validation needs at least one repetition"};
  for (Tokens p : o.c_prompts)
    if (p < 1) return Error{"a prompt length for c must be at least 1, got " + std::to_string(p)};
  if (!o.c_prompts.empty() && o.c_repetitions < 1) return Error{"c needs at least one repetition"};
  std::set<std::pair<Tokens, Tokens>> shapes;
  for (const auto& s : workload.samples)
    if (s.weight > 0) shapes.insert({s.prompt_tokens, s.generate_tokens});
  if (shapes.size() != 1) {
    return Error{"validation runs one request shape, but workload '" + workload.name + "' has " +
                     std::to_string(shapes.size()) + " (prompt, generated) pairs",
                 workload.source_file, 0, 0, "prompt_tokens"};
  }
  if (shapes.begin()->second < 1)
    return Error{"validation needs generated tokens", workload.source_file, 0, 0, "generate_tokens"};
  return {};
}

namespace {

std::string alpha_label(double alpha) { return fixed(alpha, 2); }

// SplitMix64 over the parts in turn: distinct inputs give unrelated seeds.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  std::uint64_t h = a;
  for (std::uint64_t part : {b, c, d}) h = splitmix64(h + part);
  return h;
}

std::string case_id(const std::string& experiment, const std::string& variant, const std::string& mapping,
                    bool one_mapping, int gamma, std::optional<double> alpha, bool one_alpha, Schedule schedule) {
  std::string id = experiment + "/" + variant;
  if (!one_mapping) id += "/" + mapping;
  id += "/g" + std::to_string(gamma);
  if (alpha && !one_alpha) id += "/a" + alpha_label(*alpha);
  if (schedule == Schedule::overlapped) id += "/overlapped";
  return id;
}

// PUs the runtime can execute: CPU PUs and OpenCL PUs.
bool runnable_pu(const ProcessingUnit& pu) { return pu.kind == PuKind::cpu || runtime::is_opencl_pu(pu); }

// The search's pick over the experiment's whole space, with the measured profiles.
std::optional<Candidate> search_pick(const Study& study, const CostInputs& in) {
  const SearchResult result = search(in, study.experiment.search);
  for (const RankedCandidate& r : result.ranked)
    if (r.prediction.feasible) return r.candidate;
  return std::nullopt;
}

// Adds one run's figures to the case's pool.
void pool(CaseMeasurement& m, const runtime::PlanRunReport& r) {
  const auto& s = r.stats;
  m.run_time_per_token.push_back(r.time_per_token);
  m.total_seconds += s.total_time();
  m.tokens += s.tokens_generated;
  m.iterations += s.iterations;
  m.drafted += s.drafted;
  m.accepted += s.accepted;
  m.rejections += s.rejections;
  m.draft_seconds += s.draft_time;
  m.target_seconds += s.target_time;
  m.other_seconds += s.other_time;
}


// The Leviathan estimate accepted / (accepted + rejections) that runs at `gamma` are expected
// to give under the workload's per-sample, per-position acceptance (the statistic a case's
// runs measure): per iteration, kept drafts sum_k prod_{i<=k} a_i and a rejection with
// probability 1 - prod_{i<=gamma} a_i, pooled over the samples by weight.
double expected_leviathan_alpha(const Workload& workload, int gamma) {
  double accepted = 0, rejections = 0;
  for (const WorkloadSample& s : workload.samples) {
    double all_kept = 1, kept = 0;
    for (int k = 0; k < gamma; ++k) {
      const double a = s.alphas.empty() ? 0.0 : s.alphas[std::min<std::size_t>(k, s.alphas.size() - 1)];
      all_kept *= a;
      kept += all_kept;
    }
    accepted += s.weight * kept;
    rejections += s.weight * (1 - all_kept);
  }
  return accepted + rejections > 0 ? accepted / (accepted + rejections) : 0;
}

// The alphas of the predicted speedup-versus-alpha curve.
constexpr int kCurvePoints = 21;

// The pick's case (same variant, mapping, gamma, schedule at the first alpha) against the
// fastest measured case of the experiment.
SearchPickCheck check_search_pick(const Study& study, const Candidate& pick, const ExperimentValidation& out,
                                  double alpha) {
  SearchPickCheck check;
  const Soc& soc = study.soc;
  const std::string draft_text = pick.gamma > 0 ? mapping_text(study.draft, pick.mapping.draft, soc) : "-";
  const std::string mapping = draft_text + " -> " + mapping_text(study.target, pick.mapping.target, soc);
  check.description = soc.variants[pick.variant].name + ", " + mapping + ", gamma " + std::to_string(pick.gamma) +
                      ", " + std::string(schedule_name(pick.schedule));
  for (const ValidationCase& c : out.cases) {
    if (c.measured.tokens > 0 && (check.best_measured == 0 || c.measured.time_per_token() < check.best_measured)) {
      check.best_measured = c.measured.time_per_token();
      check.best_measured_case = c.id;
    }
    const bool same_alpha = !c.controlled_alpha || std::fabs(*c.controlled_alpha - alpha) < 1e-9;
    if (c.variant == soc.variants[pick.variant].name && c.mapping == mapping && c.gamma == pick.gamma &&
        c.schedule == pick.schedule && same_alpha) {
      check.case_id = c.id;
      check.predicted = c.predicted.time_per_token;
      check.measured = c.measured.time_per_token();
    }
  }
  if (check.case_id.empty())
    check.not_run_reason = "no case of this variant, mapping, gamma and schedule ran (see the cases not run)";
  return check;
}

// One whole pass of draft and of target over a fresh prompt, measured (draft and target
// alternating) and as the committed profile gives it: a point of c versus prompt length.
Result<CPoint> pass_pair(const CostInputs& in, const CaseGroup& group, runtime::PlanRunner& runner, Tokens prompt,
                         int repetitions, std::uint64_t seed) {
  auto times = runner.time_forwards(static_cast<std::size_t>(prompt), repetitions, seed);
  if (!times) return times.error();
  const PassPrediction d = predict_pass(in, group.variant, true, group.mapping.draft, prompt, 0);
  const PassPrediction t = predict_pass(in, group.variant, false, group.mapping.target, prompt, 0);
  CPoint point;
  point.variant = in.soc.variants[group.variant].name;
  point.mapping = group.text;
  point.prompt_tokens = prompt;
  point.predicted_draft = d.seconds;
  point.predicted_target = t.seconds;
  point.measured_draft = times->draft;
  point.measured_target = times->target;
  point.source = std::max(d.source, t.source);
  return point;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median of |X| for a standard normal X.
constexpr double kHalfNormalMedian = 0.6744897501960817;

}  // namespace

Result<Mapping> parse_case_mapping(const Study& study, const std::string& text) {
  const std::size_t arrow = text.find("->");
  if (arrow == std::string::npos)
    return Error{"mapping '" + text + "' is not \"DRAFT -> TARGET\" (e.g. \"ocl -> cpu\")"};
  auto trim = [](std::string t) {
    const auto first = t.find_first_not_of(' ');
    const auto last = t.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : t.substr(first, last - first + 1);
  };
  auto draft = parse_mapping_text(study.draft, trim(text.substr(0, arrow)), study.soc);
  if (!draft) return draft.error();
  auto target = parse_mapping_text(study.target, trim(text.substr(arrow + 2)), study.soc);
  if (!target) return target.error();
  return Mapping{std::move(draft).value(), std::move(target).value()};
}

Result<ExperimentValidation> validate_study(const Study& study, const std::string& profile_path,
                                           const ValidationOptions& options,
                                           const ValidationProgressHook& on_progress) {
  if (Status s = check_validation_options(options, study.workload); !s) return s.error();
  if (study.profiles.time_unit != "s") {
    return Error{"validation compares seconds, but the profiles are in '" + study.profiles.time_unit +
                 "' units", profile_path};
  }
  for (const ModelGraph* model : {&study.draft, &study.target})
    if (Status s = runtime::check_runnable(*model); !s) return s.error();

  const Soc& soc = study.soc;
  const LatencyOracle oracle(soc, study.profiles);
  const CostInputs in{soc, study.draft, study.target, study.workload, oracle, study.experiment.search.mode};
  const bool measured_acceptance = !options.prompt_ids.empty();
  const std::vector<double> alphas =
      options.alphas.empty() ? std::vector<double>{study.workload.mean_alpha()} : options.alphas;
  if (measured_acceptance) {
    for (const auto& prompt : options.prompt_ids)
      if (static_cast<Tokens>(prompt.size()) != study.workload.samples.front().prompt_tokens)
        return Error{"every real prompt must have the workload's " +
                         std::to_string(study.workload.samples.front().prompt_tokens) + " tokens, one has " +
                         std::to_string(prompt.size()),
                     study.workload.source_file, 0, 0, "prompt_tokens"};
  }

  // Mappings: every whole-model pair of runnable PUs, the ones asked for, the search's pick.
  std::vector<Mapping> mappings;
  auto add_mapping = [&](const Mapping& m) {
    if (std::find_if(mappings.begin(), mappings.end(), [&](const Mapping& x) {
          return x.draft == m.draft && x.target == m.target;
        }) == mappings.end())
      mappings.push_back(m);
  };
  for (std::size_t d = 0; d < soc.pus.size(); ++d)
    for (std::size_t t = 0; t < soc.pus.size(); ++t)
      if (runnable_pu(soc.pus[d]) && runnable_pu(soc.pus[t]))
        add_mapping(Mapping{whole_model_on(static_cast<int>(d), study.draft.subgraphs.size()),
                            whole_model_on(static_cast<int>(t), study.target.subgraphs.size())});
  for (const std::string& text : options.mappings) {
    auto m = parse_case_mapping(study, text);
    if (!m) return m.error();
    add_mapping(*m);
  }
  std::vector<Schedule> schedules = options.schedules.empty() ? std::vector<Schedule>{Schedule::sequential}
                                                              : options.schedules;
  std::optional<Candidate> pick = options.search_pick ? search_pick(study, in) : std::nullopt;
  if (pick) {
    Mapping m = pick->mapping;
    // A non-speculative pick leaves the draft unplaced: any draft placement carries its baseline.
    if (pick->gamma == 0 && !mappings.empty()) m.draft = mappings.front().draft;
    if (!mappings.empty()) add_mapping(m);
    if (std::find(schedules.begin(), schedules.end(), pick->schedule) == schedules.end())
      schedules.push_back(pick->schedule);
  }
  const bool one_mapping = mappings.size() == 1;

  ExperimentValidation out;
  out.name = study.experiment.name;
  out.profile_path = profile_path;
  out.measured_acceptance = measured_acceptance;
  std::vector<CaseGroup> groups;
  std::set<std::tuple<int, std::vector<int>>> baselines;  // (variant, target mapping) validated at gamma 0
  for (std::size_t v = 0; v < soc.variants.size(); ++v) {
    // A variant asking for more cores than this host has cannot run here: said, not hidden.
    const auto cores = runtime::pu_core_sets(soc, soc.variants[v].name, runtime::online_cores());
    for (const Mapping& mapping : mappings) {
      const std::string draft_text = mapping_text(study.draft, mapping.draft, soc);
      const std::string target_text = mapping_text(study.target, mapping.target, soc);
      CaseGroup group{static_cast<int>(v), mapping, draft_text + " -> " + target_text, {}, {}};
      std::vector<ValidationCase> pending;
      for (int gamma : options.gammas) {
        // The baseline does not depend on the draft's PU: it is validated once per target mapping.
        if (gamma == 0 && !baselines.insert({static_cast<int>(v), mapping.target}).second) continue;
        const std::string case_draft_text = gamma > 0 ? draft_text : "-";
        for (Schedule schedule : schedules) {
          if (gamma == 0 && schedule != schedules.front()) continue;  // nothing to overlap
          for (std::size_t a = 0; a < (gamma == 0 ? 1 : alphas.size()); ++a) {
            const std::optional<double> alpha =
                gamma == 0 || measured_acceptance ? std::nullopt : std::optional<double>(alphas[a]);
            const Schedule used = gamma == 0 ? Schedule::sequential : schedule;
            const Candidate candidate{static_cast<int>(v), mapping, gamma, used};
            ValidationCase c;
            c.experiment = out.name;
            c.variant = soc.variants[v].name;
            c.mapping = case_draft_text + " -> " + target_text;
            c.gamma = gamma;
            c.schedule = used;
            c.controlled_alpha = alpha;
            if (measured_acceptance && gamma > 0) c.predicted_alpha = expected_leviathan_alpha(study.workload, gamma);
            // Ids name the draft's placement "none" when it does not run.
            c.id = case_id(out.name, c.variant, (gamma > 0 ? draft_text : "none") + "-" + target_text, one_mapping,
                           gamma, alpha, alphas.size() == 1, used);
            c.nominal = measured_acceptance
                            ? predict_with_interval(in, candidate, {0, 0, true}).prediction
                            : predict_with_interval(in, candidate, {alpha.value_or(0), 0}).prediction;
            if (!c.nominal.feasible) {
              out.skipped.push_back({c.id, c.nominal.infeasible_reason});
            } else if (!cores) {
              out.skipped.push_back({c.id, cores.error().message});
            } else {
              group.candidates.push_back(candidate);
              pending.push_back(std::move(c));
            }
          }
        }
      }
      if (pending.empty()) continue;
      for (ValidationCase& c : pending) {
        group.cases.push_back(out.cases.size());
        out.cases.push_back(std::move(c));
      }
      groups.push_back(std::move(group));
    }
  }
  if (out.cases.empty()) return Error{"no candidate of '" + out.name + "' is feasible and runnable here"};

  // Build every group's models once; weights are generated here.
  const WorkloadSample& shape = study.workload.samples.front();
  const int max_gamma = *std::max_element(options.gammas.begin(), options.gammas.end());
  std::vector<std::unique_ptr<runtime::PlanRunner>> runners;
  std::vector<std::vector<int>> group_cores;  // CPU ids of the PUs each group runs on
  std::vector<std::size_t> group_of(out.cases.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const CaseGroup& group = groups[g];
    for (std::size_t index : group.cases) group_of[index] = g;
    runtime::PlanChoice choice;
    choice.variant = soc.variants[group.variant].name;
    choice.gamma = max_gamma;
    for (int pu : group.mapping.draft) choice.draft_pus.push_back(soc.pus[pu].id);
    for (int pu : group.mapping.target) choice.target_pus.push_back(soc.pus[pu].id);
    runtime::PlanRunOptions run_options;
    run_options.prompt_tokens = static_cast<std::size_t>(shape.prompt_tokens);
    run_options.new_tokens = static_cast<std::size_t>(shape.generate_tokens);
    run_options.seed = options.seed;
    run_options.kv_cache = study.workload.kv_cache;
    if (measured_acceptance) run_options.prompt = options.prompt_ids.front();
    auto runner = runtime::PlanRunner::create(soc, study.draft, study.target, choice, run_options);
    if (!runner) return runner.error();
    // One untimed generation touches every weight and sizes every buffer.
    const std::optional<double> warm_alpha =
        measured_acceptance ? std::nullopt : std::optional<double>(alphas.front());
    if (auto warm = (*runner)->run_case(max_gamma, warm_alpha, options.seed, options.seed); !warm)
      return warm.error();
    runners.push_back(std::move(runner).value());
    std::set<int> cores;
    if (auto sets = runtime::pu_core_sets(soc, choice.variant, runtime::online_cores())) {
      for (const std::vector<int>* pus : {&group.mapping.draft, &group.mapping.target})
        for (int pu : *pus)
          if (static_cast<std::size_t>(pu) < sets->size())
            cores.insert((*sets)[static_cast<std::size_t>(pu)].cores.begin(),
                         (*sets)[static_cast<std::size_t>(pu)].cores.end());
    }
    group_cores.emplace_back(cores.begin(), cores.end());
  }

  // The profile points each group's predictions read, re-measured before its cases in every round.
  std::vector<GroupPoints> needed(groups.size());
  std::vector<std::vector<runtime::SequencedPass>> in_loop_order(groups.size());
  std::vector<FreshSamples> fresh(groups.size());
  // Groups with overlapped cases also re-measure each role's slowdown beside the other's work.
  std::vector<std::optional<runtime::ContentionShape>> contention_of(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<int> gammas;
    for (std::size_t index : groups[g].cases) gammas.push_back(out.cases[index].gamma);
    needed[g] = points_needed(study.workload, gammas);
    in_loop_order[g] = loop_order(study.workload, gammas, runners[g]->draft_executor() != nullptr);
    const bool overlapped = std::any_of(groups[g].cases.begin(), groups[g].cases.end(), [&](std::size_t i) {
      return out.cases[i].schedule == Schedule::overlapped;
    });
    if (overlapped && runners[g]->draft_executor() != nullptr)
      contention_of[g] = contention_shape(study.workload, gammas);
  }
  auto remeasure = [&](std::size_t g, int round) -> Status {
    runtime::PlanRunner& runner = *runners[g];
    const std::uint64_t seed = mix_seed(options.seed, 0x5eedULL, g, static_cast<std::uint64_t>(round));
    if (contention_of[g]) {
      auto timings = runtime::time_contention(*runner.draft_executor(), runner.target_executor(),
                                              *contention_of[g], seed + 2);
      if (!timings) return timings.error();
      fresh[g].add_contention(*timings);
    }
    if (options.fresh_order == FreshOrder::loop) {
      auto timings =
          runtime::time_pass_sequence(runner.draft_executor(), runner.target_executor(), in_loop_order[g], seed);
      if (!timings) return timings.error();
      if (!timings->draft.empty()) fresh[g].add(true, timings->draft);
      fresh[g].add(false, timings->target);
      return {};
    }
    if (!needed[g].draft.empty() && runner.draft_executor() != nullptr) {
      auto d = runtime::time_pass_points(*runner.draft_executor(), needed[g].draft, seed);
      if (!d) return d.error();
      fresh[g].add(true, *d);
    }
    auto t = runtime::time_pass_points(runner.target_executor(), needed[g].target, seed + 1);
    if (!t) return t.error();
    fresh[g].add(false, *t);
    return {};
  };

  // Interleaved: every round runs every case once (validate/run_schedule.h).
  const std::vector<ScheduledRun> schedule =
      interleaved_schedule(out.cases.size(), options.prompts, options.repetitions);
  out.schedule = describe_schedule(out.cases.size(), options.prompts, options.repetitions) +
                 " Before a group's first case in each round, the profile points its predictions read were "
                 "re-measured in passes of their own, " +
                 (options.fresh_order == FreshOrder::loop
                      ? std::string("both models' passes in the order the speculative loop runs them.")
                      : std::string("each model's points back to back."));
  ValidationProgress progress{out.name, 0, schedule.size(), ""};
  std::vector<int> measured_in_round(groups.size(), -1);
  for (const ScheduledRun& run : schedule) {
    const std::size_t g = group_of[run.case_index];
    ValidationCase& c = out.cases[run.case_index];
    if (measured_in_round[g] != run.round) {
      if (on_progress) {
        progress.what = "profile points of " + groups[g].text + ", " + soc.variants[groups[g].variant].name;
        on_progress(progress);
      }
      if (Status st = remeasure(g, run.round); !st) return st.error();
      measured_in_round[g] = run.round;
    }
    if (on_progress) {
      progress.what = c.id;
      on_progress(progress);
    }
    // Prompt p is the same in every repetition and case; the acceptance draws are independent
    // across cases, prompts and pairs of repetitions, and shared by the twins of a pair (the
    // two halves do the same work).
    const std::uint64_t prompt_seed = options.seed + static_cast<std::uint64_t>(run.prompt);
    const std::uint64_t sampling_seed = mix_seed(options.seed, run.case_index, static_cast<std::uint64_t>(run.prompt),
                                                 static_cast<std::uint64_t>(run.draw));
    if (measured_acceptance) runners[g]->use_prompt(options.prompt_ids[static_cast<std::size_t>(run.prompt)]);
    const runtime::MachineSample before = runtime::sample_machine();
    auto report = runners[g]->run_case(c.gamma, c.controlled_alpha, prompt_seed, sampling_seed, c.schedule);
    const runtime::MachineSample after = runtime::sample_machine();
    if (!report) return report.error();
    pool(c.measured, *report);
    c.measured.half_seconds[run.half] += report->stats.total_time();
    c.measured.half_tokens[run.half] += report->stats.tokens_generated;
    c.measured.runs.push_back(RunRecord{run.round, run.repetition, run.prompt, run.half, report->time_per_token,
                                        runtime::conditions_between(before, after, group_cores[g]),
                                        report->stats.accepted, report->stats.rejections,
                                        runtime::find_stalls(report->stats.passes)});
    ++progress.done;
  }

  // c versus prompt length (Fig. 6), from the committed profile.
  if (max_gamma > 0) {
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (runners[g]->draft_executor() == nullptr) continue;
      for (Tokens prompt : options.c_prompts) {
        if (on_progress) {
          progress.what = "c at a " + std::to_string(prompt) + "-token prompt, " + soc.variants[groups[g].variant].name;
          on_progress(progress);
        }
        auto point = pass_pair(in, groups[g], *runners[g], prompt, options.c_repetitions, options.seed);
        if (!point) return point.error();
        out.c_points.push_back(*point);
      }
    }
  }

  // The measurement's own noise: the median over cases of |half A / half B - 1|. For two
  // halves of equal normal noise sigma that median is 0.6745 * sqrt(2) * sigma, and the mean
  // of both halves has sigma / sqrt(2): its 90% half-width is kZ90 * noise / (2 * 0.6745).
  std::vector<double> half_differences;
  for (const ValidationCase& c : out.cases)
    if (auto d = c.measured.half_difference()) half_differences.push_back(std::fabs(*d));
  const double noise_floor = median_of(half_differences);
  const double noise_half = kZ90 * noise_floor / (2 * kHalfNormalMedian);

  // Predict: fresh (the re-measured points in place of the committed profile's) and stale.
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::vector<ProfileEntry> entries =
        fresh[g].entries(soc, groups[g].variant, study.draft, study.target, groups[g].mapping);
    const ProfileDb fresh_db =
        with_fresh_entries(study.profiles, entries,
                           fresh[g].contention_entries(soc, groups[g].variant, groups[g].mapping));
    const LatencyOracle fresh_oracle(soc, fresh_db);
    const CostInputs fresh_in{soc, study.draft, study.target, study.workload, fresh_oracle, in.mode};
    DriftCheck check;
    check.variant = soc.variants[groups[g].variant].name;
    check.mapping = groups[g].text;
    check.draft_points = needed[g].draft.size();
    check.target_points = needed[g].target.size();
    check.rounds = fresh[g].rounds(false);
    check.draft_change = profile_drift(oracle, study.draft, entries);
    check.target_change = profile_drift(oracle, study.target, entries);
    check.draft_tail = fresh[g].tail_factor(true);
    check.target_tail = fresh[g].tail_factor(false);
    out.drift.push_back(check);
    for (std::size_t k = 0; k < groups[g].cases.size(); ++k) {
      ValidationCase& c = out.cases[groups[g].cases[k]];
      AcceptanceEvidence evidence{0, 0};
      // The twins of a pair repeat the same draws: the distinct trials are those of half A.
      // The estimate comes from the runs the case is compared with (see prediction_interval.h).
      if (auto alpha = c.measured.alpha_estimate()) {
        const std::int64_t trials = c.measured.accepted + c.measured.rejections;
        evidence = {*alpha, options.repetitions >= 2 ? std::max<std::int64_t>(1, trials / 2) : trials, false,
                    true};
      }
      c.noise_half_width = noise_half;
      if (measured_acceptance) {
        // Greedy decoding repeats itself: the runs' own alpha is known exactly for them.
        c.nominal = predict_with_interval(fresh_in, groups[g].candidates[k], {evidence.alpha, 0}).prediction;
        evidence = AcceptanceEvidence{0, 0, true};  // the headline: the workload's (another prompt set's)
        if (c.gamma > 0)
          for (int i = 0; i < kCurvePoints; ++i) {
            const double a = static_cast<double>(i) / (kCurvePoints - 1);
            c.alpha_curve.emplace_back(
                a, predict_with_interval(fresh_in, groups[g].candidates[k], {a, 0}).prediction.time_per_token);
          }
      }
      const IntervalPrediction at = predict_with_interval(fresh_in, groups[g].candidates[k], evidence, noise_half);
      c.predicted = at.prediction;
      c.interval = at.interval;
      if (at.prediction.time_per_token > 0) {
        c.profile_half_width = at.profile_half / at.prediction.time_per_token;
        c.acceptance_half_width = at.acceptance_half / at.prediction.time_per_token;
      }
      c.stale = predict_with_interval(in, groups[g].candidates[k], evidence).prediction;
      const Seconds measured = c.measured.time_per_token();
      c.deviation = measured > 0 ? c.predicted.time_per_token / measured - 1 : 0;
      const Seconds without_stalls = c.measured.time_per_token_without_stalls();
      c.deviation_without_stalls = without_stalls > 0 ? c.predicted.time_per_token / without_stalls - 1 : 0;
      const Seconds typical = c.measured.time_per_token_typical();
      c.deviation_typical = typical > 0 ? c.predicted.time_per_token / typical - 1 : 0;
      c.stale_deviation = measured > 0 ? c.stale.time_per_token / measured - 1 : 0;
      if (c.schedule == Schedule::overlapped && fresh[g].contention_rounds() > 0 && c.predicted.feasible &&
          c.stale.feasible && !out.drift.back().contention) {
        DriftCheck& d = out.drift.back();
        d.contention = true;
        d.draft_slowdown = c.predicted.breakdown.draft_slowdown;
        d.target_slowdown = c.predicted.breakdown.target_slowdown;
        d.stale_draft_slowdown = c.stale.breakdown.draft_slowdown;
        d.stale_target_slowdown = c.stale.breakdown.target_slowdown;
      }
      c.nominal_deviation = measured > 0 ? c.nominal.time_per_token / measured - 1 : 0;
    }
  }
  Seconds predicted_baseline = 0;
  Seconds measured_baseline = 0;
  for (const ValidationCase& c : out.cases) {
    if (c.gamma != 0) continue;
    if (predicted_baseline == 0 || c.predicted.time_per_token < predicted_baseline)
      predicted_baseline = c.predicted.time_per_token;
    if (measured_baseline == 0 || c.measured.time_per_token() < measured_baseline)
      measured_baseline = c.measured.time_per_token();
  }
  for (ValidationCase& c : out.cases) {
    if (c.predicted.time_per_token > 0) c.predicted_speedup = predicted_baseline / c.predicted.time_per_token;
    if (c.measured.time_per_token() > 0) c.measured_speedup = measured_baseline / c.measured.time_per_token();
  }
  pair_with_baselines(out.cases);
  if (pick) out.search_pick = check_search_pick(study, *pick, out, alphas.front());
  return out;
}

void pair_with_baselines(std::vector<ValidationCase>& cases) {
  for (ValidationCase& c : cases) {
    if (c.gamma == 0) continue;
    const std::string target = c.mapping.substr(c.mapping.find("->"));
    for (const ValidationCase& b : cases) {
      if (b.gamma != 0 || b.variant != c.variant || b.mapping.substr(b.mapping.find("->")) != target) continue;
      c.baseline_case = b.id;
      if (c.predicted.time_per_token > 0 && b.predicted.time_per_token > 0)
        c.baseline_predicted_speedup = b.predicted.time_per_token / c.predicted.time_per_token;
      if (c.measured.time_per_token() > 0 && b.measured.time_per_token() > 0)
        c.baseline_measured_speedup = b.measured.time_per_token() / c.measured.time_per_token();
      break;
    }
  }
}

}  // namespace specmap
