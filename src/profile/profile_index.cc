#include "profile/profile_index.h"

#include <cstdlib>
#include <limits>
#include <vector>

namespace specmap {

ProfileIndex::ProfileIndex(const ProfileDb& db) {
  std::map<SeriesKey, std::vector<MeasuredPoint>> grouped;
  for (const ProfileEntry& e : db.entries) {
    has_rows_ = has_rows_ || e.rows > 0;
    grouped[SeriesKey{e.level, e.model, e.key, e.pu, e.rows, e.units}].push_back(
        MeasuredPoint{e.new_tokens, e.context, e.stats.median, e.stats.stddev});
    levels_present_.emplace(e.level, e.model, e.pu);
  }
  for (auto& [key, points] : grouped) series_.emplace(key, PointSeries(std::move(points)));
}

std::optional<ProfileIndex::Found> ProfileIndex::nearest(ProfileLevel level, std::string_view model,
                                                         std::string_view key, std::string_view pu, int units,
                                                         Tokens rows) const {
  if (auto exact = series_.find(SeriesView{level, model, key, pu, rows, units}); exact != series_.end())
    return Found{units, &exact->second};
  std::optional<Found> best;
  long best_gap = std::numeric_limits<long>::max();
  // Every units count of the head is contiguous in the map, in ascending order.
  for (auto it =
           series_.lower_bound(SeriesView{level, model, key, pu, rows, std::numeric_limits<int>::min()});
       it != series_.end(); ++it) {
    const auto& [l, m, k, p, r, u] = it->first;
    if (l != level || m != model || k != key || p != pu || r != rows) break;
    const long gap = std::labs(static_cast<long>(u) - units);
    if (gap < best_gap) {
      best_gap = gap;
      best = Found{u, &it->second};
    }
  }
  return best;
}

bool ProfileIndex::has_level(ProfileLevel level, std::string_view model, std::string_view pu) const {
  return levels_present_.find(HeadView{level, model, pu}) != levels_present_.end();
}

}  // namespace specmap
