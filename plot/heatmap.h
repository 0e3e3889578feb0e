// A matrix with labelled rows and columns (typically attention weights: source tokens across,
// output tokens down), written as an SVG heatmap to look at and as CSV to compute with.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace focus::plot {

struct HeatmapOptions {
  bool show_values = true;     // write each value in its cell (dropped if the cell is too small)
  int decimals = 2;            // for cell values and colour-bar ticks
  double cell_size = 36.0;     // px, cells are square
  double font_size = 13.0;     // px, for the row and column labels
  std::optional<double> vmin;  // colour-scale ends; default the smallest and largest finite
  std::optional<double> vmax;  // value. Values outside are drawn in the end colour.
};

// An SVG document: one square cell per value coloured on a viridis-like scale (dark purple for
// vmin through teal to yellow for vmax), column labels across the top (rotated 45 degrees when
// one is wider than a cell), row labels down the left, a colour bar with min and max ticks on the
// right. Non-finite values are drawn grey. Hovering a cell shows "row / column: value".
// values is rows x cols; throws ValueError unless it is a non-empty rectangle with one label per
// row and column, or if vmin > vmax.
[[nodiscard]] std::string heatmap_svg(const std::vector<std::vector<double>>& values,
                                      const std::vector<std::string>& col_labels,
                                      const std::vector<std::string>& row_labels, const std::string& title,
                                      const HeatmapOptions& options = {});

// The same matrix as CSV: a header row (an empty cell, then the column labels), then per row its
// label and its values, written in the shortest form that reads back to the same double. Fields
// holding a comma, quote, CR or LF are quoted with inner quotes doubled; lines end in "\n".
// Same checks as heatmap_svg.
[[nodiscard]] std::string matrix_csv(const std::vector<std::vector<double>>& values,
                                     const std::vector<std::string>& col_labels,
                                     const std::vector<std::string>& row_labels);

}  // namespace focus::plot
