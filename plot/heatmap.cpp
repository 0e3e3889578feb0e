// The heatmap and CSV writers. Layout is computed from estimated label widths (svg.h) so long or
// CJK labels get the room they need; colours come from five viridis anchors interpolated in RGB,
// a perceptually ordered scale that stays readable in grey.
#include <focus/plot/heatmap.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <focus/plot/svg.h>
#include <focus/tensor/error.h>

namespace focus::plot {
namespace {

struct Rgb {
  double r, g, b;  // 0..255
};

constexpr std::array<Rgb, 5> kViridis{
    {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
constexpr const char* kMissingColour = "#d9d9d9";

// The scale's colour at t in [0, 1].
Rgb colour_at(double t) {
  t = std::clamp(t, 0.0, 1.0) * (kViridis.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), kViridis.size() - 2);
  const double f = t - static_cast<double>(i);
  const Rgb a = kViridis[i], b = kViridis[i + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

std::string hex(Rgb c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", static_cast<int>(std::lround(c.r)),
                static_cast<int>(std::lround(c.g)), static_cast<int>(std::lround(c.b)));
  return buffer;
}

// Black text on the light end of the scale, white on the dark end (Rec. 709 luma).
const char* text_colour_on(Rgb c) {
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b > 140.0 ? "#000000" : "#ffffff";
}

void check_matrix(const char* op, const std::vector<std::vector<double>>& values,
                  const std::vector<std::string>& col_labels, const std::vector<std::string>& row_labels) {
  const std::string where = std::string(op) + ": ";
  if (values.empty() || values[0].empty())
    throw ValueError(where + "values must have at least one row and one column; got rows=" +
                     std::to_string(values.size()) +
                     ", cols=" + std::to_string(values.empty() ? 0 : values[0].size()));
  for (std::size_t r = 1; r < values.size(); ++r)
    if (values[r].size() != values[0].size())
      throw ValueError(where + "every row must have the same length; got row 0 has " +
                       std::to_string(values[0].size()) + ", row " + std::to_string(r) + " has " +
                       std::to_string(values[r].size()));
  if (col_labels.size() != values[0].size())
    throw ValueError(where + "need one column label per column; got col_labels=" +
                     std::to_string(col_labels.size()) + ", cols=" + std::to_string(values[0].size()));
  if (row_labels.size() != values.size())
    throw ValueError(where + "need one row label per row; got row_labels=" +
                     std::to_string(row_labels.size()) + ", rows=" + std::to_string(values.size()));
}

double widest(const std::vector<std::string>& labels, double font_size) {
  double w = 0.0;
  for (const std::string& label : labels) w = std::max(w, text_width(label, font_size));
  return w;
}

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

}  // namespace

std::string heatmap_svg(const std::vector<std::vector<double>>& values,
                        const std::vector<std::string>& col_labels,
                        const std::vector<std::string>& row_labels, const std::string& title,
                        const HeatmapOptions& options) {
  check_matrix("heatmap_svg", values, col_labels, row_labels);
  if (!(options.cell_size > 0.0) || !(options.font_size > 0.0) || options.decimals < 0 ||
      options.decimals > 12)
    throw ValueError(
        "heatmap_svg: cell_size and font_size must be positive and decimals in [0, 12]; got cell_size=" +
        px(options.cell_size) + ", font_size=" + px(options.font_size) +
        ", decimals=" + std::to_string(options.decimals));

  // Colour-scale range: the options', else the finite data's.
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& row : values)
    for (double v : row)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;  // nothing finite: any range draws all grey
  lo = options.vmin.value_or(lo);
  hi = options.vmax.value_or(hi);
  if (lo > hi)
    throw ValueError("heatmap_svg: vmin must not exceed vmax; got vmin=" + fixed(lo, options.decimals) +
                     ", vmax=" + fixed(hi, options.decimals));
  const auto scale_t = [&](double v) { return hi > lo ? (v - lo) / (hi - lo) : 0.0; };

  // Layout. Column labels are rotated by 45 degrees when one does not fit its cell; a rotated
  // label of width w rises w*sin(45) and reaches w*cos(45) to the right of its anchor.
  const std::size_t rows = values.size(), cols = values[0].size();
  const double cell = options.cell_size, font = options.font_size;
  const double diag = std::sqrt(0.5);
  const double col_label_w = widest(col_labels, font);
  const bool rotate = col_label_w > cell - 4.0;
  const double col_label_h = rotate ? col_label_w * diag + font : font + 4.0;
  const double left = std::max(40.0, widest(row_labels, font) + 20.0);
  const double top = 44.0 + col_label_h + 8.0;
  const double grid_w = cols * cell, grid_h = rows * cell;
  const double bar_x = left + grid_w + 20.0, bar_w = 14.0;
  const double bar_h = std::max(grid_h, 100.0);
  const std::string lo_text = fixed(lo, options.decimals), hi_text = fixed(hi, options.decimals);
  const double tick_w = std::max(text_width(lo_text, font), text_width(hi_text, font));
  double width = bar_x + bar_w + 8.0 + tick_w + 16.0;
  if (rotate) width = std::max(width, left + (cols - 0.5) * cell + col_label_w * diag + 12.0);
  width = std::max(width, text_width(title, 16.0) + 40.0);
  const double height = top + std::max(grid_h, bar_h) + 20.0;

  std::string svg = svg_begin(width, height, title);

  // Column labels, anchored just above the middle of their column.
  svg += "<g font-size=\"" + px(font) + "\" fill=\"#222222\">\n";
  for (std::size_t c = 0; c < cols; ++c) {
    const double x = left + (c + 0.5) * cell, y = top - 6.0;
    if (rotate)
      svg += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" transform=\"rotate(-45 " + px(x) + " " + px(y) +
             ")\">" + xml_escape(col_labels[c]) + "</text>\n";
    else
      svg += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"middle\">" +
             xml_escape(col_labels[c]) + "</text>\n";
  }
  // Row labels, right-aligned against the grid and centred on their row.
  for (std::size_t r = 0; r < rows; ++r)
    svg += "<text x=\"" + px(left - 8.0) + "\" y=\"" + px(top + (r + 0.5) * cell) +
           "\" text-anchor=\"end\" dominant-baseline=\"central\">" + xml_escape(row_labels[r]) + "</text>\n";
  svg += "</g>\n";

  // Cells; the value is written only if it fits the cell at a legible size.
  double value_font = 0.0;
  if (options.show_values) {
    double longest = 0.0;
    for (const auto& row : values)
      for (double v : row) longest = std::max(longest, text_width(fixed(v, options.decimals), 1.0));
    value_font = std::min(font, (cell - 6.0) / longest);
  }
  const bool write_values = options.show_values && value_font >= 7.0;
  svg += "<g>\n";
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = values[r][c];
      const double x = left + c * cell, y = top + r * cell;
      const Rgb colour = colour_at(scale_t(v));
      svg += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(cell) + "\" height=\"" + px(cell) +
             "\" fill=\"" + (std::isfinite(v) ? hex(colour) : kMissingColour) + "\"><title>" +
             xml_escape(row_labels[r]) + " / " + xml_escape(col_labels[c]) + ": " +
             fixed(v, options.decimals) + "</title></rect>\n";
      if (write_values && std::isfinite(v))
        svg += "<text x=\"" + px(x + cell / 2) + "\" y=\"" + px(y + cell / 2) + "\" font-size=\"" +
               px(value_font) + "\" fill=\"" + text_colour_on(colour) +
               "\" text-anchor=\"middle\" dominant-baseline=\"central\">" + fixed(v, options.decimals) +
               "</text>\n";
    }
  }
  svg += "</g>\n";

