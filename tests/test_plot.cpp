// SVG heatmaps and line charts (well-formed XML, escaped labels, one mark per datum, nice ticks,
// the odd inputs: one point, a constant, NaN), the CSV that reads back to the same doubles, the
// atomic file writer, and the progress report's plain-text format.
#include "op_table.h"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <focus/io/atomic_file.h>
#include <focus/plot/heatmap.h>
#include <focus/plot/line_chart.h>
#include <focus/plot/progress.h>
#include <focus/plot/svg.h>

using namespace focus::plot;
using focus::FormatError;
using focus::ValueError;

namespace {

// "" when doc is one well-formed XML element (after an optional <?xml ...?> declaration):
// tags balanced and properly nested, attribute values quoted, no raw '<' in text or attributes,
// every '&' starting one of the five named entities. Otherwise what is wrong and where.
std::string xml_problem(const std::string& doc) {
  std::size_t i = 0;
  if (doc.starts_with("<?xml")) i = doc.find("?>") + 2;
  std::vector<std::string> open;
  bool root_done = false;
  const auto entity_ok = [&](std::size_t at) {
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
      if (doc.compare(at, std::strlen(e), e) == 0) return true;
    return false;
  };
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '<') {
      std::size_t j = i + 1;
      const bool closing = doc[j] == '/';
      if (closing) ++j;
      const std::size_t name_start = j;
      while (j < doc.size() &&
             (std::isalnum(static_cast<unsigned char>(doc[j])) || doc[j] == '-' || doc[j] == ':'))
        ++j;
      const std::string name = doc.substr(name_start, j - name_start);
      if (name.empty()) return "empty tag name at byte " + std::to_string(i);
      if (root_done) return "content after the root element at byte " + std::to_string(i);
      // Attributes: name="value" pairs up to > or />.
      bool self_closing = false;
      for (;;) {
        while (j < doc.size() && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
        if (j >= doc.size()) return "unterminated tag <" + name + ">";
        if (doc[j] == '>') break;
        if (doc.compare(j, 2, "/>") == 0) {
          self_closing = true;
          ++j;
          break;
        }
        if (closing) return "attribute in closing tag </" + name + ">";
        while (j < doc.size() && doc[j] != '=' && doc[j] != '>' &&
               !std::isspace(static_cast<unsigned char>(doc[j])))
          ++j;
        if (j + 1 >= doc.size() || doc[j] != '=' || (doc[j + 1] != '"' && doc[j + 1] != '\''))
          return "unquoted attribute in <" + name + "> at byte " + std::to_string(j);
        const char quote = doc[j + 1];
        const std::size_t end = doc.find(quote, j + 2);
        if (end == std::string::npos) return "unterminated attribute in <" + name + ">";
        for (std::size_t k = j + 2; k < end; ++k) {
          if (doc[k] == '<') return "raw '<' in an attribute of <" + name + ">";
          if (doc[k] == '&' && !entity_ok(k)) return "bare '&' in an attribute of <" + name + ">";
        }
        j = end + 1;
      }
      if (closing) {
        if (open.empty() || open.back() != name)
          return "</" + name + "> closes " +
                 (open.empty() ? std::string("nothing") : "<" + open.back() + ">");
        open.pop_back();
        if (open.empty()) root_done = true;
      } else if (!self_closing) {
        open.push_back(name);
      } else if (open.empty()) {
        root_done = true;
      }
      i = j + 1;
    } else if (c == '&') {
      if (!entity_ok(i)) return "bare '&' in text at byte " + std::to_string(i);
      ++i;
    } else {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(c)))
        return "text outside the root element at byte " + std::to_string(i);
      ++i;
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (!root_done) return "no root element";
  return "";
}

// Whether a number printed as nan or inf made it into an attribute, a coordinate list or a text.
bool has_non_finite(const std::string& svg) {
  static const std::regex pattern(R"([">, ]-?(nan|inf)[",< ])");
  return std::regex_search(svg, pattern);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Splits CSV text into rows of fields, undoing the quoting.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field), field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field), field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();  // after the final newline
  return rows;
}

double parse_double(const std::string& s) {
  double v = 0.0;
  const auto result = std::from_chars(s.data(), s.data() + s.size(), v);
  REQUIRE_MESSAGE(result.ptr == s.data() + s.size(), "not a number: " << s);
  return v;
}

