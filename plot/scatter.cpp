// The scatter / decision-region writer. Regions are drawn as one rectangle per run of equal
// cells in a row, so a 200 x 200 grid of two classes stays a small file.
#include <focus/plot/scatter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include <focus/plot/svg.h>
#include <focus/tensor/error.h>

namespace focus::plot {
namespace {

// Ten categorical colours (Tableau 10) and their pale tints for regions.
constexpr std::array<const char*, 10> kSolid{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
                                             "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr std::array<const char*, 10> kTint{"#c9d7e6", "#fbdcbc", "#cde3c9", "#f6cccd", "#e5d6e2",
                                            "#d5eae8", "#f9efc6", "#ffe1e5", "#e0d5cf", "#eae7e5"};

}  // namespace

std::string scatter_svg(const std::vector<ScatterPoint>& points, const std::string& title,
                        const DecisionRegions& regions, const ScatterOptions& options) {
  if (options.width < 200 || options.height < 150)
    throw ValueError("scatter_svg: width must be >= 200 and height >= 150; got width=" + px(options.width) +
                     ", height=" + px(options.height));
  double lo_x = INFINITY, hi_x = -INFINITY, lo_y = INFINITY, hi_y = -INFINITY;
  std::set<int> present;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const ScatterPoint& p = points[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || p.label < 0)
      throw ValueError("scatter_svg: points need finite coordinates and a label >= 0; got point " + std::to_string(i) +
                       " = (" + px(p.x) + ", " + px(p.y) + ") label " + std::to_string(p.label));
    lo_x = std::min(lo_x, p.x), hi_x = std::max(hi_x, p.x);
    lo_y = std::min(lo_y, p.y), hi_y = std::max(hi_y, p.y);
    present.insert(p.label);
  }
  if (points.empty()) lo_x = lo_y = 0, hi_x = hi_y = 1;
  const double pad_x = 0.05 * std::max(hi_x - lo_x, 1e-9), pad_y = 0.05 * std::max(hi_y - lo_y, 1e-9);
  const double x0 = options.x_min.value_or(lo_x - pad_x), x1 = options.x_max.value_or(hi_x + pad_x);
  const double y0 = options.y_min.value_or(lo_y - pad_y), y1 = options.y_max.value_or(hi_y + pad_y);
  if (!(x0 < x1) || !(y0 < y1))
    throw ValueError("scatter_svg: each axis needs min < max; got x=[" + px(x0) + ", " + px(x1) + "], y=[" + px(y0) +
                     ", " + px(y1) + "]");
  const auto& grid = regions.classes;
  if (!grid.empty()) {
    for (std::size_t r = 0; r < grid.size(); ++r)
      if (grid[r].empty() || grid[r].size() != grid[0].size())
        throw ValueError("scatter_svg: regions must be a non-empty rectangle; got row 0 has " +
                         std::to_string(grid[0].size()) + " cells, row " + std::to_string(r) + " has " +
                         std::to_string(grid[r].size()));
    for (const auto& row : grid)
      for (int c : row)
        if (c < 0) throw ValueError("scatter_svg: region classes must be >= 0; got " + std::to_string(c));
  }

  // Plot area: a margin for the title above, the legend below, tick labels left and below.
  const double left = 56, right = options.width - 16, top = 40, bottom = options.height - 64;
  const auto sx = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
  const auto sy = [&](double y) { return bottom - (y - y0) / (y1 - y0) * (bottom - top); };

  std::string svg = svg_begin(options.width, options.height, title);
  if (!grid.empty()) {
    const double cw = (right - left) / static_cast<double>(grid[0].size());
    const double ch = (bottom - top) / static_cast<double>(grid.size());
    svg += "<g shape-rendering=\"crispEdges\">\n";
    for (std::size_t r = 0; r < grid.size(); ++r)
      for (std::size_t c = 0; c < grid[r].size();) {
        std::size_t end = c + 1;  // a run of equal cells becomes one rectangle
        while (end < grid[r].size() && grid[r][end] == grid[r][c]) ++end;
        svg += "<rect x=\"" + px(left + c * cw) + "\" y=\"" + px(top + r * ch) + "\" width=\"" + px((end - c) * cw) +
               "\" height=\"" + px(ch) + "\" fill=\"" + kTint[grid[r][c] % kTint.size()] + "\"/>\n";
        present.insert(grid[r][c]);
        c = end;
      }
    svg += "</g>\n";
  }
  for (const ScatterPoint& p : points)
    svg += "<circle cx=\"" + px(sx(p.x)) + "\" cy=\"" + px(sy(p.y)) + "\" r=\"" + px(options.point_radius) +
           "\" fill=\"" + kSolid[p.label % kSolid.size()] + "\" stroke=\"#333333\" stroke-width=\"0.5\"/>\n";

  // Frame, and the axis ends and middle labelled.
  svg += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(right - left) + "\" height=\"" +
         px(bottom - top) + "\" fill=\"none\" stroke=\"#333333\"/>\n";
  svg += "<g font-size=\"12\" fill=\"#333333\">\n";
  for (double f : {0.0, 0.5, 1.0}) {
    const double xv = x0 + f * (x1 - x0), yv = y0 + f * (y1 - y0);
    svg += "<text x=\"" + px(sx(xv)) + "\" y=\"" + px(bottom + 16) + "\" text-anchor=\"middle\">" + fixed(xv, 2) + "</text>\n";
    svg += "<text x=\"" + px(left - 6) + "\" y=\"" + px(sy(yv) + 4) + "\" text-anchor=\"end\">" + fixed(yv, 2) + "</text>\n";
  }
  svg += "</g>\n";

  // Legend: one swatch and name per class present, in a row under the plot.
  double lx = left;
  const double ly = options.height - 24;
  for (int c : present) {
    const std::string name = c < static_cast<int>(options.class_names.size()) ? options.class_names[c]
                                                                              : "class " + std::to_string(c);
    svg += "<circle cx=\"" + px(lx + 6) + "\" cy=\"" + px(ly - 4) + "\" r=\"5\" fill=\"" + kSolid[c % kSolid.size()] +
           "\"/>\n<text x=\"" + px(lx + 16) + "\" y=\"" + px(ly) + "\" font-size=\"13\">" + xml_escape(name) + "</text>\n";
    lx += 30 + text_width(name, 13);
  }
  return svg + "</svg>\n";
}

}  // namespace focus::plot
