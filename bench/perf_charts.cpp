// perf_charts: draws docs/performance.md's charts from the key=value lines that focus_bench,
// torch_extra.py and memory.sh print (bench/charts.sh collects them; lines starting with '#' are notes):
//   attention_time.svg    W4 milliseconds per fwd+bwd step against T, focus and PyTorch
//   attention_memory.svg  W4 peak RSS per process against T, focus and PyTorch
//   transformer_batch.svg W2 milliseconds per training step against batch size
//   attention_long.svg    W6 milliseconds per fwd+bwd step against T for full, local:256, linformer:256
// Usage: perf_charts RESULTS_FILE OUT_DIR [THREADS]  (THREADS picks the lines with threads=THREADS; default 1)
#include <focus/io/atomic_file.h>
#include <focus/plot/line_chart.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// One result line's fields, and its line number for messages.
struct Fields {
  std::map<std::string, std::string> kv;
  int line_no = 0;
  std::string get(const std::string& k) const { return kv.count(k) ? kv.at(k) : std::string(); }
};

Fields parse_line(const std::string& line, int line_no) {
  Fields f;
  f.line_no = line_no;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) f.kv[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return f;
}

// A field whose whole text must be a number; a stray "focus_ms=n/a" names its line instead of
// surfacing as std::stod's bare "stod".
double number(const Fields& f, const std::string& key, const std::string& file) {
  const std::string text = f.get(key);
  std::size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::runtime_error(file + " line " + std::to_string(f.line_no) + ": " + key + "=" + text +
                             " is not a number");
  return v;
}

// Points (x, y) of the lines with name=workload that carry both keys (and every key=value of
// `also`). Several lines with the same x (repeated runs) give one point at their median.
focus::plot::Series series(const std::vector<Fields>& lines, const std::string& file, const std::string& label,
                           const std::string& workload, const std::string& x_key, const std::string& y_key,
                           const std::map<std::string, std::string>& also = {}) {
  std::map<double, std::vector<double>> points;
  for (const Fields& f : lines) {
    if (f.get("name") != workload || f.get(x_key).empty() || f.get(y_key).empty()) continue;
    bool match = true;
    for (const auto& [k, v] : also) match = match && f.get(k) == v;
    if (match) points[number(f, x_key, file)].push_back(number(f, y_key, file));
  }
  focus::plot::Series s{label, {}, {}};
  for (auto& [x, ys] : points) {
    std::sort(ys.begin(), ys.end());
    const std::size_t n = ys.size();
    s.xs.push_back(x);
    s.ys.push_back(n % 2 == 1 ? ys[n / 2] : (ys[n / 2 - 1] + ys[n / 2]) / 2.0);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: perf_charts RESULTS_FILE OUT_DIR [THREADS]\n";
    return 2;
  }
  try {
    const std::string file = argv[1], dir = argv[2];
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);
    const std::string threads = argc > 3 ? argv[3] : "1";
    std::vector<Fields> lines;
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.rfind('#', 0) == 0) continue;
      Fields f = parse_line(line, line_no);
      if (f.get("threads") == threads) lines.push_back(std::move(f));
    }
    if (lines.empty()) throw std::runtime_error("no lines with threads=" + threads + " in " + file);

    // A chart is written only when its workload has lines here, so a file holding one sweep (W6's
    // runs, say) redraws its own chart and leaves the others as they were instead of blanking them.
    int written = 0;
    const auto chart = [&](const std::string& name, const std::vector<focus::plot::Series>& all,
                           const std::string& title, const std::string& x_label, const std::string& y_label) {
      const bool any = std::any_of(all.begin(), all.end(), [](const auto& s) { return !s.xs.empty(); });
      if (!any) return;
      focus::plot::LineChartOptions loglog;
      loglog.log_x = loglog.log_y = true;
      focus::io::write_file_atomic(dir + "/" + name, focus::plot::line_chart_svg(all, title, x_label, y_label, loglog));
      std::cout << "perf_charts: wrote " << dir << "/" << name << "\n";
      ++written;
    };
    const std::string t = " (" + threads + " thread" + (threads == "1" ? "" : "s") + ")";
    chart("attention_time.svg",
          {series(lines, file, "focus", "attention_scaling", "T", "focus_ms"),
           series(lines, file, "PyTorch 1.13 (composed)", "attention_scaling", "T", "torch_ms")},
          "Causal attention fwd+bwd, 4 heads of 64" + t, "T (tokens)", "ms per step");
    chart("attention_memory.svg",
          {series(lines, file, "focus", "attention_scaling", "T", "peak_rss_mb", {{"framework", "focus"}}),
           series(lines, file, "PyTorch 1.13 (composed)", "attention_scaling", "T", "peak_rss_mb",
                  {{"framework", "torch"}})},
          "Causal attention fwd+bwd: peak RSS per process" + t, "T (tokens)", "peak RSS (MiB)");
    chart("transformer_batch.svg",
          {series(lines, file, "focus", "transformer_step", "batch", "focus_ms"),
           series(lines, file, "PyTorch 1.13", "transformer_step", "batch", "torch_ms")},
          "Transformer training step (W2) against batch size" + t, "batch", "ms per step");
    chart("attention_long.svg",
          {series(lines, file, "full (causal)", "attention_long", "T", "focus_ms", {{"kind", "full"}}),
           series(lines, file, "local:256", "attention_long", "T", "focus_ms", {{"kind", "local:256"}}),
           series(lines, file, "linformer:256", "attention_long", "T", "focus_ms", {{"kind", "linformer:256"}})},
          "W6: one attention layer, forward + backward" + t, "T (tokens)", "ms per step (median of the runs)");
    if (written == 0) throw std::runtime_error("no line in " + file + " belongs to a chart");
  } catch (const std::exception& e) {
    std::cerr << "perf_charts: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
