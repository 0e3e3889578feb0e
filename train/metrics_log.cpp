// The JSON Lines metrics log (see metrics_log.h).
#include <focus/train/metrics_log.h>

#include <focus/io/atomic_file.h>
#include <focus/io/json.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace focus::train {

std::string metrics_line(std::int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  std::string line = "{\"step\":" + std::to_string(step);
  for (const auto& [name, v] : values) {
    line += "," + io::json::quote(name) + ":";
    if (!std::isfinite(v)) {
      line += "null";
      continue;
    }
    char buf[32];
    line.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  return line + "}";
}

MetricsLog::MetricsLog(std::string path, std::int64_t resume_step) : path_(std::move(path)) {
  if (path_.empty() || resume_step < 0) return;
  std::ifstream in(path_);
  for (std::string line; std::getline(in, line);) {
    // Every line starts {"step":N: keep those up to the step the run resumes from.
    constexpr std::string_view head = "{\"step\":";
    if (!line.starts_with(head)) continue;
    std::int64_t step = -1;
    const char* begin = line.data() + head.size();
    if (std::from_chars(begin, line.data() + line.size(), step).ec != std::errc() || step > resume_step) continue;
    text_ += line + "\n";
  }
}

void MetricsLog::record(std::int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  if (path_.empty()) return;
  text_ += metrics_line(step, values) + "\n";
  io::write_file_atomic(path_, text_, "metrics log");
}

}  // namespace focus::train
