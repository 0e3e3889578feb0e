// The run report page: HTML assembled section by section, each string escaped on its way in; the
// charts are plot::line_chart_svg inlined, the attention maps one JSON block drawn by a small
// script (a select of layer and head, an SVG of cells with token labels, a hover readout), and a
// "#selftest" fragment makes that script check its own drawing for the browser test.
#include <focus/train/report.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>

#include <focus/io/atomic_file.h>
#include <focus/io/json.h>
#include <focus/plot/line_chart.h>
#include <focus/plot/svg.h>
#include <focus/tensor/error.h>

namespace focus::train {
namespace {

namespace fs = std::filesystem;

// Text for an element or a quoted attribute: XML's five entities serve HTML too, and invalid UTF-8
// becomes U+FFFD, so whatever a tokenizer produced cannot break the page.
std::string esc(std::string_view text) { return plot::xml_escape(text); }

// text with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD, for JSON
// (io::json::quote copies bytes as they are and needs valid UTF-8).
std::string valid_utf8(std::string_view text) {
  std::string out;
  std::size_t bad = 0;
  while (!io::json::is_valid_utf8(text, &bad)) {
    out.append(text.substr(0, bad));
    out += "\xEF\xBF\xBD";
    text.remove_prefix(bad + 1);
  }
  out.append(text);
  return out;
}

// A JSON string literal safe inside <script>: "<" only occurs inside strings, and written as
// \u003c no "</script>" or "<!--" in a token can end or confuse the script element.
std::string js_string(std::string_view text) {
  const std::string quoted = io::json::quote(valid_utf8(text));
  std::string out;
  out.reserve(quoted.size());
  for (char c : quoted) out += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return out;
}

// Four significant digits: a weight drawn as a colour and shown to three decimals needs no more,
// and the file stays small. JSON has no NaN, so a non-finite weight is null (drawn grey).
std::string js_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

std::string score_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

// line_chart_svg writes a standalone document; inside HTML the XML declaration is noise and the
// HTML parser puts <svg> in the SVG namespace itself, so the xmlns attribute (the one "http://"
// in the file, though nothing is fetched from it) goes too.
std::string inline_svg(std::string svg) {
  svg.erase(0, svg.find("<svg"));
  const std::string xmlns = " xmlns=\"http://www.w3.org/2000/svg\"";
  if (const auto at = svg.find(xmlns); at != std::string::npos) svg.erase(at, xmlns.size());
  return svg;
}

void check(const ReportData& data) {
  for (const auto& [step, values] : data.score_rows)
    if (values.size() != data.score_names.size())
      throw ValueError("report: a score row needs one value per score name; got " +
                       std::to_string(data.score_names.size()) + " names, the row of step " + std::to_string(step) +
                       " has " + std::to_string(values.size()) + " values");
  for (const AttentionMap& m : data.attention) {
    bool rectangle = !m.rows.empty() && !m.columns.empty() && m.weights.size() == m.rows.size();
    for (const auto& row : m.weights) rectangle = rectangle && row.size() == m.columns.size();
    if (!rectangle) {
      std::string shape;
      for (const auto& row : m.weights) shape += (shape.empty() ? "" : ", ") + std::to_string(row.size());
      throw ValueError("report: an attention map needs at least one row and column and weights of rows x columns; got '" +
                       m.label + "' rows=" + std::to_string(m.rows.size()) + ", columns=" +
                       std::to_string(m.columns.size()) + ", weights row lengths=[" + shape + "]");
    }
  }
}

constexpr const char* kStyle = R"CSS(
body { margin: 0 auto; max-width: 1180px; padding: 0 16px 48px; color: #1d1d1f; background: #fff; line-height: 1.4; }
h1 { margin: 20px 0 4px; font-size: 24px; }
h2 { margin: 28px 0 8px; font-size: 19px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
nav a { margin-right: 14px; color: #2f6db5; }
.status { font-size: 17px; font-weight: bold; margin: 4px 0; }
.written, .note { color: #555; font-size: 14px; margin: 4px 0; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; word-break: break-word; max-width: 420px; }
tr.wrong td.mark { color: #c9362f; font-weight: bold; }
tr.right td.mark { color: #2a9d4b; }
tr.wrong td.output { background: #fdecea; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.charts svg { max-width: 100%; height: auto; border: 1px solid #eee; }
#page-errors { color: #c9362f; font-weight: bold; }
#map-view svg { max-width: 100%; height: auto; }
#map-readout { font-size: 15px; min-height: 1.4em; }
select { font-size: 15px; padding: 2px 4px; }
)CSS";

// Installed first, in <head>, so an error anywhere on the page (a script or a resource) is shown
// on the page itself and a headless browser can read it from the DOM.
constexpr const char* kErrorScript = R"JS(
window.pageErrors = [];
window.addEventListener('error', function (e) {
  window.pageErrors.push(e.message || ('cannot load ' + (e.target && e.target.tagName)));
  var el = document.getElementById('page-errors');
  if (el) { el.hidden = false; el.textContent = 'Errors on this page: ' + window.pageErrors.join('; '); }
}, true);
)JS";

// Shows how long ago the page was written, since the reader reloads it by hand.
constexpr const char* kAgeScript = R"JS(
(function () {
  var t = document.getElementById('written'), age = document.getElementById('age');
  var s = Math.round((Date.now() - Date.parse(t.getAttribute('datetime'))) / 1000);
  if (!(s >= 0)) return;
  age.textContent = s < 90 ? '(' + s + ' s ago)' : s < 5400 ? '(' + Math.round(s / 60) + ' min ago)'
                                                  : '(' + (s / 3600).toFixed(1) + ' h ago)';
})();
)JS";

// Draws the chosen attention map as SVG cells coloured on the viridis scale plot::heatmap_svg uses
// (zero, or the smallest weight if negative, is dark purple; the map's largest is yellow), column
// tokens across the top, row tokens down the left; a cell's <title> and the readout under the map
// say "source <token>, output <token>, weight <w>". With #selftest the script selects every map in
// turn through the <select> (as a reader would) and checks what was drawn: one cell per weight in
// its colour, the token labels, the caption, the hover readout, and that each map's drawing differs
// from those of maps with other contents; the verdict goes into #selftest-result.
constexpr const char* kAttentionScript = R"JS(
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('attention-data').textContent);
  var select = document.getElementById('map-select'), view = document.getElementById('map-view');
  var caption = document.getElementById('map-caption'), readout = document.getElementById('map-readout');
  var VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  var WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function hex(v) { var h = Math.round(v).toString(16); return h.length < 2 ? '0' + h : h; }
  function colour(t) {
    t = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
    var i = Math.min(Math.floor(t), VIRIDIS.length - 2), f = t - i, a = VIRIDIS[i], b = VIRIDIS[i + 1];
    return '#' + hex(a[0] + f * (b[0] - a[0])) + hex(a[1] + f * (b[1] - a[1])) + hex(a[2] + f * (b[2] - a[2]));
  }
  function textWidth(s, size) {
    var w = 0;
    for (var ch of String(s)) w += WIDE.test(ch) || ch.codePointAt(0) >= 0x20000 ? size : 0.6 * size;
    return w;
  }
  function widest(list, size) { return list.reduce(function (w, s) { return Math.max(w, textWidth(s, size)); }, 0); }
  function weightText(w) { return w === null ? 'not finite' : w.toFixed(3); }
  function describe(m, r, c) {
    return 'source ' + data.tokens[m.columns][c] + ', output ' + data.tokens[m.rows][r] + ', weight ' + weightText(m.weights[r][c]);
  }
  function range(m) {
    var lo = 0, hi = -Infinity;
    m.weights.forEach(function (row) { row.forEach(function (w) { if (w !== null) { lo = Math.min(lo, w); hi = Math.max(hi, w); } }); });
    return hi > lo ? [lo, hi] : [lo, lo + 1];
  }
  function cellColour(m, lohi, w) { return w === null ? '#d9d9d9' : colour((w - lohi[0]) / (lohi[1] - lohi[0])); }

  function draw(i) {
    var m = data.maps[i], cols = data.tokens[m.columns], rows = data.tokens[m.rows], lohi = range(m);
    var cell = Math.max(14, Math.min(40, Math.floor(760 / cols.length))), font = Math.min(13, Math.max(9, cell * 0.5));
    var left = widest(rows, font) + 12, top = widest(cols, font) * 0.72 + font + 8;
    var width = left + cols.length * cell + 90, height = top + rows.length * cell + 12;
    var s = ['<svg width="' + width + '" height="' + height + '" viewBox="0 0 ' + width + ' ' + height +
             '" font-size="' + font + '"><rect width="100%" height="100%" fill="#ffffff"/>'];
    cols.forEach(function (tok, c) {
      var x = left + (c + 0.5) * cell;
      s.push('<text class="col-label" transform="translate(' + x + ',' + (top - 6) + ') rotate(-45)">' + esc(tok) + '</text>');
    });
    rows.forEach(function (tok, r) {
      s.push('<text class="row-label" x="' + (left - 6) + '" y="' + (top + (r + 0.5) * cell) +
             '" text-anchor="end" dominant-baseline="middle">' + esc(tok) + '</text>');
      m.weights[r].forEach(function (w, c) {
        s.push('<rect data-r="' + r + '" data-c="' + c + '" x="' + (left + c * cell) + '" y="' + (top + r * cell) +
               '" width="' + cell + '" height="' + cell + '" fill="' + cellColour(m, lohi, w) +
               '" stroke="#ffffff" stroke-width="0.5"><title>' + esc(describe(m, r, c)) + '</title></rect>');
      });
    });
    var bx = left + cols.length * cell + 16;
    for (var k = 0; k < 20; ++k)
      s.push('<rect x="' + bx + '" y="' + (top + (19 - k) * 6) + '" width="14" height="6" fill="' + colour(k / 19) + '"/>');
    s.push('<text x="' + (bx + 18) + '" y="' + (top + 6) + '">' + lohi[1].toFixed(2) + '</text>');
    s.push('<text x="' + (bx + 18) + '" y="' + (top + 120) + '">' + lohi[0].toFixed(2) + '</text></svg>');
    view.innerHTML = s.join('');
    view.setAttribute('data-map', String(i));
    caption.textContent = m.caption;
    readout.textContent = 'Hover a cell to see its source token, output token and weight.';
  }

  select.addEventListener('change', function () { draw(Number(select.value)); });
  view.addEventListener('mouseover', function (e) {
    var t = e.target, i = Number(view.getAttribute('data-map'));
    if (t.hasAttribute && t.hasAttribute('data-r'))
      readout.textContent = describe(data.maps[i], Number(t.getAttribute('data-r')), Number(t.getAttribute('data-c')));
  });
  draw(Number(select.value) || 0);

  function selftest() {
    var problems = [], drawn = [];
    function expect(ok, what) { if (!ok) problems.push(what); }
    if (select.options.length !== data.maps.length || data.maps.length < 2)
      problems.push('need one option per map and at least 2 maps; got ' + select.options.length + ' options, ' + data.maps.length + ' maps');
    for (var i = 0; i < select.options.length && problems.length === 0; ++i) {
      select.selectedIndex = i;
      select.dispatchEvent(new Event('change'));
      var m = data.maps[i], cols = data.tokens[m.columns], rows = data.tokens[m.rows], lohi = range(m);
      var where = 'map ' + i + ' (' + select.options[i].textContent + '): ';
      expect(view.getAttribute('data-map') === String(i), where + 'not drawn after selecting it');
      expect(caption.textContent === m.caption, where + 'caption ' + JSON.stringify(caption.textContent));
      var labels = function (cls) { return Array.prototype.map.call(view.querySelectorAll('text.' + cls), function (t) { return t.textContent; }); };
      expect(JSON.stringify(labels('col-label')) === JSON.stringify(cols), where + 'column labels ' + JSON.stringify(labels('col-label')));
      expect(JSON.stringify(labels('row-label')) === JSON.stringify(rows), where + 'row labels ' + JSON.stringify(labels('row-label')));
      var cells = view.querySelectorAll('rect[data-r]');
      expect(cells.length === rows.length * cols.length, where + cells.length + ' cells for ' + rows.length + ' x ' + cols.length);
      Array.prototype.forEach.call(cells, function (cell) {
        var r = Number(cell.getAttribute('data-r')), c = Number(cell.getAttribute('data-c'));
        var want = cellColour(m, lohi, m.weights[r][c]);
        if (cell.getAttribute('fill') !== want) problems.push(where + 'cell ' + r + ',' + c + ' is ' + cell.getAttribute('fill') + ', not ' + want);
      });
      var last = cells[cells.length - 1];
      last.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
      expect(readout.textContent === describe(m, rows.length - 1, cols.length - 1), where + 'hover shows ' + JSON.stringify(readout.textContent));
      var picture = view.innerHTML, content = JSON.stringify([cols, rows, m.weights]);
      drawn.forEach(function (d) {
        if (d.content !== content && d.picture === picture) problems.push(where + 'drawn the same as map ' + d.index);
      });
      drawn.push({ index: i, picture: picture, content: content });
    }
    var out = document.getElementById('selftest-result');
    out.hidden = false;
    out.textContent = problems.length === 0 ? 'PASS: ' + data.maps.length + ' maps selected, drawn and checked'
                                            : 'FAIL: ' + problems.slice(0, 10).join('; ');
  }
  if (location.hash === '#selftest') selftest();
})();
)JS";

std::string utc_time(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

void options_section(std::string& h, const ReportData& data) {
  h += "<section id=\"options\">\n<h2>Options</h2>\n";
  if (data.options.empty()) {
    h += "<p class=\"note\">No options recorded.</p>\n</section>\n";
    return;
  }
  h += "<table>\n<tr><th>flag</th><th>value</th></tr>\n";
  for (const auto& [name, value] : data.options)
    h += "<tr><td>" + esc(name) + "</td><td class=\"text\">" + esc(value) + "</td></tr>\n";
  h += "</table>\n</section>\n";
}

void charts_section(std::string& h, const ReportData& data) {
  h += "<section id=\"charts\">\n<h2>Curves</h2>\n";
  if (data.charts.empty()) h += "<p class=\"note\">No curves yet.</p>\n";
  h += "<div class=\"charts\">\n";
  for (const Chart& chart : data.charts) {
    std::vector<plot::Series> series;
    for (const Curve& c : chart.curves) series.push_back({c.name, c.x, c.y});
    h += inline_svg(plot::line_chart_svg(series, chart.title, chart.x_label, chart.y_label,
                                         {.log_y = chart.log_y, .width = 560, .height = 340}));
  }
  h += "</div>\n</section>\n";
}

void scores_section(std::string& h, const ReportData& data) {
  h += "<section id=\"scores\">\n<h2>Scores</h2>\n";
  if (data.score_rows.empty()) {
    h += "<p class=\"note\">No evaluation yet.</p>\n</section>\n";
    return;
  }
  h += "<table>\n<tr><th>step</th>";
  for (const std::string& name : data.score_names) h += "<th>" + esc(name) + "</th>";
  h += "</tr>\n";
  for (const auto& [step, values] : data.score_rows) {
    h += "<tr><td class=\"num\">" + std::to_string(step) + "</td>";
    for (double v : values) h += "<td class=\"num\">" + score_text(v) + "</td>";
    h += "</tr>\n";
  }
  h += "</table>\n</section>\n";
}

// Outputs with a reference are marked right or wrong (exact match, the strictest reading); a
// table without any reference is generated text and has no reference or mark columns.
void samples_section(std::string& h, const ReportData& data) {
  h += "<section id=\"samples\">\n<h2>Samples</h2>\n";
  if (data.samples.empty()) {
    h += "<p class=\"note\">No samples yet.</p>\n</section>\n";
    return;
  }
  std::size_t judged = 0, right = 0;
  for (const Sample& s : data.samples)
    if (!s.reference.empty()) ++judged, right += s.output == s.reference;
  if (judged > 0)
    h += "<p class=\"note\">" + std::to_string(right) + " of " + std::to_string(judged) +
         " outputs match their reference exactly.</p>\n";
  h += "<table>\n<tr><th>input</th>";
  if (judged > 0) h += "<th>reference</th>";
  h += "<th>output</th>";
  if (judged > 0) h += "<th></th>";
  h += "</tr>\n";
  for (const Sample& s : data.samples) {
    const bool has_ref = !s.reference.empty(), ok = s.output == s.reference;
    h += std::string("<tr") + (has_ref ? (ok ? " class=\"right\"" : " class=\"wrong\"") : "") + ">";
    h += "<td class=\"text\">" + esc(s.input) + "</td>";
    if (judged > 0) h += "<td class=\"text\">" + esc(s.reference) + "</td>";
    h += "<td class=\"text output\">" + esc(s.output) + "</td>";
    if (judged > 0)
      h += std::string("<td class=\"mark\">") + (!has_ref ? "" : ok ? "&#10003;" : "&#10007; wrong") + "</td>";
    h += "</tr>\n";
  }
  h += "</table>\n</section>\n";
}

// The token lists are stored once each (every head of a layer shares its sentence's tokens) and
// the maps refer to them by index.
std::string attention_json(const std::vector<AttentionMap>& maps) {
  std::map<std::vector<std::string>, std::size_t> index;
  std::vector<const std::vector<std::string>*> lists;
  const auto list_of = [&](const std::vector<std::string>& tokens) {
    const auto [it, added] = index.emplace(tokens, lists.size());
    if (added) lists.push_back(&it->first);
    return std::to_string(it->second);
  };
  std::string maps_json;
  for (const AttentionMap& m : maps) {
    // Two statements: the operands of one + chain may be evaluated in any order.
    const std::string columns = list_of(m.columns), rows = list_of(m.rows);
    maps_json += maps_json.empty() ? "\n" : ",\n";
    maps_json += "{\"caption\":" + js_string(m.caption) + ",\"columns\":" + columns + ",\"rows\":" + rows +
                 ",\"weights\":[";
    for (std::size_t r = 0; r < m.weights.size(); ++r) {
      maps_json += r ? ",[" : "[";
      for (std::size_t c = 0; c < m.weights[r].size(); ++c) {
        if (c) maps_json += ',';
        maps_json += js_number(m.weights[r][c]);
      }
      maps_json += "]";
    }
    maps_json += "]}";
  }
  std::string json = "{\"tokens\":[";
  for (std::size_t i = 0; i < lists.size(); ++i) {
    json += i ? ",\n[" : "\n[";
    for (std::size_t k = 0; k < lists[i]->size(); ++k) {
      if (k) json += ',';
      json += js_string((*lists[i])[k]);
    }
    json += "]";
  }
  return json + "],\n\"maps\":[" + maps_json + "]}";
}

void attention_section(std::string& h, const ReportData& data) {
  if (data.attention.empty()) return;
  h += "<section id=\"attention\">\n<h2>Attention</h2>\n";
  h += "<p><label for=\"map-select\">Layer and head </label><select id=\"map-select\">\n";
  for (std::size_t i = 0; i < data.attention.size(); ++i)
    h += "<option value=\"" + std::to_string(i) + "\">" + esc(data.attention[i].label) + "</option>\n";
  h += "</select></p>\n<p class=\"note\" id=\"map-caption\"></p>\n";
  h += "<noscript><p class=\"note\">Drawing the attention maps needs JavaScript.</p></noscript>\n";
  h += "<div id=\"map-view\"></div>\n<p id=\"map-readout\"></p>\n";
  h += "<p id=\"selftest-result\" hidden></p>\n</section>\n";
  h += "<script type=\"application/json\" id=\"attention-data\">" + attention_json(data.attention) + "</script>\n";
  h += std::string("<script>") + kAttentionScript + "</script>\n";
}

}  // namespace

std::string report_html(const ReportData& data) {
  check(data);
  const std::time_t now = std::time(nullptr);
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + esc(data.title) + "</title>\n";
  h += "<style>\nbody { font-family: " + std::string(plot::kFontFamily) + "; }" + kStyle + "</style>\n";
  h += std::string("<script>") + kErrorScript + "</script>\n</head>\n<body>\n";
  h += "<header>\n<h1>" + esc(data.title) + "</h1>\n";
  h += "<p class=\"status\" id=\"status\">" + esc(data.status) + "</p>\n";
  h += "<p class=\"written\">Written <time id=\"written\" datetime=\"" + utc_time(now, "%Y-%m-%dT%H:%M:%SZ") + "\">" +
       utc_time(now, "%Y-%m-%d %H:%M:%S UTC") +
       "</time> <span id=\"age\"></span>. The program rewrites this page at every evaluation: reload it to "
       "see the latest.</p>\n";
  h += "<p id=\"page-errors\" hidden></p>\n";
  h += "<nav><a href=\"#options\">options</a><a href=\"#charts\">curves</a><a href=\"#scores\">scores</a>"
       "<a href=\"#samples\">samples</a>";
  if (!data.attention.empty()) h += "<a href=\"#attention\">attention</a>";
  h += "</nav>\n</header>\n";
  options_section(h, data);
  charts_section(h, data);
  scores_section(h, data);
  samples_section(h, data);
  attention_section(h, data);
  h += std::string("<script>") + kAgeScript + "</script>\n</body>\n</html>\n";
  return h;
}

void prepare_report_dir(const std::string& dir) {
  const auto fail = [&](const std::string& reason) {
    throw FormatError("report: cannot write " + dir + "; got " + reason);
  };
  if (dir.empty()) fail("an empty path");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(ec.message());
  if (!fs::is_directory(dir, ec)) fail("a path that is not a directory");
  // Creating a file is the one honest test: permissions, a read-only mount and root's powers all
  // take part in it, where access(2) would guess.
  std::string probe = (fs::path(dir) / ".report_probe_XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) fail(std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

void write_report(const std::string& dir, const ReportData& data) {
  io::write_file_atomic((fs::path(dir) / "index.html").string(), report_html(data), "report");
}

}  // namespace focus::train
