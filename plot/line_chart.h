// Line charts as SVG: training and validation loss against step, benchmark time against sequence
// length. Axes get "nice" ticks (1, 2 or 5 times a power of ten, on a log axis too, or whole
// decades when it spans more than three), each series its own colour and a legend entry.
#pragma once

#include <string>
#include <vector>

namespace focus::plot {

struct Series {
  std::string name;
  std::vector<double> xs;
  std::vector<double> ys;
};

struct LineChartOptions {
  bool log_x = false;
  bool log_y = false;
  double width = 720.0;   // px, the whole picture
  double height = 440.0;  // px
};

// An SVG document with one polyline per series. A point whose x or y is not finite (or not
// positive on a log axis) is skipped and breaks the line, so a NaN loss shows as a gap; a point
// with no neighbour on either side is drawn as a dot, and series of at most 30 points get a dot at
// every point. A constant series gets a range padded around its value. With no drawable point at
// all the chart shows empty axes and says "no data". Throws ValueError if a series has different
// numbers of xs and ys, or width < 200 or height < 150.
[[nodiscard]] std::string line_chart_svg(const std::vector<Series>& series, const std::string& title,
                                         const std::string& x_label, const std::string& y_label,
                                         const LineChartOptions& options = {});

}  // namespace focus::plot
