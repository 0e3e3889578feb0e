// perf_charts: draws docs/performance.md's charts from the key=value lines that focus_bench,
// torch_extra.py and memory.sh print (concatenated into one file by bench/charts.sh):
//   attention_time.svg    W4 milliseconds per fwd+bwd step against T, focus and PyTorch
//   attention_memory.svg  W4 peak RSS per process against T, focus and PyTorch
//   transformer_batch.svg W2 milliseconds per training step against batch size
// Usage: perf_charts RESULTS_FILE OUT_DIR [THREADS]  (THREADS picks the lines with threads=THREADS; default 1)
#include <focus/io/atomic_file.h>
#include <focus/plot/line_chart.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Fields = std::map<std::string, std::string>;

Fields parse_line(const std::string& line) {
  Fields f;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) f[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return f;
}

// Points (x, y) of the lines with name=workload that carry both keys, in file order; a later line
// with the same x replaces an earlier one.
focus::plot::Series series(const std::vector<Fields>& lines, const std::string& label, const std::string& workload,
                           const std::string& x_key, const std::string& y_key, const Fields& also = {}) {
  std::map<double, double> points;
  for (const Fields& f : lines) {
    auto get = [&](const std::string& k) { return f.count(k) ? f.at(k) : std::string(); };
    if (get("name") != workload || get(x_key).empty() || get(y_key).empty()) continue;
    bool match = true;
    for (const auto& [k, v] : also) match = match && get(k) == v;
    if (match) points[std::stod(get(x_key))] = std::stod(get(y_key));
  }
  focus::plot::Series s{label, {}, {}};
  for (const auto& [x, y] : points) {
    s.xs.push_back(x);
    s.ys.push_back(y);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: perf_charts RESULTS_FILE OUT_DIR [THREADS]\n";
    return 2;
  }
  try {
    std::ifstream in(argv[1]);
    if (!in) throw std::runtime_error(std::string("cannot read ") + argv[1]);
    const std::string threads = argc > 3 ? argv[3] : "1";
    std::vector<Fields> lines;
    for (std::string line; std::getline(in, line);) {
      Fields f = parse_line(line);
      if (f["threads"] == threads) lines.push_back(std::move(f));
    }
    const std::string dir = argv[2], t = " (" + threads + " thread" + (threads == "1" ? "" : "s") + ")";
    focus::plot::LineChartOptions loglog;
    loglog.log_x = loglog.log_y = true;
    focus::io::write_file_atomic(
        dir + "/attention_time.svg",
        focus::plot::line_chart_svg({series(lines, "focus", "attention_scaling", "T", "focus_ms"),
                                     series(lines, "PyTorch 1.13 (composed)", "attention_scaling", "T", "torch_ms")},
                                    "Causal attention fwd+bwd, 4 heads of 64" + t, "T (tokens)", "ms per step",
                                    loglog));
    focus::io::write_file_atomic(
        dir + "/attention_memory.svg",
        focus::plot::line_chart_svg(
            {series(lines, "focus", "attention_scaling", "T", "peak_rss_mb", {{"framework", "focus"}}),
             series(lines, "PyTorch 1.13 (composed)", "attention_scaling", "T", "peak_rss_mb", {{"framework", "torch"}})},
            "Causal attention fwd+bwd: peak RSS per process" + t, "T (tokens)", "peak RSS (MiB)", loglog));
    focus::io::write_file_atomic(
        dir + "/transformer_batch.svg",
        focus::plot::line_chart_svg({series(lines, "focus", "transformer_step", "batch", "focus_ms"),
                                     series(lines, "PyTorch 1.13", "transformer_step", "batch", "torch_ms")},
                                    "Transformer training step (W2) against batch size" + t, "batch",
                                    "ms per step", loglog));
  } catch (const std::exception& e) {
    std::cerr << "perf_charts: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
