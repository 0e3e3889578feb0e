// The line-chart writer: find the range of the drawable points, round each axis out to nice tick
// values, then map data to pixels inside a frame that leaves room for tick labels, axis labels
// and a legend on the right.
#include <focus/plot/line_chart.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iterator>

#include <focus/plot/svg.h>
#include <focus/tensor/error.h>

namespace focus::plot {
namespace {

// Ten colours far apart in hue and lightness; after ten series they repeat with dashes.
constexpr std::array<const char*, 10> kPalette{"#2f6db5", "#e07b1a", "#2a9d4b", "#c9362f", "#7b52ae",
                                               "#8c5a3c", "#d35fa6", "#6b6b6b", "#a3a81c", "#1ba3b5"};
constexpr std::array<const char*, 3> kDashes{"", "6 3", "2 3"};
constexpr std::size_t kDotEveryPointUpTo = 30;
constexpr double kTickFont = 11.0, kLabelFont = 13.0, kLegendFont = 12.0;

// One axis: its ends in data units, whether it is logarithmic, and where its ticks go.
struct Axis {
  double lo = 0.0, hi = 1.0;
  bool log = false;
  std::vector<double> ticks;
  std::vector<std::string> labels;

  // Position of v along the axis, 0 at lo and 1 at hi.
  double unit(double v) const {
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

// raw rounded to 1, 2, 5 or 10 times a power of ten.
double nice_step(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  return nice * magnitude;
}

std::string general(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

// About five intervals between nice ticks, the ends rounded outwards to a tick. has_data false
// means min and max are meaningless and the axis spans [0, 1].
Axis linear_axis(double min, double max, bool has_data) {
  if (!has_data) min = 0.0, max = 1.0;
  if (min == max) {  // a constant: pad around it so it sits mid-axis
    const double pad = min != 0.0 ? std::abs(min) * 0.5 : 1.0;
    min -= pad, max += pad;
  }
  Axis axis;
  const double step = nice_step((max - min) / 5.0);
  // The slack keeps a value that is a tick up to rounding (1.0 / 0.2 = 5 + 1e-16) from adding one.
  axis.lo = std::floor(min / step + 1e-9) * step;
  axis.hi = std::ceil(max / step - 1e-9) * step;
  const long long intervals = std::llround((axis.hi - axis.lo) / step);
  const bool huge = std::max(std::abs(axis.lo), std::abs(axis.hi)) >= 1e6 || step < 1e-6;
  const int decimals = step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  for (long long i = 0; i <= intervals; ++i) {
    double t = axis.lo + static_cast<double>(i) * step;
    if (std::abs(t) < step * 1e-9) t = 0.0;  // no "-0.0" from rounding
    axis.ticks.push_back(t);
    axis.labels.push_back(huge ? general(t) : fixed(t, decimals));
  }
  return axis;
}

// Over at most three decades the ends and ticks are the 1-2-5 values around the data (50, 100,
// 200, 500, 1000, 2000); over more, whole decades, with a tick at every decade (every k-th if
// there are many). A constant is padded by half a decade either side.
Axis log_axis(double min, double max, bool has_data) {
  if (!has_data) min = 1.0, max = 10.0;
  if (min == max) min /= std::sqrt(10.0), max *= std::sqrt(10.0);
  const int e_min = static_cast<int>(std::floor(std::log10(min)));
  const int e_max = static_cast<int>(std::ceil(std::log10(max)));
  std::vector<double> one_two_five;
  for (int e = e_min - 1; e <= e_max; ++e)
    for (double m : {1.0, 2.0, 5.0}) one_two_five.push_back(m * std::pow(10.0, e));
  one_two_five.push_back(std::pow(10.0, e_max + 1));
  const double slack = 1e-9;  // a data value equal to a tick must not push the end past it
  Axis axis;
  axis.log = true;
  axis.lo = *std::prev(std::upper_bound(one_two_five.begin(), one_two_five.end(), min * (1 + slack)));
  axis.hi = *std::lower_bound(one_two_five.begin(), one_two_five.end(), max * (1 - slack));
  if (std::log10(axis.hi / axis.lo) <= 3.0 + slack) {
    for (double t : one_two_five)
      if (t >= axis.lo && t <= axis.hi) axis.ticks.push_back(t);
  } else {
    axis.lo = std::pow(10.0, e_min);
    axis.hi = std::pow(10.0, e_max);
    const int every = std::max(1, (e_max - e_min + 7) / 8);
    for (int e = e_min; e <= e_max; e += every) axis.ticks.push_back(std::pow(10.0, e));
  }
  for (double t : axis.ticks) axis.labels.push_back(general(t));
  return axis;
}

bool drawable(double x, double y, const LineChartOptions& o) {
  return std::isfinite(x) && std::isfinite(y) && (!o.log_x || x > 0.0) && (!o.log_y || y > 0.0);
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const std::string& title,
                           const std::string& x_label, const std::string& y_label,
                           const LineChartOptions& options) {
  for (const Series& s : series)
    if (s.xs.size() != s.ys.size())
      throw ValueError("line_chart_svg: a series needs as many xs as ys; got series '" + s.name +
                       "' with xs=" + std::to_string(s.xs.size()) + ", ys=" + std::to_string(s.ys.size()));
  if (!(options.width >= 200.0) || !(options.height >= 150.0))
    throw ValueError("line_chart_svg: the chart must be at least 200 x 150 px; got width=" +
                     px(options.width) + ", height=" + px(options.height));

  // Ranges of the drawable points.
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  for (const Series& s : series)
    for (std::size_t i = 0; i < s.xs.size(); ++i)
      if (drawable(s.xs[i], s.ys[i], options)) {
        x_min = std::min(x_min, s.xs[i]), x_max = std::max(x_max, s.xs[i]);
        y_min = std::min(y_min, s.ys[i]), y_max = std::max(y_max, s.ys[i]);
      }
  const bool has_data = x_min <= x_max;
  const Axis x_axis = options.log_x ? log_axis(x_min, x_max, has_data) : linear_axis(x_min, x_max, has_data);
  const Axis y_axis = options.log_y ? log_axis(y_min, y_max, has_data) : linear_axis(y_min, y_max, has_data);

  // Frame: y label and tick labels on the left, x tick labels and label below, legend right.
  double y_tick_w = 0.0, legend_w = 0.0;
  for (const std::string& label : y_axis.labels) y_tick_w = std::max(y_tick_w, text_width(label, kTickFont));
  for (const Series& s : series) legend_w = std::max(legend_w, text_width(s.name, kLegendFont) + 36.0);
  legend_w = std::min(legend_w, options.width / 3.0);
  const double left = 28.0 + y_tick_w + 8.0, right = options.width - legend_w - 20.0;
  const double top = 44.0, bottom = options.height - 52.0;
  const auto to_x = [&](double v) { return left + x_axis.unit(v) * (right - left); };
  const auto to_y = [&](double v) { return bottom - y_axis.unit(v) * (bottom - top); };

  std::string svg = svg_begin(options.width, options.height, title);

  // Grid and tick labels.
  svg += "<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n";
  for (double t : x_axis.ticks)
    svg += "<line x1=\"" + px(to_x(t)) + "\" y1=\"" + px(top) + "\" x2=\"" + px(to_x(t)) + "\" y2=\"" +
           px(bottom) + "\"/>\n";
  for (double t : y_axis.ticks)
    svg += "<line x1=\"" + px(left) + "\" y1=\"" + px(to_y(t)) + "\" x2=\"" + px(right) + "\" y2=\"" +
           px(to_y(t)) + "\"/>\n";
  svg += "</g>\n<g font-size=\"" + px(kTickFont) + "\" fill=\"#333333\">\n";
  for (std::size_t i = 0; i < x_axis.ticks.size(); ++i)
    svg += "<text x=\"" + px(to_x(x_axis.ticks[i])) + "\" y=\"" + px(bottom + 16.0) +
           "\" text-anchor=\"middle\">" + x_axis.labels[i] + "</text>\n";
  for (std::size_t i = 0; i < y_axis.ticks.size(); ++i)
    svg += "<text x=\"" + px(left - 6.0) + "\" y=\"" + px(to_y(y_axis.ticks[i])) +
           "\" text-anchor=\"end\" dominant-baseline=\"central\">" + y_axis.labels[i] + "</text>\n";
  svg += "</g>\n";
  svg += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(right - left) + "\" height=\"" +
         px(bottom - top) + "\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>\n";

  // Axis labels.
  const double mid_x = (left + right) / 2.0, mid_y = (top + bottom) / 2.0;
  svg += "<g font-size=\"" + px(kLabelFont) + "\" fill=\"#222222\" text-anchor=\"middle\">\n";
  svg += "<text x=\"" + px(mid_x) + "\" y=\"" + px(options.height - 14.0) + "\">" + xml_escape(x_label) +
         "</text>\n";
  svg += "<text x=\"16\" y=\"" + px(mid_y) + "\" transform=\"rotate(-90 16 " + px(mid_y) +
         ")\" dominant-baseline=\"central\">" + xml_escape(y_label) + "</text>\n";
  if (!has_data)
    svg += "<text x=\"" + px(mid_x) + "\" y=\"" + px(mid_y) + "\" fill=\"#888888\">no data</text>\n";
  svg += "</g>\n";

  // Series: each run of consecutive drawable points is one polyline; a run of one is a dot.
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string colour = kPalette[k % kPalette.size()];
    const std::string dash = kDashes[(k / kPalette.size()) % kDashes.size()];
    std::size_t drawable_points = 0;
    for (std::size_t i = 0; i < s.xs.size(); ++i) drawable_points += drawable(s.xs[i], s.ys[i], options);
    const bool dot_every_point = drawable_points <= kDotEveryPointUpTo;

    svg += "<g stroke=\"" + colour + "\" fill=\"" + colour + "\"><title>" + xml_escape(s.name) + "</title>\n";
    std::vector<std::pair<double, double>> run;
    const auto flush = [&] {
      if (run.size() >= 2) {
        svg += "<polyline fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\"";
        if (!dash.empty()) svg += " stroke-dasharray=\"" + dash + "\"";
        svg += " points=\"";
        for (std::size_t i = 0; i < run.size(); ++i) {
          if (i > 0) svg += ' ';
          svg += px(run[i].first) + "," + px(run[i].second);
        }
        svg += "\"/>\n";
      }
      if (run.size() == 1 || dot_every_point)
        for (const auto& [x, y] : run)
          svg += "<circle cx=\"" + px(x) + "\" cy=\"" + px(y) + "\" r=\"3\" stroke=\"none\"/>\n";
      run.clear();
    };
    for (std::size_t i = 0; i < s.xs.size(); ++i) {
      if (drawable(s.xs[i], s.ys[i], options)) run.emplace_back(to_x(s.xs[i]), to_y(s.ys[i]));
      else flush();
    }
    flush();
    svg += "</g>\n";
  }

  // Legend, one row per series: a short line in the series' colour and dash, then its name.
  svg += "<g font-size=\"" + px(kLegendFont) + "\" fill=\"#222222\">\n";
  for (std::size_t k = 0; k < series.size(); ++k) {
    const double x = right + 12.0, y = top + 10.0 + 20.0 * k;
    const std::string dash = kDashes[(k / kPalette.size()) % kDashes.size()];
    svg += "<line x1=\"" + px(x) + "\" y1=\"" + px(y) + "\" x2=\"" + px(x + 20.0) + "\" y2=\"" + px(y) +
           "\" stroke=\"" + kPalette[k % kPalette.size()] + "\" stroke-width=\"2\"" +
           (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") + "/>\n";
    svg += "<text x=\"" + px(x + 26.0) + "\" y=\"" + px(y) + "\" dominant-baseline=\"central\">" +
           xml_escape(series[k].name) + "</text>\n";
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

}  // namespace focus::plot
