// The run report page (train/report.h): every section there, every string escaped (markup in
// tokens, quotes, CJK, invalid UTF-8), nothing fetched from outside the file, the attention maps
// embedded once as JSON that parses, bad data refused with the rule, and the writing side: an
// atomic replace that leaves no temporaries, and a report folder that cannot be written refused
// up front. The page's script is tested in a real browser by tests/browser (label browser).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include <focus/io/json.h>
#include <focus/tensor/error.h>
#include <focus/train/report.h>

using namespace focus;
using namespace focus::train;
namespace fs = std::filesystem;

namespace {

struct ReportDir {
  fs::path path;
  ReportDir() {
    char name[] = "/tmp/focus_report_XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~ReportDir() { fs::remove_all(path); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The text of the JSON block the page's script draws the attention maps from.
std::string attention_json(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"attention-data\">";
  const auto begin = page.find(open);
  REQUIRE(begin != std::string::npos);
  const auto end = page.find("</script>", begin);
  REQUIRE(end != std::string::npos);
  return page.substr(begin + open.size(), end - begin - open.size());
}

// A small translation run as a program would report it mid-training.
ReportData translation_run() {
  ReportData d;
  d.title = "translate: zh-en";
  d.status = "training: step 300 of 1500";
  d.options = {{"task", "zh-en"}, {"steps", "1500"}, {"lr", "0.003"}};
  d.charts = {{"loss", "step", "cross-entropy", {{"train", {100, 200, 300}, {4.1, 2.5, 1.7}},
                                                 {"valid", {300}, {1.9}}}, true},
              {"learning rate", "step", "lr", {{"lr", {100, 200, 300}, {0.001, 0.003, 0.0029}}}}};
  d.score_names = {"exact match", "BLEU"};
  d.score_rows = {{150, {0.25, 31.5}}, {300, {0.9955, 88.25}}};
  d.samples = {{"我 喜欢 猫", "i like cats", "i like cats"}, {"他 不 喜欢 狗", "he does not like dogs", "he likes dogs"}};
  d.attention = {{"decoder layer 1, head 1 (cross-attention)", "我 喜欢 猫 -> i like cats", {"我", "喜欢", "猫"},
                  {"i", "like", "cats"}, {{0.9, 0.05, 0.05}, {0.1, 0.8, 0.1}, {0.0, 0.2, 0.8}}},
                 {"decoder layer 1, head 2 (cross-attention)", "我 喜欢 猫 -> i like cats", {"我", "喜欢", "猫"},
                  {"i", "like", "cats"}, {{0.3, 0.3, 0.4}, {0.5, 0.25, 0.25}, {0.6, 0.2, 0.2}}}};
  return d;
}

}  // namespace

TEST_CASE("report: the page has every section and says when it was written") {
  const std::string page = report_html(translation_run());
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(page.find("<title>translate: zh-en</title>") != std::string::npos);
  CHECK(page.find("<p class=\"status\" id=\"status\">training: step 300 of 1500</p>") != std::string::npos);
  for (const char* id : {"options", "charts", "scores", "samples", "attention"})
    CHECK_MESSAGE(page.find("<section id=\"" + std::string(id) + "\">") != std::string::npos, id);
  CHECK(std::regex_search(page, std::regex("<time id=\"written\" datetime=\"20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\">"
                                           "20\\d\\d-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC</time>")));
  // The reader reloads by hand: an automatic refresh would lose their place in the page.
  CHECK(page.find("http-equiv") == std::string::npos);

  CHECK(page.find("<tr><td>lr</td><td class=\"text\">0.003</td></tr>") != std::string::npos);
  // Two charts inlined without their XML declaration, the loss chart on a log axis.
  const auto charts = page.substr(page.find("<section id=\"charts\">"));
  CHECK(count(charts.substr(0, charts.find("</section>")), "<svg") == 2);
  CHECK(page.find("<?xml") == std::string::npos);
  CHECK(page.find(">learning rate</text>") != std::string::npos);
  CHECK(page.find("<tr><th>step</th><th>exact match</th><th>BLEU</th></tr>") != std::string::npos);
  CHECK(page.find("<tr><td class=\"num\">300</td><td class=\"num\">0.9955</td><td class=\"num\">88.25</td></tr>") !=
        std::string::npos);
  // The wrong translation is marked, the right one is not.
  CHECK(page.find("1 of 2 outputs match their reference exactly.") != std::string::npos);
  CHECK(page.find("<tr class=\"wrong\"><td class=\"text\">他 不 喜欢 狗</td><td class=\"text\">he does not like dogs</td>"
                  "<td class=\"text output\">he likes dogs</td><td class=\"mark\">&#10007; wrong</td></tr>") !=
        std::string::npos);
  CHECK(count(page, "<tr class=\"right\">") == 1);
  // One option per map, in order; the drawing is the script's (tests/browser checks it).
  CHECK(page.find("<option value=\"0\">decoder layer 1, head 1 (cross-attention)</option>\n"
                  "<option value=\"1\">decoder layer 1, head 2 (cross-attention)</option>") != std::string::npos);
  CHECK(page.find("id=\"map-view\"") != std::string::npos);
  CHECK(page.find("id=\"map-readout\"") != std::string::npos);
}

TEST_CASE("report: a run without evaluations or attention says so and has no attention section") {
  ReportData d;
  d.title = "char_lm";
  d.status = "starting";
  const std::string page = report_html(d);
  CHECK(page.find("No curves yet.") != std::string::npos);
  CHECK(page.find("No evaluation yet.") != std::string::npos);
  CHECK(page.find("No samples yet.") != std::string::npos);
  CHECK(page.find("id=\"attention\"") == std::string::npos);
  CHECK(page.find("attention-data") == std::string::npos);
  // Generated text (no reference) is shown without reference or mark columns.
  d.samples = {{"ROMEO:", "", "ROMEO: what <light>"}};
  const std::string generated = report_html(d);
  CHECK(generated.find("<tr><th>input</th><th>output</th></tr>\n<tr><td class=\"text\">ROMEO:</td>"
                       "<td class=\"text output\">ROMEO: what &lt;light&gt;</td></tr>") != std::string::npos);
  CHECK(generated.find("reference") == std::string::npos);
}

TEST_CASE("report: every string is escaped, in the HTML and in the attention JSON") {
  const std::string evil = "<script>alert(1)</script> & \"q\" 'a' 你好 \xff!";
  ReportData d;
  d.title = evil;
  d.status = evil;
  d.options = {{evil, evil}};
  d.charts = {{evil, evil, evil, {{evil, {1, 2}, {3, 4}}}}};
  d.score_names = {evil};
  d.score_rows = {{1, {0.5}}};
  d.samples = {{evil, evil, evil + "x"}};
  d.attention = {{evil, evil, {evil, "<!--", "</script"}, {evil}, {{0.2, 0.3, 0.5}}},
                 {"b", "c", {"x"}, {"y"}, {{1.0}}}};
  const std::string page = report_html(d);

  const std::string escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &apos;a&apos; 你好 \xEF\xBF\xBD!";
  CHECK(page.find("<title>" + escaped + "</title>") != std::string::npos);
  CHECK(page.find("<h1>" + escaped + "</h1>") != std::string::npos);
  CHECK(page.find("<tr><td>" + escaped + "</td><td class=\"text\">" + escaped + "</td></tr>") != std::string::npos);
  CHECK(page.find("<th>" + escaped + "</th>") != std::string::npos);
  CHECK(page.find("<option value=\"0\">" + escaped + "</option>") != std::string::npos);
  CHECK(page.find("alert(1)</script>") == std::string::npos);
  CHECK(page.find("<!--") == std::string::npos);
  // Only the page's own script elements open and close: 2 always, then the JSON and its drawer.
  CHECK(count(page, "<script") == 4);
  CHECK(count(page, "</script") == 4);
  CHECK(io::json::is_valid_utf8(page));

  // Inside the JSON "<" is \u003c, so no token can close the script element; the JSON still reads
  // back to the tokens (invalid UTF-8 as U+FFFD).
  const std::string json = attention_json(page);
  CHECK(json.find('<') == std::string::npos);
  const io::json::Value v = io::json::parse(json, "attention-data");
  const std::string readable = "<script>alert(1)</script> & \"q\" 'a' 你好 \xEF\xBF\xBD!";
  CHECK(v.find("maps")->as_array()[0].find("caption")->as_string() == readable);
  const auto& columns = v.find("tokens")->as_array()[0].as_array();
  REQUIRE(columns.size() == 3);
  CHECK(columns[0].as_string() == readable);
  CHECK(columns[1].as_string() == "<!--");
  CHECK(columns[2].as_string() == "</script");
}

TEST_CASE("report: the page is self-contained") {
  ReportData d = translation_run();
  d.options.push_back({"data", "https://example.com/corpus.txt"});  // a value is shown, as text
  const std::string page = report_html(d);
  CHECK(count(page, "http://") == 0);
  CHECK(count(page, "https://") == 1);
  CHECK(page.find("<td class=\"text\">https://example.com/corpus.txt</td>") != std::string::npos);
  for (const char* outside : {"src=", "<link", "url(", "@import", "<iframe", "<img", "fetch(", "XMLHttpRequest"})
    CHECK_MESSAGE(page.find(outside) == std::string::npos, outside);
  // Links only lead to the page's own sections.
  const std::regex href("href=\"([^\"]*)\"");
  int links = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), href); it != std::sregex_iterator(); ++it, ++links)
    CHECK_MESSAGE((*it)[1].str().starts_with("#"), (*it)[1].str());
  CHECK(links == 5);
}

