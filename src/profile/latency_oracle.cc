#include "profile/latency_oracle.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "profile/profile_index.h"
#include "profile/roofline.h"

namespace specmap {

namespace {

constexpr Seconds kInfinite = std::numeric_limits<Seconds>::infinity();

TimeEstimate unavailable(std::string why) {
  TimeEstimate e;
  e.source = Provenance::unavailable;
  e.why = std::move(why);
  return e;
}

TimeEstimate infeasible() { return TimeEstimate{kInfinite, kInfinite, Provenance::roofline, false, ""}; }

// Adds independent parts: medians add, variances add. An infeasible part (infinite time) makes the
// whole infeasible even when another part is unavailable: no profile can make it run.
class EstimateSum {
 public:
  void add(const TimeEstimate& part) {
    if (part.source == Provenance::unavailable) {
      if (why_.empty()) why_ = part.why;
      any_unavailable_ = true;
      return;
    }
    median_ += part.median;
    variance_ += part.stddev * part.stddev;
    worst_ = std::max(worst_, part.source);
    interpolated_ = interpolated_ || part.interpolated;
  }
  [[nodiscard]] bool all_measured() const { return !any_unavailable_ && !is_estimated(worst_); }
  [[nodiscard]] TimeEstimate result() const {
    if (std::isinf(median_)) return TimeEstimate{kInfinite, kInfinite, worst_, interpolated_, ""};
    if (any_unavailable_) return unavailable(why_);
    return TimeEstimate{median_, std::sqrt(variance_), worst_, interpolated_, ""};
  }

