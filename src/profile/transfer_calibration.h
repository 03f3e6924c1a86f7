#pragma once
// Transfer and contention figures from the profiler's measurements, replacing the SoC's
// nominal numbers where a PU pair was measured.
//
// Transfers: between measured sizes the time is interpolated linearly; outside them a
// least-squares line t = latency + bytes / bandwidth through all points of the pair
// extrapolates (latency clamped at >= 0), the same form the SoC's nominal entry has.
// Contention: the slowdown of a PU's reference work while another PU runs its own load,
// median beside / median alone, clamped at >= 1 (a ratio below 1 is noise, not a speed-up).
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.h"
#include "profile/profile_db.h"

namespace specmap {

class TransferCalibration {
 public:
  explicit TransferCalibration(const std::vector<TransferEntry>& entries);

  // Seconds to move `bytes` from PU id `from` to `to`; nullopt when the pair was not measured.
  [[nodiscard]] std::optional<Seconds> time(const std::string& from, const std::string& to, Bytes bytes) const;
  // The fitted line of a measured pair: {latency seconds, seconds per byte}.
  [[nodiscard]] std::optional<std::pair<Seconds, double>> line(const std::string& from,
                                                                const std::string& to) const;

 private:
  struct Series {
    std::vector<std::pair<Bytes, Seconds>> points;  // ascending bytes
    Seconds latency = 0;
    double seconds_per_byte = 0;
  };
  std::map<std::pair<std::string, std::string>, Series> pairs_;
};

struct Slowdown {
  double factor = 1.0;
  bool measured = false;
};

// Measured slowdown of `pu` (at `units`) beside `beside` (at `beside_units`): the entry with
// exactly these units if present, else any units of the same pair; nullopt when either the
// alone or the beside reference is missing. `role` ("draft"/"target"): the references of that
// role's work when the profile has them, else those without a role; "": those without a role.
std::optional<double> measured_slowdown(const std::vector<ContentionEntry>& entries, const std::string& pu,
                                        int units, const std::string& beside, int beside_units,
                                        const std::string& role = "");

}  // namespace specmap