// A fresh empty directory under the system temporary directory.
std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("focus_test_plot_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

// ---- text helpers ----------------------------------------------------------------------------

TEST_CASE("plot: the XML check used below catches broken documents") {
  CHECK(xml_problem("<svg><g><rect x=\"1\"/></g></svg>\n").empty());
  CHECK(!xml_problem("<svg><g></svg></g>").empty());
  CHECK(!xml_problem("<svg><text>a < b</text></svg>").empty());
  CHECK(!xml_problem("<svg><text>R&D</text></svg>").empty());
  CHECK(!xml_problem("<svg><rect x=1/></svg>").empty());
  CHECK(!xml_problem("<svg>").empty());
  CHECK(has_non_finite("<circle cx=\"nan\"/>"));
  CHECK(has_non_finite("<polyline points=\"1,2 -inf,3\"/>"));
  CHECK(!has_non_finite("<text dominant-baseline=\"central\">infinite</text>"));
}

TEST_CASE("plot: xml_escape escapes markup and repairs what XML forbids") {
  CHECK(xml_escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  const std::string replacement = "\xEF\xBF\xBD";              // U+FFFD
  CHECK(xml_escape("猫が座った") == "猫が座った");             // valid UTF-8 passes through
  CHECK(xml_escape("a\x01z\tc") == "az\tc");                   // C0 control dropped, tab kept
  CHECK(xml_escape("x\xffy") == "x" + replacement + "y");      // invalid byte
  CHECK(xml_escape("\xE7\x8C") == replacement + replacement);  // truncated sequence
  CHECK(xml_escape("\xC0\xAF") == replacement + replacement);  // overlong '/'
  CHECK(xml_escape("\xED\xA0\x80") == replacement + replacement + replacement);  // surrogate
}

TEST_CASE("plot: text_width counts CJK characters as one em and others as 0.6 em") {
  CHECK(text_width("abcde", 10.0) == doctest::Approx(30.0));
  CHECK(text_width("猫猫", 10.0) == doctest::Approx(20.0));
  CHECK(text_width("", 10.0) == 0.0);
  CHECK(px(12.5) == "12.5");
  CHECK(px(3.0) == "3");
  CHECK(px(-0.001) == "0");
  CHECK(px(1.0 / 3.0) == "0.33");
}

// ---- heatmap -----------------------------------------------------------------------------------

TEST_CASE("plot: heatmap is well-formed SVG with one cell per value") {
  const std::vector<std::vector<double>> attn{{0.7, 0.2, 0.1}, {0.05, 0.9, 0.05}};
  const std::string svg = heatmap_svg(attn, {"the", "cat", "sat"}, {"le", "chat"}, "cross-attention");
  INFO(svg);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.starts_with(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(svg.find("Noto Sans CJK SC") != std::string::npos);
  // 6 cells + the white background + the colour bar.
  CHECK(count(svg, "<rect ") == 6 + 2);
  CHECK(count(svg, "<title>") == 6);
  CHECK(svg.find(">cross-attention</text>") != std::string::npos);
  for (const char* label : {">the<", ">cat<", ">sat<", ">le<", ">chat<", ">0.70<", ">0.05<", ">0.90<"})
    CHECK_MESSAGE(svg.find(label) != std::string::npos, label);
  // The colour bar's ticks are the data's min and max.
  CHECK(svg.find(">0.05</text>\n</g>\n</svg>") != std::string::npos);
  CHECK(svg.find(">0.90</text>\n<line") != std::string::npos);
  // Short labels fit their cells: no rotation.
  CHECK(svg.find("rotate(") == std::string::npos);
}

TEST_CASE("plot: heatmap colours run from the scale's start at vmin to its end at vmax") {
  const std::string svg = heatmap_svg({{0.0, 0.5, 1.0, NAN}}, {"a", "b", "c", "d"}, {"x"}, "t");
  CHECK(xml_problem(svg) == "");
  CHECK(count(svg, "fill=\"#440154\"><title>") == 1);  // 0.0: dark purple
  CHECK(count(svg, "fill=\"#21918c\"><title>") == 1);  // 0.5: teal, the middle anchor
  CHECK(count(svg, "fill=\"#fde725\"><title>") == 1);  // 1.0: yellow
  CHECK(count(svg, "fill=\"#d9d9d9\"><title>") == 1);  // NaN: grey, and no value written
  CHECK(svg.find(">nan<") == std::string::npos);
  // A fixed range: 0.5 of [0, 2] is a quarter up the scale, the second anchor.
  HeatmapOptions options;
  options.vmin = 0.0;
  options.vmax = 2.0;
  options.show_values = false;
  const std::string fixed_range = heatmap_svg({{0.5}}, {"a"}, {"x"}, "t", options);
  CHECK(fixed_range.find("fill=\"#3b528b\"><title>") != std::string::npos);
  CHECK(fixed_range.find(": 0.50</title>") != std::string::npos);  // in the tooltip only
  CHECK(count(fixed_range, ">0.50</text>") == 0);                  // no value text in the cell
  CHECK(fixed_range.find(">2.00</text>") != std::string::npos);    // colour-bar max
  // A constant matrix is drawn in the scale's start colour.
  CHECK(count(heatmap_svg({{3.0, 3.0}}, {"a", "b"}, {"x"}, "t"), "fill=\"#440154\"><title>") == 2);
}

TEST_CASE("plot: heatmap escapes labels and rotates long column labels") {
  const std::string svg =
      heatmap_svg({{1.0, 0.0}}, {"<unk>", "a&b \"quoted\" it's"}, {"猫 <eos>"}, "R&D <attn>");
  INFO(svg);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find(">&lt;unk&gt;</text>") != std::string::npos);
  CHECK(svg.find(">a&amp;b &quot;quoted&quot; it&apos;s</text>") != std::string::npos);
  CHECK(svg.find(">猫 &lt;eos&gt;</text>") != std::string::npos);
  CHECK(svg.find(">R&amp;D &lt;attn&gt;</text>") != std::string::npos);
  CHECK(svg.find("<unk>") == std::string::npos);
  // The second column label is far wider than a 36 px cell, so all column labels turn 45 degrees.
  CHECK(count(svg, "transform=\"rotate(-45 ") == 2);
}

TEST_CASE("plot: heatmap rejects ragged or mislabelled matrices") {
  CHECK_ERROR(ValueError, heatmap_svg({}, {}, {}, "t"), "heatmap_svg", "at least one row and one column",
              "rows=0");
  CHECK_ERROR(ValueError, heatmap_svg({{1, 2}, {3}}, {"a", "b"}, {"x", "y"}, "t"), "heatmap_svg",
              "same length", "row 0 has 2, row 1 has 1");
  CHECK_ERROR(ValueError, heatmap_svg({{1, 2}}, {"a"}, {"x"}, "t"), "one column label per column",
              "col_labels=1, cols=2");
  CHECK_ERROR(ValueError, heatmap_svg({{1, 2}}, {"a", "b"}, {}, "t"), "one row label per row",
              "row_labels=0, rows=1");
  HeatmapOptions bad;
  bad.vmin = 1.0;
  bad.vmax = 0.0;
  CHECK_ERROR(ValueError, heatmap_svg({{1}}, {"a"}, {"x"}, "t", bad), "vmin must not exceed vmax",
              "vmin=1.00, vmax=0.00");
  CHECK_ERROR(ValueError, matrix_csv({{1, 2}}, {"a"}, {"x"}), "matrix_csv", "col_labels=1, cols=2");
}

// ---- CSV ---------------------------------------------------------------------------------------

TEST_CASE("plot: matrix_csv quotes what needs it and reads back to the same numbers") {
  const std::vector<std::vector<double>> values{{0.1, 1.0 / 3.0, 1e-300}, {-2.5, 123456789.125, 0.0}};
  const std::vector<std::string> cols{"plain", "with,comma", "say \"hi\""};
  const std::vector<std::string> rows{"multi\nline", "猫"};
  const std::string csv = matrix_csv(values, cols, rows);
  CHECK(csv.starts_with(",plain,\"with,comma\",\"say \"\"hi\"\"\"\n\"multi\nline\",0.1,"));
  const auto table = parse_csv(csv);
  REQUIRE(table.size() == 3);
  CHECK(table[0] == std::vector<std::string>{"", "plain", "with,comma", "say \"hi\""});
  for (std::size_t r = 0; r < 2; ++r) {
    REQUIRE(table[r + 1].size() == 4);
    CHECK(table[r + 1][0] == rows[r]);
    for (std::size_t c = 0; c < 3; ++c)
      CHECK(parse_double(table[r + 1][c + 1]) == values[r][c]);  // bit-exact
  }
}

// ---- line chart --------------------------------------------------------------------------------

TEST_CASE("plot: line chart draws one polyline per series, a legend and nice ticks") {
  std::vector<double> steps, train, valid;
  for (int i = 0; i <= 40; ++i) {
    steps.push_back(i * 25.0);
    train.push_back(0.93 * std::exp(-i / 10.0));
    valid.push_back(0.9 * std::exp(-i / 12.0) + 0.02);
  }
  const std::string svg =
      line_chart_svg({{"train", steps, train}, {"valid <dev>", steps, valid}}, "Loss", "step", "loss");
  INFO(svg);
  CHECK(xml_problem(svg) == "");
  CHECK(count(svg, "<polyline ") == 2);
  CHECK(count(svg, "<circle ") == 0);                          // 41 points each: no dots
  CHECK(svg.find("stroke=\"#2f6db5\"") != std::string::npos);  // two distinct colours
  CHECK(svg.find("stroke=\"#e07b1a\"") != std::string::npos);
  CHECK(svg.find(">train</text>") != std::string::npos);
  CHECK(svg.find(">valid &lt;dev&gt;</text>") != std::string::npos);
  CHECK(svg.find(">step</text>") != std::string::npos);
  CHECK(svg.find(">loss</text>") != std::string::npos);
  // y spans about 0.017..0.93: steps of 0.2 from 0.0 to 1.0. x spans 0..1000: steps of 200.
  for (const char* tick : {">0.0<", ">0.2<", ">0.4<", ">0.6<", ">0.8<", ">1.0<", ">0<", ">200<", ">1000<"})
    CHECK_MESSAGE(svg.find(tick) != std::string::npos, tick);
  CHECK(svg.find(">1.2<") == std::string::npos);
}

TEST_CASE("plot: line chart with a log axis ticks decades and skips values it cannot place") {
  LineChartOptions options;
  options.log_y = true;
  const std::string svg = line_chart_svg(
      {{"time", {128, 256, 512, 1024, 2048}, {0.01, 0.0, 0.9, 12.0, 100.0}}}, "bench", "T", "s", options);
  INFO(svg);
  CHECK(xml_problem(svg) == "");
  for (const char* tick : {">0.01<", ">0.1<", ">1<", ">10<", ">100<"})
    CHECK_MESSAGE(svg.find(tick) != std::string::npos, tick);
  // The 0 at T=256 cannot be drawn on a log axis: the first point stands alone, the rest is a line.
  CHECK(count(svg, "<polyline ") == 1);
  CHECK(count(svg, "<circle ") == 4);  // few points: a dot at each drawable one
}

TEST_CASE("plot: line chart handles a single point, a constant series and NaN") {
  SUBCASE("a single point is a dot on a padded range") {
    const std::string svg = line_chart_svg({{"one", {5.0}, {2.0}}}, "t", "x", "y");
    CHECK(xml_problem(svg) == "");
    CHECK(count(svg, "<circle ") == 1);
    CHECK(count(svg, "<polyline ") == 0);
    CHECK(!has_non_finite(svg));
  }
  SUBCASE("a constant series gets a range around its value") {
    const std::string svg = line_chart_svg({{"flat", {0, 1, 2}, {0.0, 0.0, 0.0}}}, "t", "x", "y");
    CHECK(xml_problem(svg) == "");
    CHECK(count(svg, "<polyline ") == 1);
    CHECK(!has_non_finite(svg));
    CHECK(svg.find(">-1.0<") != std::string::npos);  // 0 padded to [-1, 1]
    CHECK(svg.find(">1.0<") != std::string::npos);
  }
  SUBCASE("NaN and infinity are skipped and break the line") {
    const std::string svg =
        line_chart_svg({{"loss", {1, 2, 3, 4, 5, 6}, {3.0, 2.0, NAN, 1.5, INFINITY, 1.0}}}, "t", "x", "y");
    CHECK(xml_problem(svg) == "");
    CHECK(count(svg, "<polyline ") == 1);  // 1-2; then 4 and 6 stand alone
    CHECK(count(svg, "<circle ") == 4);    // dots at the 4 drawable points (few points)
    CHECK(!has_non_finite(svg));
  }
  SUBCASE("no drawable point at all") {
    const std::string svg = line_chart_svg({{"empty", {}, {}}, {"nan", {1}, {NAN}}}, "t", "x", "y");
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find(">no data</text>") != std::string::npos);
    CHECK(svg.find(">empty</text>") != std::string::npos);  // still in the legend
    CHECK(line_chart_svg({}, "t", "x", "y").find(">no data</text>") != std::string::npos);
  }
}

TEST_CASE("plot: line chart rejects mismatched series and tiny canvases") {
  CHECK_ERROR(ValueError, line_chart_svg({{"bad", {1, 2, 3}, {1, 2}}}, "t", "x", "y"), "line_chart_svg",
              "as many xs as ys", "series 'bad' with xs=3, ys=2");
  LineChartOptions tiny;
  tiny.width = 100;
  CHECK_ERROR(ValueError, line_chart_svg({}, "t", "x", "y", tiny), "at least 200 x 150", "width=100");
}

// ---- files -------------------------------------------------------------------------------------

TEST_CASE("atomic_file: write_file_atomic creates and replaces a file and leaves no temporary behind") {
  const auto dir = fresh_dir("atomic");
  const auto path = dir / "chart.svg";
  focus::io::write_file_atomic(path.string(), "first");
  CHECK(read_all(path) == "first");
  focus::io::write_file_atomic(path.string(), std::string("second\0with nul", 15));
  CHECK(read_all(path) == std::string("second\0with nul", 15));
  focus::io::write_file_atomic(path.string(), "");
  CHECK(read_all(path).empty());
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("atomic_file: write_file_atomic names the path and the system's reason on failure") {
  const auto dir = fresh_dir("atomic_fail");
  const std::string missing = (dir / "no_such_dir" / "x.svg").string();
  CHECK_ERROR(FormatError, focus::io::write_file_atomic(missing, "x"), "write_file_atomic",
              "cannot create a temporary file", missing.c_str(), "No such file or directory");
  // Renaming onto a directory fails after the temporary was written: it must be cleaned up.
  std::filesystem::create_directories(dir / "occupied");
  const std::string onto_dir = (dir / "occupied").string();
  CHECK_ERROR(FormatError, focus::io::write_file_atomic(onto_dir, "x"), "write_file_atomic", "cannot rename",
              onto_dir.c_str());
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // just the directory "occupied"
  std::filesystem::remove_all(dir);
}

// ---- progress ----------------------------------------------------------------------------------

TEST_CASE("plot: format_duration writes mm:ss, and h:mm:ss from an hour on") {
  CHECK(format_duration(0.0) == "00:00");
  CHECK(format_duration(75.9) == "01:15");
  CHECK(format_duration(3599.0) == "59:59");
  CHECK(format_duration(3600.0 + 62.0) == "1:01:02");
  CHECK(format_duration(NAN) == "--:--");
  CHECK(format_duration(-1.0) == "--:--");
}

TEST_CASE("plot: progress in plain mode writes a line every tenth of the steps") {
  std::ostringstream err;
  Progress progress(100, err, /*force_plain=*/true);
  for (int step = 1; step <= 100; ++step) progress.update(step, 3.0 - step * 0.01, 12345.6);
  progress.finish();
  progress.finish();  // a second finish writes nothing
  const auto lines = lines_of(err.str());
  INFO(err.str());
  REQUIRE(lines.size() == 10);
  CHECK(lines[0].starts_with("step 10/100 (10%) loss=2.9000 tokens/s=12346 elapsed="));
  CHECK(lines[4].starts_with("step 50/100 (50%) loss=2.5000 tokens/s=12346 elapsed="));
  CHECK(lines[9].starts_with("step 100/100 (100%) loss=2.0000 tokens/s=12346 elapsed="));
  const std::regex format(
      R"(step \d+/100 \(\d+%\) loss=\d\.\d{4} tokens/s=\d+ elapsed=\d\d:\d\d eta=\d\d:\d\d)");
  for (const std::string& line : lines) CHECK_MESSAGE(std::regex_match(line, format), line);
  CHECK(err.str().find('\r') == std::string::npos);
}

TEST_CASE("plot: progress in plain mode writes the last state when stopped early") {
  std::ostringstream err;
  {
    Progress progress(1000, err, true);
    for (int step = 1; step <= 55; ++step) progress.update(step, 0.5, 42.34);  // below the first tenth
    CHECK(err.str().empty());
    progress.finish();
  }
  const auto lines = lines_of(err.str());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with("step 55/1000 (5%) loss=0.5000 tokens/s=42.3 elapsed="));  // slow: one decimal
  // Fewer steps than tenths: every step crosses one. No update, no output.
  std::ostringstream few;
  Progress three(3, few, true);
  for (int step = 1; step <= 3; ++step) three.update(step, 1.0, 1.0);
  three.finish();
  CHECK(lines_of(few.str()).size() == 3);
  std::ostringstream none;
  Progress unused(10, none, true);
  unused.finish();
  CHECK(none.str().empty());
}

TEST_CASE("plot: progress rejects a non-positive total and steps outside it") {
  std::ostringstream err;
  CHECK_ERROR(ValueError, Progress(0, err), "Progress", "total_steps must be positive", "total_steps=0");
  Progress progress(10, err);
  CHECK_ERROR(ValueError, progress.update(11, 1.0, 1.0), "Progress::update",
              "step must be in [0, total_steps]", "step=11, total_steps=10");
  CHECK_ERROR(ValueError, progress.update(-1, 1.0, 1.0), "step=-1");
}
