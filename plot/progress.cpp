// Progress: one status text, written either redrawn over itself ("\r" then clear to end of line,
// at most ten times a second) or as plain lines on a schedule of tenths and a 30 s heartbeat.
#include <focus/plot/progress.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <focus/tensor/error.h>

namespace focus::plot {
namespace {

constexpr double kPlainHeartbeatSeconds = 30.0;
constexpr double kRedrawSeconds = 0.1;
constexpr int kBarWidth = 24;

bool stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(::fileno(stderr)) == 1 && !(term && std::strcmp(term, "dumb") == 0);
}

// Steps needed to reach the k-th tenth of total, rounded up.
std::int64_t tenth(std::int64_t k, std::int64_t total) { return (k * total + 9) / 10; }

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0.0) return "--:--";
  const auto s = static_cast<long long>(seconds);
  char buffer[32];
  if (s < 3600) std::snprintf(buffer, sizeof buffer, "%02lld:%02lld", s / 60, s % 60);
  else std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buffer;
}

Progress::Progress(std::int64_t total_steps, std::ostream& err, bool force_plain)
    : total_(total_steps),
      err_(err),
      interactive_(!force_plain && &err == &std::cerr && stderr_is_terminal()),
      start_(std::chrono::steady_clock::now()),
      last_write_(start_) {
  if (total_steps <= 0)
    throw ValueError("Progress: total_steps must be positive; got total_steps=" +
                     std::to_string(total_steps));
}

Progress::~Progress() {
  if (interactive_ && have_update_ && !finished_) {
    try {
      err_ << '\n' << std::flush;
    } catch (...) {  // a destructor must not throw; a lost newline is harmless
    }
  }
}

void Progress::update(std::int64_t step, double loss, double tokens_per_s) {
  if (step < 0 || step > total_)
    throw ValueError("Progress::update: step must be in [0, total_steps]; got step=" + std::to_string(step) +
                     ", total_steps=" + std::to_string(total_));
  step_ = step, loss_ = loss, tokens_per_s_ = tokens_per_s;
  have_update_ = true;
  written_ = false;
  const double since_write = seconds_since(last_write_);
  if (interactive_) {
    if (since_write >= kRedrawSeconds || step == total_) redraw();
  } else if (step >= tenth(next_tenth_, total_) || since_write >= kPlainHeartbeatSeconds || step == total_) {
    write_plain();
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!have_update_) return;
  if (interactive_) {
    if (!written_) redraw();
    err_ << '\n' << std::flush;
  } else if (!written_) {
    write_plain();
  }
}

double Progress::seconds_since(std::chrono::steady_clock::time_point t) const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// "step 30/100 (30%) loss=..." plain, or "[#######-----] 30/100 loss=..." for the redrawn line.
std::string Progress::status(bool with_bar) const {
  const double fraction = static_cast<double>(step_) / static_cast<double>(total_);
  const double elapsed = seconds_since(start_);
  const double eta = step_ > 0 ? elapsed / static_cast<double>(step_) * static_cast<double>(total_ - step_)
                               : NAN;  // nothing to extrapolate from yet
  std::string text;
  if (with_bar) {
    const int filled = static_cast<int>(fraction * kBarWidth);
    text = '[';
    text.append(filled, '#').append(kBarWidth - filled, '-').append("] ");
  } else {
    text = "step ";
  }
  char numbers[160];
  std::snprintf(numbers, sizeof numbers, "%lld/%lld (%d%%) loss=%.4f %s=%.*f elapsed=%s eta=%s",
                static_cast<long long>(step_), static_cast<long long>(total_),
                static_cast<int>(fraction * 100.0), loss_, rate_name_.c_str(), tokens_per_s_ >= 100.0 ? 0 : 1, tokens_per_s_,
                format_duration(elapsed).c_str(), format_duration(eta).c_str());
  return text + numbers;
}

void Progress::write_plain() {
  err_ << status(false) << '\n' << std::flush;
  written_ = true;
  last_write_ = std::chrono::steady_clock::now();
  while (tenth(next_tenth_, total_) <= step_ && next_tenth_ <= 10) ++next_tenth_;
}

void Progress::redraw() {
  err_ << '\r' << status(true) << "\x1b[K" << std::flush;
  written_ = true;
  last_write_ = std::chrono::steady_clock::now();
}

}  // namespace focus::plot
