#include "profile/point_series.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace specmap {

namespace {

bool context_major(const MeasuredPoint& a, const MeasuredPoint& b) {
  return a.context != b.context ? a.context < b.context : a.new_tokens < b.new_tokens;
}

bool new_tokens_major(const MeasuredPoint& a, const MeasuredPoint& b) {
  return a.new_tokens != b.new_tokens ? a.new_tokens < b.new_tokens : a.context < b.context;
}

std::vector<Tokens> distinct(std::vector<Tokens> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

double lerp(double a, double b, double t) { return a + (b - a) * t; }

double fraction(Tokens x, Tokens lo, Tokens hi) {
  return static_cast<double>(x - lo) / static_cast<double>(hi - lo);
}

// Straight line between two measured points `lo` and `hi` of one row or column.
SeriesValue between(const MeasuredPoint& lo, const MeasuredPoint& hi, double t, Tokens n, Tokens ctx) {
  return SeriesValue{n, ctx, lerp(lo.median, hi.median, t), lerp(lo.stddev, hi.stddev, t), true};
}

// Strictly bracketing neighbours of x in ascending distinct values.
std::optional<std::pair<Tokens, Tokens>> bracket(const std::vector<Tokens>& values, Tokens x) {
  auto hi = std::upper_bound(values.begin(), values.end(), x);
  if (hi == values.begin() || hi == values.end()) return std::nullopt;
  auto lo = std::prev(hi);
  if (*lo == x) return std::nullopt;
  return std::make_pair(*lo, *hi);
}

double log_distance(Tokens a, Tokens b) {
  return std::abs(std::log1p(static_cast<double>(a)) - std::log1p(static_cast<double>(b)));
}

}  // namespace

PointSeries::PointSeries(std::vector<MeasuredPoint> points) : by_context_(std::move(points)) {
  std::sort(by_context_.begin(), by_context_.end(), context_major);
  by_new_tokens_ = by_context_;
  std::sort(by_new_tokens_.begin(), by_new_tokens_.end(), new_tokens_major);
  std::vector<Tokens> ns, cs;
  for (const MeasuredPoint& p : by_context_) {
    ns.push_back(p.new_tokens);
    cs.push_back(p.context);
  }
  new_token_values_ = distinct(std::move(ns));
  context_values_ = distinct(std::move(cs));
}

const MeasuredPoint* PointSeries::find(Tokens new_tokens, Tokens context) const {
  const MeasuredPoint probe{new_tokens, context, 0, 0};
  auto it = std::lower_bound(by_context_.begin(), by_context_.end(), probe, context_major);
  if (it == by_context_.end() || it->new_tokens != new_tokens || it->context != context) return nullptr;
  return &*it;
}

std::optional<SeriesValue> PointSeries::along_new_tokens(Tokens new_tokens, Tokens context) const {
  // The row at this context is contiguous in by_context_.
  const MeasuredPoint probe{new_tokens, context, 0, 0};
  auto hi = std::upper_bound(by_context_.begin(), by_context_.end(), probe, context_major);
  if (hi == by_context_.begin() || hi == by_context_.end() || hi->context != context) return std::nullopt;
  auto lo = std::prev(hi);
  if (lo->context != context) return std::nullopt;
  return between(*lo, *hi, fraction(new_tokens, lo->new_tokens, hi->new_tokens), new_tokens, context);
}

std::optional<SeriesValue> PointSeries::along_context(Tokens new_tokens, Tokens context) const {
  const MeasuredPoint probe{new_tokens, context, 0, 0};
  auto hi = std::upper_bound(by_new_tokens_.begin(), by_new_tokens_.end(), probe, new_tokens_major);
  if (hi == by_new_tokens_.begin() || hi == by_new_tokens_.end() || hi->new_tokens != new_tokens)
    return std::nullopt;
  auto lo = std::prev(hi);
  if (lo->new_tokens != new_tokens) return std::nullopt;
  return between(*lo, *hi, fraction(context, lo->context, hi->context), new_tokens, context);
}

std::optional<SeriesValue> PointSeries::bilinear(Tokens new_tokens, Tokens context) const {
  auto ns = bracket(new_token_values_, new_tokens);
  auto cs = bracket(context_values_, context);
  if (!ns || !cs) return std::nullopt;
  const MeasuredPoint* p00 = find(ns->first, cs->first);
  const MeasuredPoint* p10 = find(ns->second, cs->first);
  const MeasuredPoint* p01 = find(ns->first, cs->second);
  const MeasuredPoint* p11 = find(ns->second, cs->second);
  if (!p00 || !p10 || !p01 || !p11) return std::nullopt;
  const double tn = fraction(new_tokens, ns->first, ns->second);
  const double tc = fraction(context, cs->first, cs->second);
  auto blend = [&](double v00, double v10, double v01, double v11) {
    return lerp(lerp(v00, v10, tn), lerp(v01, v11, tn), tc);
  };
  return SeriesValue{new_tokens, context, blend(p00->median, p10->median, p01->median, p11->median),
                     blend(p00->stddev, p10->stddev, p01->stddev, p11->stddev), true};
}

std::optional<SeriesValue> PointSeries::at(Tokens new_tokens, Tokens context) const {
  if (const MeasuredPoint* p = find(new_tokens, context))
    return SeriesValue{new_tokens, context, p->median, p->stddev, false};
  if (auto v = along_new_tokens(new_tokens, context)) return v;
  if (auto v = along_context(new_tokens, context)) return v;
  return bilinear(new_tokens, context);
}

SeriesValue PointSeries::anchor(Tokens new_tokens, Tokens context) const {
  if (by_context_.empty()) return SeriesValue{};
  if (auto v = at(new_tokens, context)) return *v;
  const Tokens n = std::clamp(new_tokens, new_token_values_.front(), new_token_values_.back());
  const Tokens c = std::clamp(context, context_values_.front(), context_values_.back());
  if (n != new_tokens || c != context) {
    if (auto v = at(n, c)) return *v;
  }
  const MeasuredPoint* best = &by_context_.front();
  double best_distance = std::numeric_limits<double>::infinity();
  for (const MeasuredPoint& p : by_context_) {  // ascending order: ties go to the smaller point
    const double d = log_distance(p.new_tokens, new_tokens) + log_distance(p.context, context);
    if (d < best_distance) {
      best_distance = d;
      best = &p;
    }
  }
  return SeriesValue{best->new_tokens, best->context, best->median, best->stddev, false};
}

}  // namespace specmap
