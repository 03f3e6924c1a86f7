#pragma once
// The measured points of one profile series (level, model, key, PU, units) over
// (new_tokens, context), and the value they give at any other (new_tokens, context):
// exact, linearly interpolated between measured points, or the point to scale from.
#include <optional>
#include <vector>

#include "core/units.h"

namespace specmap {

struct MeasuredPoint {
  Tokens new_tokens = 1;
  Tokens context = 0;
  Seconds median = 0;  // or relative units; the series never mixes them
  Seconds stddev = 0;
};

// A value the series yields at (new_tokens, context), which may differ from the query
// when the query lies outside the measured range (see PointSeries::anchor).
struct SeriesValue {
  Tokens new_tokens = 1;
  Tokens context = 0;
  Seconds median = 0;
  Seconds stddev = 0;
  bool interpolated = false;  // false: a measured point
};

class PointSeries {
 public:
  PointSeries() = default;
  explicit PointSeries(std::vector<MeasuredPoint> points);

  // Measured point, or linear interpolation between measured points: along new_tokens at a
  // measured context, along context at measured new_tokens, or bilinear inside a grid cell whose
  // four corners were measured. nullopt outside the measured range or in a gap of a sparse grid.
  [[nodiscard]] std::optional<SeriesValue> at(Tokens new_tokens, Tokens context) const;

  // The value to scale from when at() has none: the query clamped into the measured ranges
  // of new_tokens and context if the series has a value there, else the nearest measured point
  // (distance in log(1 + tokens), so 1 -> 2 weighs like 64 -> 128). Equals at() when that exists.
  [[nodiscard]] SeriesValue anchor(Tokens new_tokens, Tokens context) const;

  [[nodiscard]] const std::vector<MeasuredPoint>& points() const { return by_context_; }

 private:
  [[nodiscard]] const MeasuredPoint* find(Tokens new_tokens, Tokens context) const;
  [[nodiscard]] std::optional<SeriesValue> along_new_tokens(Tokens new_tokens, Tokens context) const;
  [[nodiscard]] std::optional<SeriesValue> along_context(Tokens new_tokens, Tokens context) const;
  [[nodiscard]] std::optional<SeriesValue> bilinear(Tokens new_tokens, Tokens context) const;

  std::vector<MeasuredPoint> by_context_;     // sorted by (context, new_tokens)
  std::vector<MeasuredPoint> by_new_tokens_;  // sorted by (new_tokens, context)
  std::vector<Tokens> new_token_values_;      // distinct, ascending
  std::vector<Tokens> context_values_;        // distinct, ascending
};

}  // namespace specmap
