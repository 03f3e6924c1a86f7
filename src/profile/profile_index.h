#pragma once
// Lookup tables over a ProfileDb, built once: the measured points of every series
// (level, model, key, PU, units), found by string_view without building strings.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "profile/point_series.h"
#include "profile/profile_db.h"

namespace specmap {

class ProfileIndex {
 public:
  explicit ProfileIndex(const ProfileDb& db);

  struct Found {
    int units = 0;  // the units count the series was measured with
    const PointSeries* series = nullptr;
  };
  // The series at `units` if measured, else the one of the same (level, model, key, PU) with the
  // nearest units count (ties: fewer units); nullopt when the head was never measured. Series of
  // different `rows` (ProfileEntry::rows) are different series: a lookup never mixes them.
  [[nodiscard]] std::optional<Found> nearest(ProfileLevel level, std::string_view model, std::string_view key,
                                             std::string_view pu, int units, Tokens rows = 0) const;
  // Whether any entry carries rows > 0.
  [[nodiscard]] bool has_rows() const { return has_rows_; }
  // Whether any entry of this level exists for the model on the PU (any key, any units).
  [[nodiscard]] bool has_level(ProfileLevel level, std::string_view model, std::string_view pu) const;

 private:
  using SeriesKey = std::tuple<ProfileLevel, std::string, std::string, std::string, Tokens, int>;
  using SeriesView =
      std::tuple<ProfileLevel, std::string_view, std::string_view, std::string_view, Tokens, int>;
  using HeadKey = std::tuple<ProfileLevel, std::string, std::string>;
  using HeadView = std::tuple<ProfileLevel, std::string_view, std::string_view>;

  // Compares owned keys and views alike, so lookups take string_views.
  struct ViewLess {
    using is_transparent = void;
    static SeriesView view(const SeriesKey& k) {
      return {std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), std::get<4>(k), std::get<5>(k)};
    }
    static const SeriesView& view(const SeriesView& k) { return k; }
    static HeadView view(const HeadKey& k) { return {std::get<0>(k), std::get<1>(k), std::get<2>(k)}; }
    static const HeadView& view(const HeadView& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };

  std::map<SeriesKey, PointSeries, ViewLess> series_;
  std::set<HeadKey, ViewLess> levels_present_;  // (level, model, pu)
  bool has_rows_ = false;
};

}  // namespace specmap
