// A run's metrics as JSON Lines: one object per line, the step first, then named numbers
// ({"step":300,"loss":2.31,"lr":0.00098,"grad_norm":0.81,"tokens_per_s":10450}, and at an
// evaluation {"step":300,"valid_loss":2.5,...}), which pandas.read_json(path, lines=True) reads
// into one table. Non-finite numbers are written as null. The whole file is rewritten atomically
// (io/atomic_file.h) at each record, so a reader never sees half a line; a resumed run keeps the
// records of the steps it resumes from and drops any written after them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace focus::train {

class MetricsLog {
 public:
  MetricsLog() = default;  // writes nothing
  // path "": writes nothing. With resume_step >= 0, keeps the lines of an existing file at path
  // whose step is at most resume_step; otherwise starts a new file.
  explicit MetricsLog(std::string path, std::int64_t resume_step = -1);

  // Appends {"step":step, name:value...} and rewrites the file.
  void record(std::int64_t step, const std::vector<std::pair<std::string, double>>& values);
  const std::string& path() const { return path_; }
  // The file's contents as last written.
  const std::string& text() const { return text_; }

 private:
  std::string path_, text_;
};

// One line of the log, without the newline: {"step":3,"loss":1.5}.
[[nodiscard]] std::string metrics_line(std::int64_t step, const std::vector<std::pair<std::string, double>>& values);

}  // namespace focus::train