  // Colour bar: the scale bottom (vmin) to top (vmax), with a tick and label at each end.
  svg += "<defs><linearGradient id=\"colour-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (std::size_t i = 0; i < kViridis.size(); ++i)
    svg += "<stop offset=\"" + px(static_cast<double>(i) / (kViridis.size() - 1)) + "\" stop-color=\"" +
           hex(kViridis[i]) + "\"/>";
  svg += "</linearGradient></defs>\n";
  svg += "<rect x=\"" + px(bar_x) + "\" y=\"" + px(top) + "\" width=\"" + px(bar_w) + "\" height=\"" +
         px(bar_h) + "\" fill=\"url(#colour-scale)\" stroke=\"#444444\" stroke-width=\"0.5\"/>\n";
  svg += "<g font-size=\"" + px(font) + "\" fill=\"#222222\" stroke-width=\"1\">\n";
  for (const auto& [y, label] : {std::pair{top, hi_text}, std::pair{top + bar_h, lo_text}}) {
    svg += "<line x1=\"" + px(bar_x + bar_w) + "\" y1=\"" + px(y) + "\" x2=\"" + px(bar_x + bar_w + 4) +
           "\" y2=\"" + px(y) + "\" stroke=\"#444444\"/>\n";
    svg += "<text x=\"" + px(bar_x + bar_w + 7) + "\" y=\"" + px(y) + "\" dominant-baseline=\"central\">" +
           label + "</text>\n";
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

std::string matrix_csv(const std::vector<std::vector<double>>& values,
                       const std::vector<std::string>& col_labels,
                       const std::vector<std::string>& row_labels) {
  check_matrix("matrix_csv", values, col_labels, row_labels);
  std::string csv;
  for (const std::string& label : col_labels) {
    csv += ',';
    csv += csv_field(label);
  }
  csv += "\n";
  for (std::size_t r = 0; r < values.size(); ++r) {
    csv += csv_field(row_labels[r]);
    for (double v : values[r]) {
      char buffer[32];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);  // shortest round trip
      csv += ',';
      csv.append(buffer, result.ptr);
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace focus::plot