TEST_CASE("report: attention maps are embedded once as JSON, each token list once") {
  // 2 layers x 4 heads x (self, cross): 16 maps of 20 x 20 over the same two sentences.
  ReportData d;
  d.title = "many maps";
  std::vector<std::string> source, output;
  for (int i = 0; i < 20; ++i) source.push_back("src" + std::to_string(i)), output.push_back("out" + std::to_string(i));
  for (int m = 0; m < 16; ++m) {
    std::vector<std::vector<double>> w(20, std::vector<double>(20));
    for (int r = 0; r < 20; ++r)
      for (int c = 0; c < 20; ++c) w[r][c] = 1.0 / (1 + (r * 7 + c * 3 + m) % 11);
    d.attention.push_back({"map " + std::to_string(m), "", m % 2 ? source : output, output, w});
  }
  d.attention[3].weights[2][5] = std::nan("");
  const std::string page = report_html(d);
  const std::string json = attention_json(page);
  CHECK(count(page, "\"src7\"") == 1);
  CHECK(count(page, "\"out7\"") == 1);
  // 6,400 weights at four significant digits: the page stays well under what per-cell SVG costs.
  std::cout << "report: 16 maps of 20 x 20 make a page of " << page.size() << " bytes (JSON " << json.size() << ")\n";
  CHECK(page.size() < 80000);

  const io::json::Value v = io::json::parse(json, "attention-data");
  const auto& maps = v.find("maps")->as_array();
  REQUIRE(maps.size() == 16);
  CHECK(v.find("tokens")->as_array().size() == 2);
  CHECK(maps[0].find("columns")->as_integer() == maps[0].find("rows")->as_integer());
  CHECK(maps[1].find("columns")->as_integer() != maps[1].find("rows")->as_integer());
  const auto& w = maps[3].find("weights")->as_array();
  REQUIRE(w.size() == 20);
  CHECK(w[2].as_array()[5].is_null());  // JSON has no NaN: the page draws it grey
  CHECK(w[1].as_array()[4].as_number() == doctest::Approx(1.0 / (1 + (7 + 12 + 3) % 11)).epsilon(1e-4));
  CHECK(w[0].as_array()[0].as_number() == doctest::Approx(1.0 / 4).epsilon(1e-4));
}

