// A training progress report on stderr: on a terminal one line redrawn in place (bar, step/total,
// loss, tokens/s, elapsed and ETA); in a pipe or CI log a plain line every tenth of the steps or
// every 30 s, whichever comes first, and at the last step, so logs stay short but never silent.
#pragma once

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

namespace focus::plot {

// "mm:ss" below an hour, "h:mm:ss" from one hour on; "--:--" for a negative or non-finite time.
[[nodiscard]] std::string format_duration(double seconds);

class Progress {
 public:
  // Redraws in place only when err is std::cerr, stderr is a terminal, TERM is not "dumb" and
  // force_plain is false. Throws ValueError unless total_steps > 0. The clock starts here.
  Progress(std::int64_t total_steps, std::ostream& err = std::cerr, bool force_plain = false);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();  // ends a redrawn line that finish() did not, so later output starts on its own line

  // Reports that step of total_steps is done (1 = the first). Plain lines look like
  //   "step 30/100 (30%) loss=2.3456 tokens/s=12345 elapsed=00:12 eta=00:28"
  // Throws ValueError unless 0 <= step <= total_steps.
  void update(std::int64_t step, double loss, double tokens_per_s);

  // Writes the last state if it has not been written (training stopped early) and ends a redrawn
  // line. Calling it again does nothing.
  void finish();

  // What the rate counts, as the lines name it: "tokens/s" (the default), "examples/s", ...
  void set_rate_name(std::string name) { rate_name_ = std::move(name); }

 private:
  double seconds_since(std::chrono::steady_clock::time_point t) const;
  std::string status(bool with_bar) const;
  void write_plain();
  void redraw();

  std::int64_t total_;
  std::ostream& err_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_, last_write_;
  std::int64_t step_ = 0;
  double loss_ = 0.0, tokens_per_s_ = 0.0;
  bool have_update_ = false;
  bool written_ = true;          // the latest update has been written out
  std::int64_t next_tenth_ = 1;  // plain mode: write on reaching next_tenth_ * total / 10 steps
  bool finished_ = false;
  std::string rate_name_ = "tokens/s";
};

}  // namespace focus::plot
