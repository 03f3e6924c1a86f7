#include "profile/transfer_calibration.h"

#include <algorithm>

namespace specmap {

TransferCalibration::TransferCalibration(const std::vector<TransferEntry>& entries) {
  for (const TransferEntry& e : entries) pairs_[{e.from, e.to}].points.emplace_back(e.bytes, e.stats.median);
  for (auto& [pair, series] : pairs_) {
    std::sort(series.points.begin(), series.points.end());
    const double n = static_cast<double>(series.points.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& [x, y] : series.points) {
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const double denominator = n * sxx - sx * sx;
    if (series.points.size() < 2 || denominator <= 0) {
      // One size only: all of it is bandwidth (no latency can be told apart).
      series.seconds_per_byte = sy / std::max(sx, 1.0);
      series.latency = 0;
      continue;
    }
    series.seconds_per_byte = std::max(0.0, (n * sxy - sx * sy) / denominator);
    series.latency = std::max(0.0, (sy - series.seconds_per_byte * sx) / n);
  }
}

std::optional<Seconds> TransferCalibration::time(const std::string& from, const std::string& to,
                                                 Bytes bytes) const {
  auto found = pairs_.find({from, to});
  if (found == pairs_.end()) return std::nullopt;
  const Series& s = found->second;
  const auto& pts = s.points;
  if (pts.size() >= 2 && bytes >= pts.front().first && bytes <= pts.back().first) {
    auto upper = std::lower_bound(pts.begin(), pts.end(), bytes,
                                  [](const std::pair<Bytes, Seconds>& p, Bytes b) { return p.first < b; });
    if (upper->first == bytes) return upper->second;
    auto lower = upper - 1;
    const double f = (bytes - lower->first) / (upper->first - lower->first);
    return lower->second + f * (upper->second - lower->second);
  }
  return s.latency + bytes * s.seconds_per_byte;
}

std::optional<std::pair<Seconds, double>> TransferCalibration::line(const std::string& from,
                                                                    const std::string& to) const {
  auto found = pairs_.find({from, to});
  if (found == pairs_.end()) return std::nullopt;
  return std::make_pair(found->second.latency, found->second.seconds_per_byte);
}

namespace {

// The slowdown from the references of one role only (alone and beside never mix roles).
std::optional<double> slowdown_among(const std::vector<ContentionEntry>& entries, const std::string& pu,
                                     int units, const std::string& beside, int beside_units,
                                     const std::string& role) {
  // Exact units first, then any measured units of the same PUs.
  for (bool exact : {true, false}) {
    const ContentionEntry* alone = nullptr;
    const ContentionEntry* loaded = nullptr;
    for (const ContentionEntry& e : entries) {
      if (e.pu != pu || e.role != role || (exact && e.units != units)) continue;
      if (e.beside.empty()) {
        if (!alone) alone = &e;
      } else if (e.beside == beside && (!exact || e.beside_units == beside_units)) {
        if (!loaded) loaded = &e;
      }
    }
    if (alone && loaded && alone->stats.median > 0) {
      const double ratio = loaded->stats.median / alone->stats.median;
      // Role-keyed references may measure a factor below 1 (validation's fresh contention times
      // the drafter's step alone as the sequential schedule runs it and beside the target on the
      // drafter's own thread, which can be faster): kept as measured. Legacy ones clamp at 1.
      return role.empty() ? std::max(1.0, ratio) : ratio;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> measured_slowdown(const std::vector<ContentionEntry>& entries, const std::string& pu,
                                        int units, const std::string& beside, int beside_units,
                                        const std::string& role) {
  if (!role.empty())
    if (auto factor = slowdown_among(entries, pu, units, beside, beside_units, role)) return factor;
  if (auto factor = slowdown_among(entries, pu, units, beside, beside_units, "")) return factor;
  // No role asked: the target's references, which is what profiles without roles measured.
  if (role.empty()) return slowdown_among(entries, pu, units, beside, beside_units, "target");
  return std::nullopt;
}

}  // namespace specmap