TEST_CASE("report: bad data is refused with the rule and what was given") {
  ReportData d = translation_run();
  d.score_rows.push_back({450, {0.5}});
  CHECK_THROWS_WITH_AS((void)report_html(d),
                       "report: a score row needs one value per score name; got 2 names, the row of step 450 has 1 values",
                       ValueError);
  d = translation_run();
  d.attention[1].weights[2].pop_back();
  CHECK_THROWS_WITH_AS((void)report_html(d),
                       "report: an attention map needs at least one row and column and weights of rows x columns; "
                       "got 'decoder layer 1, head 2 (cross-attention)' rows=3, columns=3, weights row lengths=[3, 3, 2]",
                       ValueError);
  d = translation_run();
  d.attention[0].rows.clear();
  d.attention[0].weights.clear();
  CHECK_THROWS_WITH_AS((void)report_html(d),
                       "report: an attention map needs at least one row and column and weights of rows x columns; "
                       "got 'decoder layer 1, head 1 (cross-attention)' rows=0, columns=3, weights row lengths=[]",
                       ValueError);
  d = translation_run();
  d.charts[0].curves[0].y.pop_back();
  CHECK_THROWS_AS((void)report_html(d), ValueError);  // line_chart_svg's own message names the series
}

TEST_CASE("report: write_report replaces index.html atomically and leaves nothing else") {
  ReportDir dir;
  ReportData d = translation_run();
  write_report(dir.path.string(), d);
  CHECK(dir.names() == std::vector<std::string>{"index.html"});
  CHECK(read_text(dir.path / "index.html").find("training: step 300 of 1500") != std::string::npos);

  d.status = "finished";
  write_report(dir.path.string(), d);
  CHECK(dir.names() == std::vector<std::string>{"index.html"});
  const std::string second = read_text(dir.path / "index.html");
  CHECK(second.find("<p class=\"status\" id=\"status\">finished</p>") != std::string::npos);
  CHECK(second.find("step 300 of 1500") == std::string::npos);

  // Data the page cannot show fails before anything is written: the last good page stays.
  d.score_rows.push_back({1, {}});
  CHECK_THROWS_AS(write_report(dir.path.string(), d), ValueError);
  CHECK(read_text(dir.path / "index.html") == second);
  CHECK(dir.names() == std::vector<std::string>{"index.html"});

  // A folder that is gone: the writer's error names the report and the path.
  const std::string gone = (dir.path / "gone").string();
  CHECK_THROWS_WITH_AS(write_report(gone, translation_run()),
                       doctest::Contains(("report: cannot create a temporary file for " + gone + "/index.html; got ").c_str()),
                       FormatError);
}

