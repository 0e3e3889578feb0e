// scatter: the labelled-points / decision-region SVG (plot/scatter.h): one circle per point plus
// one legend swatch per class, region cells merged into runs, colours by class, escaped names,
// and the errors for bad points, grids and ranges.
#include <doctest/doctest.h>

#include <focus/plot/scatter.h>
#include <focus/tensor/error.h>

#include <cmath>
#include <string>

using namespace focus::plot;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("scatter: one circle per point and one legend entry per class") {
  const std::vector<ScatterPoint> points{{0, 0, 0}, {1, 1, 1}, {0.5, 0.2, 1}, {-1, 2, 0}};
  ScatterOptions o;
  o.class_names = {"zero", "one & <two>"};
  const std::string svg = scatter_svg(points, "t", {}, o);
  CHECK(svg.starts_with("<?xml"));
  CHECK(svg.ends_with("</svg>\n"));
  CHECK(count(svg, "<circle") == 4 + 2);
  CHECK(count(svg, "fill=\"#4e79a7\"") == 2 + 1);  // class 0: two points and its swatch
  CHECK(count(svg, "fill=\"#f28e2b\"") == 2 + 1);
  CHECK(svg.find("one &amp; &lt;two&gt;") != std::string::npos);
  CHECK(svg.find("<two>") == std::string::npos);
}

TEST_CASE("scatter: regions become one tinted rectangle per run of equal cells") {
  DecisionRegions r;
  r.classes = {{0, 0, 1}, {1, 1, 1}};  // row 0: a run of two and a run of one; row 1: one run
  ScatterOptions o;
  o.x_min = o.y_min = 0;
  o.x_max = o.y_max = 1;
  o.width = 300;
  o.height = 300;
  const std::string svg = scatter_svg({}, "regions", r, o);
  CHECK(count(svg, "fill=\"#c9d7e6\"") == 1);
  CHECK(count(svg, "fill=\"#fbdcbc\"") == 2);
  // Plot area x from 56 to 284: a run of two of three cells is 152 px wide.
  CHECK(svg.find("<rect x=\"56\" y=\"40\" width=\"152\"") != std::string::npos);
}

TEST_CASE("scatter: bad points, grids and ranges are rejected with the values") {
  CHECK_THROWS_WITH_AS(scatter_svg({{0, NAN, 0}}, "t"),
                       "scatter_svg: points need finite coordinates and a label >= 0; got point 0 = (0, nan) label 0",
                       focus::ValueError);
  CHECK_THROWS_WITH_AS(scatter_svg({{0, 0, -1}}, "t"),
                       "scatter_svg: points need finite coordinates and a label >= 0; got point 0 = (0, 0) label -1",
                       focus::ValueError);
  DecisionRegions ragged;
  ragged.classes = {{0, 1}, {1}};
  CHECK_THROWS_WITH_AS(scatter_svg({}, "t", ragged),
                       "scatter_svg: regions must be a non-empty rectangle; got row 0 has 2 cells, row 1 has 1",
                       focus::ValueError);
  ScatterOptions o;
  o.x_min = 1;
  o.x_max = 1;
  CHECK_THROWS_WITH_AS(scatter_svg({}, "t", {}, o), "scatter_svg: each axis needs min < max; got x=[1, 1], y=[-0.05, 1.05]",
                       focus::ValueError);
  o = {};
  o.width = 100;
  CHECK_THROWS_WITH_AS(scatter_svg({}, "t", {}, o), "scatter_svg: width must be >= 200 and height >= 150; got width=100, height=600",
                       focus::ValueError);
}
