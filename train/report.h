// The run report: one self-contained HTML page (inline CSS, SVG and a little JavaScript; nothing
// fetched from anywhere) that a training program rewrites at every evaluation as DIR/index.html,
// so a reader can reload it while the run goes on. It shows the run's options, its curves, the
// evaluation scores, sample outputs, and attention maps with a selector of layer and head.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace focus::train {

// One line of a chart: y against x (a point whose x or y is not finite is a gap).
struct Curve {
  std::string name;
  std::vector<double> x, y;
};

// Loss (train, valid), learning rate, gradient norm...: one chart per quantity, drawn with
// plot::line_chart_svg.
struct Chart {
  std::string title, x_label, y_label;
  std::vector<Curve> curves;
  bool log_y = false;  // a loss spanning decades reads better on a log axis
};

// One model output; reference is empty for generated text, which then is not judged.
struct Sample {
  std::string input, reference, output;
};

// One layer and head: weights[r][c] is how much output (query) token rows[r] attends to source
// (key) token columns[c].
struct AttentionMap {
  std::string label;                         // "decoder layer 1, head 2 (cross-attention)"
  std::string caption;                       // the sentence it was recorded on, and its output
  std::vector<std::string> columns;          // source / key tokens
  std::vector<std::string> rows;             // output / query tokens
  std::vector<std::vector<double>> weights;  // rows x columns
};

struct ReportData {
  std::string title;                                         // "translate: zh-en"
  std::string status;                                        // "training: step 300 of 1500", "finished"
  std::vector<std::pair<std::string, std::string>> options;  // the run's flags and their values
  std::vector<Chart> charts;
  std::vector<std::string> score_names;                                  // the score table's columns
  std::vector<std::pair<std::int64_t, std::vector<double>>> score_rows;  // (step, one value per score name)
  std::vector<Sample> samples;
  std::vector<AttentionMap> attention;  // none: the page has no attention section
};

// The page. Every string is escaped (tokens may hold < & quotes, invalid UTF-8 becomes U+FFFD);
// the attention weights are embedded once as JSON and drawn by the page's script, so a run with
// many layers and heads still makes a small file. The page says when it was written (UTC).
// Throws ValueError "report: <rule>; got ..." for a score row whose length differs from
// score_names or an attention map that is not rows x columns (line_chart_svg's own ValueError for
// a curve whose x and y differ in length).
[[nodiscard]] std::string report_html(const ReportData& data);

// Creates dir (and its parents) if needed and checks a file can be created in it, so that a bad
// --report fails at start-up, not after an hour of training. Throws FormatError
// "report: cannot write <dir>; got <reason>".
void prepare_report_dir(const std::string& dir);

// Writes dir/index.html atomically (io::write_file_atomic): a reader reloading the page sees the
// previous report or this one, never half of one. dir must exist (prepare_report_dir). Errors are
// FormatError "report: cannot <step> <path>; got <reason>".
void write_report(const std::string& dir, const ReportData& data);

}  // namespace focus::train
