#include "runtime/measure/profile_coverage.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "profile/point_series.h"

namespace specmap::runtime {

namespace {

using Points = std::set<std::pair<Tokens, Tokens>>;  // (new tokens, context) of one series

PointSeries series_of(const Points& points) {
  std::vector<MeasuredPoint> measured;
  measured.reserve(points.size());
  for (const auto& [n, ctx] : points) measured.push_back(MeasuredPoint{n, ctx, 1.0, 0.0});
  return PointSeries(std::move(measured));
}

// Adds points to `have` until PointSeries::at gives every one of `wanted`.
void cover(Points& have, const Points& wanted) {
  for (;;) {
    const PointSeries series = series_of(have);
    std::map<Tokens, std::pair<Tokens, Tokens>> contexts_at;  // new tokens -> (min, max) context
    std::map<Tokens, std::pair<Tokens, Tokens>> tokens_at;    // context -> (min, max) new tokens
    for (const auto& [n, ctx] : wanted) {
      if (!have.empty() && series.at(n, ctx)) continue;
      auto [c, c_new] = contexts_at.try_emplace(n, ctx, ctx);
      if (!c_new) c->second = {std::min(c->second.first, ctx), std::max(c->second.second, ctx)};
      auto [t, t_new] = tokens_at.try_emplace(ctx, n, n);
      if (!t_new) t->second = {std::min(t->second.first, n), std::max(t->second.second, n)};
    }
    if (contexts_at.empty()) return;
    // An uncovered pass lies between the two ends added for its row or column, which are
    // either new or already measured (then it is interpolated): every round adds a point.
    if (contexts_at.size() <= tokens_at.size()) {
      for (const auto& [n, range] : contexts_at) {
        have.insert({n, range.first});
        have.insert({n, range.second});
      }
    } else {
      for (const auto& [ctx, range] : tokens_at) {
        have.insert({range.first, ctx});
        have.insert({range.second, ctx});
      }
    }
  }
}

}  // namespace

std::vector<PassPoint> covering_points(const std::vector<PassPoint>& grid, const std::vector<PassPoint>& needed) {
  std::map<Tokens, Points> have;  // rows -> the series' points
  for (const PassPoint& p : grid) have[p.rows].insert({p.new_tokens, p.context});
  std::map<Tokens, Points> wanted;
  for (const PassPoint& p : needed) wanted[p.rows].insert({p.new_tokens, p.context});
  for (const auto& [rows, points] : wanted) cover(have[rows], points);
  std::vector<PassPoint> out;
  for (const auto& [rows, points] : have)
    for (const auto& [n, ctx] : points) out.push_back(PassPoint{n, ctx, rows});
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace specmap::runtime