TEST_CASE("report: prepare_report_dir creates the folder and refuses one it cannot write") {
  ReportDir dir;
  const fs::path nested = dir.path / "runs" / "zh-en";
  prepare_report_dir(nested.string());
  CHECK(fs::is_directory(nested));
  CHECK(fs::is_empty(nested));  // the probe file is gone
  prepare_report_dir(nested.string());  // an existing folder is fine

  const fs::path file = dir.path / "notes.txt";
  std::ofstream(file) << "not a folder";
  CHECK_THROWS_WITH_AS(prepare_report_dir(file.string()),
                       doctest::Contains(("report: cannot write " + file.string() + "; got ").c_str()), FormatError);
  // Under a regular file nothing can be created, root or not.
  const std::string under = (file / "report").string();
  CHECK_THROWS_WITH_AS(prepare_report_dir(under), ("report: cannot write " + under + "; got Not a directory").c_str(),
                       FormatError);
  CHECK(read_text(file) == "not a folder");
  CHECK_THROWS_WITH_AS(prepare_report_dir(""), "report: cannot write ; got an empty path", FormatError);

  if (::geteuid() != 0) {  // root writes through permissions, so this case only runs as a user
    const fs::path locked = dir.path / "locked";
    fs::create_directory(locked);
    ::chmod(locked.c_str(), 0500);
    CHECK_THROWS_WITH_AS(prepare_report_dir(locked.string()),
                         ("report: cannot write " + locked.string() + "; got Permission denied").c_str(), FormatError);
    ::chmod(locked.c_str(), 0700);
  }
}