 private:
  Seconds median_ = 0;
  Seconds variance_ = 0;
  Provenance worst_ = Provenance::measured_forward;
  bool interpolated_ = false;
  bool any_unavailable_ = false;
  std::string why_;
};

std::string relative_gap(const ProfileDb& db, const std::string& what, const std::string& pu, int units) {
  return "the profile is in relative time (1.0 = " + db.reference + ") and has no figure for " + what +
         " on " + pu + " x" + std::to_string(units) +
         "; roofline seconds cannot be mixed with relative figures";
}

// The better of a coarse-level figure and the sum of the next finer level: the lower provenance
// (more measured) wins; on a tie the coarser level, which already contains whatever the parts miss.
TimeEstimate better(const TimeEstimate& coarse, const TimeEstimate& fine) {
  return fine.source < coarse.source ? fine : coarse;
}

}  // namespace

std::string_view provenance_name(Provenance p) {
  switch (p) {
    case Provenance::measured_forward:
      return "measured_forward";
    case Provenance::measured_subgraph:
      return "measured_subgraph";
    case Provenance::measured_op:
      return "measured_op";
    case Provenance::roofline_scaled:
      return "roofline_scaled";
    case Provenance::roofline:
      return "roofline";
    case Provenance::unavailable:
      return "unavailable";
  }
  return "unavailable";
}

struct LatencyOracle::Index {
  explicit Index(const ProfileDb& db)
      : table(db), transfers(db.transfers), relative(db.time_unit == "relative") {}
  ProfileIndex table;
  TransferCalibration transfers;
  bool relative;
};

LatencyOracle::LatencyOracle(const Soc& soc, const ProfileDb& db)
    : soc_(soc), db_(db), index_(std::make_shared<const Index>(db)) {}

namespace {

// The figure a profile series gives at (units, new_tokens, context): measured (exact or
// interpolated) when the series at these units covers the point, else its anchor scaled by the
// roofline ratio, which is unit-free and so also scales relative figures. nullopt: never measured.
template <class RooflineFn>
std::optional<TimeEstimate> from_series(const ProfileIndex& table, ProfileLevel level, std::string_view model,
                                        std::string_view key, const ProcessingUnit& pu, int units,
                                        Tokens new_tokens, Tokens context, Tokens rows,
                                        Provenance measured_as, const RooflineFn& roofline) {
  // The series of the pass's own row count when measured, else the implied rows' series.
  std::optional<ProfileIndex::Found> found;
  if (rows > 0) found = table.nearest(level, model, key, pu.id, units, rows);
  if (!found) found = table.nearest(level, model, key, pu.id, units, 0);
  if (!found) return std::nullopt;
  if (found->units == units) {
    if (auto v = found->series->at(new_tokens, context))
      return TimeEstimate{v->median, v->stddev, measured_as, v->interpolated, ""};
  }
  const SeriesValue anchor = found->series->anchor(new_tokens, context);
  const Seconds at_anchor = roofline(found->units, anchor.new_tokens, anchor.context);
  if (!(at_anchor > 0) || std::isinf(at_anchor)) {
    return unavailable("cannot scale the " + std::string(profile_level_name(level)) + " profile of " +
                       std::string(model) + "/" + std::string(key) + " on " + pu.id +
                       ": the SoC description gives no finite roofline at the measured point");
  }
  const double ratio = roofline(units, new_tokens, context) / at_anchor;
  return TimeEstimate{anchor.median * ratio, anchor.stddev * ratio, Provenance::roofline_scaled,
                      anchor.interpolated, ""};
}

}  // namespace

TimeEstimate LatencyOracle::forward(const ModelGraph& model, int pu, int units, Tokens new_tokens,
                                    Tokens context) const {
  return forward_at(model, pu, units, new_tokens, context, 0);
}

TimeEstimate LatencyOracle::subgraph(const ModelGraph& model, std::size_t index, int pu, int units,
                                     Tokens new_tokens, Tokens context) const {
  return subgraph_at(model, index, pu, units, new_tokens, context, 0);
}

TimeEstimate LatencyOracle::forward_rows(const ModelGraph& model, int pu, int units, Tokens new_tokens,
                                         Tokens context, Tokens rows) const {
  // Without row series the (possibly substituted) plain lookup answers.
  if (rows <= 0 || !index_->table.has_rows()) return forward(model, pu, units, new_tokens, context);
  return forward_at(model, pu, units, new_tokens, context, rows);
}

TimeEstimate LatencyOracle::subgraph_rows(const ModelGraph& model, std::size_t index, int pu, int units,
                                          Tokens new_tokens, Tokens context, Tokens rows) const {
  if (rows <= 0 || !index_->table.has_rows()) return subgraph(model, index, pu, units, new_tokens, context);
  return subgraph_at(model, index, pu, units, new_tokens, context, rows);
}

TimeEstimate LatencyOracle::forward_at(const ModelGraph& model, int pu, int units, Tokens new_tokens,
                                       Tokens context, Tokens rows) const {
  if (pu < 0 || static_cast<std::size_t>(pu) >= soc_.pus.size())
    return unavailable("no processing unit with index " + std::to_string(pu));
  const ProcessingUnit& unit = soc_.pus[static_cast<std::size_t>(pu)];
  const std::optional<TimeEstimate> whole =
      from_series(index_->table, ProfileLevel::forward, model.name, "forward", unit, units, new_tokens,
                  context, rows, Provenance::measured_forward,
                  [&](int u, Tokens n, Tokens c) { return roofline_forward_time(unit, model, u, n, c); });
  if (whole && whole->source == Provenance::measured_forward) return *whole;

  // Nothing finer measured and no seconds to estimate with: say so once, not once per op.
  if (index_->relative && !index_->table.has_level(ProfileLevel::subgraph, model.name, unit.id) &&
      !index_->table.has_level(ProfileLevel::op, model.name, unit.id)) {
    if (units <= 0 || !runs_on(unit, model)) return infeasible();
    if (whole) return *whole;
    return unavailable(relative_gap(db_, model.name, unit.id, units));
  }

  EstimateSum sum;
  for (std::size_t i = 0; i < model.subgraphs.size(); ++i) {
    sum.add(rows > 0 ? subgraph_at(model, i, pu, units, new_tokens, context, rows)
                     : subgraph(model, i, pu, units, new_tokens, context));
    // A scaled whole-pass figure beats any sum that is not fully measured.
    if (whole && whole->source != Provenance::unavailable && !sum.all_measured()) return *whole;
  }
  return whole ? better(*whole, sum.result()) : sum.result();
}

TimeEstimate LatencyOracle::subgraph_at(const ModelGraph& model, std::size_t index, int pu, int units,
                                        Tokens new_tokens, Tokens context, Tokens rows) const {
  if (pu < 0 || static_cast<std::size_t>(pu) >= soc_.pus.size())
    return unavailable("no processing unit with index " + std::to_string(pu));
  if (index >= model.subgraphs.size())
    return unavailable("model " + model.name + " has no subgraph " + std::to_string(index));
  const ProcessingUnit& unit = soc_.pus[static_cast<std::size_t>(pu)];
  const Subgraph& graph = model.subgraphs[index];
  const ProfileIndex& table = index_->table;

  std::optional<TimeEstimate> whole;
  if (table.has_level(ProfileLevel::subgraph, model.name, unit.id)) {
    whole = from_series(table, ProfileLevel::subgraph, model.name, graph.name, unit, units, new_tokens,
                        context, rows, Provenance::measured_subgraph, [&](int u, Tokens n, Tokens c) {
                          return roofline_subgraph_time(unit, graph, u, n, c);
                        });
    if (whole && whole->source == Provenance::measured_subgraph) return *whole;
  }

  const bool ops_profiled = table.has_level(ProfileLevel::op, model.name, unit.id);
  if (index_->relative && !ops_profiled) {
    for (const Op& op : graph.ops)
      if (std::isinf(roofline_op(op, pu, units, new_tokens, context))) return infeasible();
    if (whole) return *whole;
    return unavailable(relative_gap(db_, model.name + "/" + graph.name, unit.id, units));
  }

  EstimateSum sum;
  for (const Op& op : graph.ops) {
    std::optional<TimeEstimate> part;
    if (ops_profiled) {
      part = from_series(table, ProfileLevel::op, model.name, op_profile_key(op), unit, units, new_tokens,
                         context, rows, Provenance::measured_op,
                         [&](int u, Tokens n, Tokens c) { return roofline_op_time(unit, op, u, n, c); });
    }
    if (!part) {
      const Seconds t = roofline_op(op, pu, units, new_tokens, context);
      if (std::isinf(t)) {
        part = infeasible();
      } else if (index_->relative) {
        part = unavailable(relative_gap(db_, model.name + "/" + op_profile_key(op), unit.id, units));
      } else {
        part = TimeEstimate{t, kRooflineRelativeStddev * t, Provenance::roofline, false, ""};
      }
    }
    sum.add(*part);
    if (whole && whole->source != Provenance::unavailable && !sum.all_measured()) return *whole;
  }
  return whole ? better(*whole, sum.result()) : sum.result();
}

Seconds LatencyOracle::roofline_op(const Op& op, int pu, int units, Tokens new_tokens, Tokens context) const {
  if (pu < 0 || static_cast<std::size_t>(pu) >= soc_.pus.size()) return kInfinite;
  return roofline_op_time(soc_.pus[static_cast<std::size_t>(pu)], op, units, new_tokens, context);
}

Seconds LatencyOracle::transfer(int from_pu, int to_pu, Bytes bytes) const {
  if (from_pu == to_pu) return 0.0;
  const auto& pus = soc_.pus;
  if (from_pu >= 0 && to_pu >= 0 && static_cast<std::size_t>(from_pu) < pus.size() &&
      static_cast<std::size_t>(to_pu) < pus.size()) {
    if (auto measured = index_->transfers.time(pus[from_pu].id, pus[to_pu].id, bytes)) return *measured;
  }
  return soc_.transfer_time(from_pu, to_pu, bytes);
}

bool LatencyOracle::transfer_measured(int from_pu, int to_pu) const {
  const auto& pus = soc_.pus;
  if (from_pu < 0 || to_pu < 0 || static_cast<std::size_t>(from_pu) >= pus.size() ||
      static_cast<std::size_t>(to_pu) >= pus.size())
    return false;
  return index_->transfers.line(pus[from_pu].id, pus[to_pu].id).has_value();
}

Slowdown LatencyOracle::role_slowdown(const std::string& role, int pu, int units, int beside,
                                      int beside_units) const {
  const auto& pus = soc_.pus;
  if (pu >= 0 && beside >= 0 && static_cast<std::size_t>(pu) < pus.size() &&
      static_cast<std::size_t>(beside) < pus.size() && pu != beside) {
    const bool has_role =
        std::any_of(db_.contention.begin(), db_.contention.end(),
                    [&](const ContentionEntry& e) { return e.role == role && e.pu == pus[pu].id; });
    if (has_role)
      if (auto factor =
              measured_slowdown(db_.contention, pus[pu].id, units, pus[beside].id, beside_units, role))
        return Slowdown{*factor, true};
  }
  return slowdown(pu, units, beside, beside_units);
}

Slowdown LatencyOracle::slowdown(int pu, int units, int beside, int beside_units) const {
  const auto& pus = soc_.pus;
  if (pu < 0 || beside < 0 || static_cast<std::size_t>(pu) >= pus.size() ||
      static_cast<std::size_t>(beside) >= pus.size() || pu == beside)
    return Slowdown{};
  if (auto factor = measured_slowdown(db_.contention, pus[pu].id, units, pus[beside].id, beside_units))
    return Slowdown{*factor, true};
  if (pus[pu].memory != pus[beside].memory) return Slowdown{};
  const int memory = soc_.memory_index(pu);
  if (memory < 0) return Slowdown{};
  const double shared = soc_.memories[static_cast<std::size_t>(memory)].bandwidth_gbps;
  if (shared <= 0) return Slowdown{};
  // Neither PU can draw more than the memory delivers: at most a factor of 2.
  const double demand = std::min(pus[pu].bandwidth_gbps(units), shared) +
                        std::min(pus[beside].bandwidth_gbps(beside_units), shared);
  return Slowdown{std::max(1.0, demand / shared), false};
}

}  // namespace specmap
