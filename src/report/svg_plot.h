#pragma once
// A small, dependency-free SVG line/scatter plot: enough for the figures specmap
// writes (speedup vs alpha, predicted vs measured), byte-identical for equal input.
#include <string>
#include <vector>

namespace specmap {

struct PlotSeries {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
  bool points = false;  // draw markers instead of a line
};

struct PlotGuide {  // a dashed reference line
  bool vertical = false;
  double at = 0;
  std::string label;
};

struct PlotSpec {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<PlotSeries> series;
  std::vector<PlotGuide> guides;
  bool diagonal = false;  // y = x reference (predicted vs measured)
};

std::string svg_plot(const PlotSpec& spec);

}  // namespace specmap
