#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/format.h"

namespace specmap {

namespace {

constexpr double kWidth = 720, kHeight = 460;
constexpr double kLeft = 70, kRight = 170, kTop = 40, kBottom = 55;
// Distinguishable colours (Okabe-Ito), cycled.
const char* const kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};

struct Range {
  double lo = 0, hi = 1;
};

double nice_step(double span) {
  const double raw = span / 6;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

Range padded(double lo, double hi) {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double pad = (hi - lo) * 0.05;
  return {lo - pad, hi + pad};
}

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

}  // namespace

std::string svg_plot(const PlotSpec& spec) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& s : spec.series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xlo = std::min(xlo, s.x[i]);
      xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]);
      yhi = std::max(yhi, s.y[i]);
    }
  for (const auto& g : spec.guides) {
    if (g.vertical) {
      xlo = std::min(xlo, g.at);
      xhi = std::max(xhi, g.at);
    } else {
      ylo = std::min(ylo, g.at);
      yhi = std::max(yhi, g.at);
    }
  }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  if (spec.diagonal) {
    xlo = ylo = std::min(xlo, ylo);
    xhi = yhi = std::max(xhi, yhi);
  }
  const Range xr = padded(xlo, xhi), yr = padded(ylo, yhi);
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto X = [&](double x) { return kLeft + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto Y = [&](double y) { return kTop + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };
  auto n = [](double v) { return fixed(v, 2); };

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << n(kWidth / 2 - kRight / 2) << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
    << esc(spec.title) << "</text>\n";
  // Axes, grid and ticks.
  const double xs = nice_step(xr.hi - xr.lo), ys = nice_step(yr.hi - yr.lo);
  for (double t = std::ceil(xr.lo / xs) * xs; t <= xr.hi + 1e-12; t += xs) {
    o << "<line x1=\"" << n(X(t)) << "\" y1=\"" << n(kTop) << "\" x2=\"" << n(X(t)) << "\" y2=\"" << n(kTop + ph)
      << "\" stroke=\"#e5e5e5\"/>\n";
    o << "<text x=\"" << n(X(t)) << "\" y=\"" << n(kTop + ph + 18) << "\" text-anchor=\"middle\">" << sig(t, 4)
      << "</text>\n";
  }
  for (double t = std::ceil(yr.lo / ys) * ys; t <= yr.hi + 1e-12; t += ys) {
    o << "<line x1=\"" << n(kLeft) << "\" y1=\"" << n(Y(t)) << "\" x2=\"" << n(kLeft + pw) << "\" y2=\"" << n(Y(t))
      << "\" stroke=\"#e5e5e5\"/>\n";
    o << "<text x=\"" << n(kLeft - 8) << "\" y=\"" << n(Y(t) + 4) << "\" text-anchor=\"end\">" << sig(t, 4)
      << "</text>\n";
  }
  o << "<rect x=\"" << n(kLeft) << "\" y=\"" << n(kTop) << "\" width=\"" << n(pw) << "\" height=\"" << n(ph)
    << "\" fill=\"none\" stroke=\"black\"/>\n";
  o << "<text x=\"" << n(kLeft + pw / 2) << "\" y=\"" << n(kHeight - 12) << "\" text-anchor=\"middle\">"
    << esc(spec.x_label) << "</text>\n";
  o << "<text transform=\"translate(18," << n(kTop + ph / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
    << esc(spec.y_label) << "</text>\n";
  if (spec.diagonal)
    o << "<line x1=\"" << n(X(xr.lo)) << "\" y1=\"" << n(Y(yr.lo)) << "\" x2=\"" << n(X(xr.hi)) << "\" y2=\""
      << n(Y(yr.hi)) << "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n";
  int vertical_labels = 0;  // staggered so labels of nearby guides do not overlap
  for (const auto& g : spec.guides) {
    if (g.vertical)
      o << "<line x1=\"" << n(X(g.at)) << "\" y1=\"" << n(kTop) << "\" x2=\"" << n(X(g.at)) << "\" y2=\""
        << n(kTop + ph) << "\" stroke=\"#777\" stroke-dasharray=\"5 4\"/>\n"
        << "<text x=\"" << n(X(g.at) + 3) << "\" y=\"" << n(kTop + 12 + 14 * vertical_labels++)
        << "\" fill=\"#555\">" << esc(g.label)
        << "</text>\n";
    else
      o << "<line x1=\"" << n(kLeft) << "\" y1=\"" << n(Y(g.at)) << "\" x2=\"" << n(kLeft + pw) << "\" y2=\""
        << n(Y(g.at)) << "\" stroke=\"#777\" stroke-dasharray=\"5 4\"/>\n"
        << "<text x=\"" << n(kLeft + 4) << "\" y=\"" << n(Y(g.at) - 4) << "\" fill=\"#555\">" << esc(g.label)
        << "</text>\n";
  }
  // Series and legend.
  for (std::size_t k = 0; k < spec.series.size(); ++k) {
    const auto& s = spec.series[k];
    const char* colour = kColours[k % std::size(kColours)];
    if (s.points) {
      for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
          o << "<circle cx=\"" << n(X(s.x[i])) << "\" cy=\"" << n(Y(s.y[i])) << "\" r=\"3\" fill=\"" << colour
            << "\"/>\n";
    } else {
      o << "<polyline fill=\"none\" stroke-width=\"1.8\" stroke=\"" << colour << "\" points=\"";
      for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) o << n(X(s.x[i])) << ',' << n(Y(s.y[i])) << ' ';
      o << "\"/>\n";
    }
    const double ly = kTop + 10 + 18 * static_cast<double>(k);
    o << "<rect x=\"" << n(kWidth - kRight + 12) << "\" y=\"" << n(ly - 8) << "\" width=\"14\" height=\"4\" fill=\""
      << colour << "\"/>\n";
    o << "<text x=\"" << n(kWidth - kRight + 32) << "\" y=\"" << n(ly - 2) << "\">" << esc(s.label) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace specmap
