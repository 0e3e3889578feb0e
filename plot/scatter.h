// Labelled points in the plane as SVG, optionally over a classifier's decision regions: the
// picture of what a small classifier learned (two spirals, XOR, blobs). Each class has one colour:
// its points drawn solid, its region in a pale tint of the same colour.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace focus::plot {

struct ScatterPoint {
  double x = 0, y = 0;
  int label = 0;  // class, 0 .. 9 (colours repeat after ten)
};

// A grid of predicted classes covering the plot area: regions[r][c] is the class at row r
// (r = 0 at the top, y_max) and column c (c = 0 at the left, x_min); cells are equal rectangles.
struct DecisionRegions {
  std::vector<std::vector<int>> classes;
};

struct ScatterOptions {
  double width = 560.0;   // px, the whole picture
  double height = 600.0;  // px
  double point_radius = 3.0;
  // Axis ranges; default the points' range padded by 5% on each side. With regions, pass the
  // range the grid was computed on.
  std::optional<double> x_min, x_max, y_min, y_max;
  std::vector<std::string> class_names;  // legend entries, by class; none: "class 0", ...
};

// An SVG document: the regions (if given) as tinted cells, the points on top with a thin dark
// outline, a frame with the axis ends labelled, and a legend of the classes present. Throws
// ValueError for a negative label, a non-finite coordinate, an empty or ragged regions grid, a
// range whose min is not below its max, or width < 200 or height < 150.
[[nodiscard]] std::string scatter_svg(const std::vector<ScatterPoint>& points, const std::string& title,
                                      const DecisionRegions& regions = {}, const ScatterOptions& options = {});

}  // namespace focus::plot
