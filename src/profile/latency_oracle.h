#pragma once
// Answers "how long does this subgraph / forward pass take on this PU" from the
// coarsest measured level available, interpolating between measured points and
// falling back to a roofline estimate from the SoC description (marked estimated).
#include <memory>
#include <optional>
#include <string>

#include "core/units.h"
#include "describe/model.h"
#include "describe/soc.h"
#include "profile/transfer_calibration.h"
#include "profile/profile_db.h"

namespace specmap {

// Ordered from coarsest measured to pure estimate.
enum class Provenance { measured_forward, measured_subgraph, measured_op, roofline_scaled, roofline, unavailable };
std::string_view provenance_name(Provenance p);
// A figure timed as (part of) a whole pass in the runtime, so it holds the pass's launch.
inline bool launch_measured(Provenance p) {
  return p == Provenance::measured_forward || p == Provenance::measured_subgraph;
}
inline bool is_estimated(Provenance p) { return p == Provenance::roofline || p == Provenance::roofline_scaled || p == Provenance::unavailable; }

struct TimeEstimate {
  Seconds median = 0;
  Seconds stddev = 0;
  Provenance source = Provenance::unavailable;
  bool interpolated = false;  // between measured points
  std::string why;            // set when source == unavailable
};

// Virtual so tests can substitute synthetic timings.
class LatencyOracle {
 public:
  // Keeps references: soc and db must outlive the oracle.
  LatencyOracle(const Soc& soc, const ProfileDb& db);
  virtual ~LatencyOracle() = default;

  // Whole forward pass of `model` entirely on PU `pu` with `units` active units.
  // Coarsest measured level: forward, else sum of subgraphs.
  [[nodiscard]] virtual TimeEstimate forward(const ModelGraph& model, int pu, int units, Tokens new_tokens,
                                     Tokens context) const;
  // One subgraph: measured subgraph level, else its ops (measured op level, else roofline).
  [[nodiscard]] virtual TimeEstimate subgraph(const ModelGraph& model, std::size_t index, int pu, int units,
                                      Tokens new_tokens, Tokens context) const;
  // The same for a pass that samples `rows` rows of logits (ProfileEntry::rows; 0: the rows
  // the point implies): read from the series measured at those rows, never interpolated
  // across row counts (kernels switch paths with the row count); where the profile has no
  // such series, forward() / subgraph() (the implied rows).
  [[nodiscard]] TimeEstimate forward_rows(const ModelGraph& model, int pu, int units, Tokens new_tokens,
                                          Tokens context, Tokens rows) const;
  [[nodiscard]] TimeEstimate subgraph_rows(const ModelGraph& model, std::size_t index, int pu, int units,
                                           Tokens new_tokens, Tokens context, Tokens rows) const;
  // Roofline of one op from the SoC description (time in seconds).
  [[nodiscard]] virtual Seconds roofline_op(const Op& op, int pu, int units, Tokens new_tokens, Tokens context) const;
  // Moving a boundary tensor between PUs: the profile's transfer measurements of the pair
  // when it has any (profile/transfer_calibration.h), else the SoC's nominal entry.
  [[nodiscard]] virtual Seconds transfer(int from_pu, int to_pu, Bytes bytes) const;
  [[nodiscard]] bool transfer_measured(int from_pu, int to_pu) const;
  // How much slower `pu` runs while `beside` is busy at the same time (overlapped schedule):
  // measured by the profiler's contention benchmarks, else estimated from the SoC: PUs that
  // read the same memory share its bandwidth, factor = max(1, (bw_pu + bw_beside) / bw_memory)
  // with each PU's bandwidth capped at the memory's (so at most 2): a memory-bound worst case.
  [[nodiscard]] virtual Slowdown slowdown(int pu, int units, int beside, int beside_units) const;
  // The same for one role's work on `pu` ("draft" or "target") beside the other role's: the
  // profile's references of that role when it has them (the drafter's slowdown measured with
  // the drafter's own work, the target's with the target's), else slowdown().
  [[nodiscard]] Slowdown role_slowdown(const std::string& role, int pu, int units, int beside,
                                       int beside_units) const;

  [[nodiscard]] const Soc& soc() const { return soc_; }
  [[nodiscard]] const ProfileDb& db() const { return db_; }

 private:
  [[nodiscard]] TimeEstimate forward_at(const ModelGraph& model, int pu, int units, Tokens new_tokens,
                                        Tokens context, Tokens rows) const;
  [[nodiscard]] TimeEstimate subgraph_at(const ModelGraph& model, std::size_t index, int pu, int units,
                                         Tokens new_tokens, Tokens context, Tokens rows) const;

  const Soc& soc_;
  const ProfileDb& db_;
  struct Index;  // lookup tables built once from db_
  std::shared_ptr<const Index> index_;
};

}  // namespace specmap
