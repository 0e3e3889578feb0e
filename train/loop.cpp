// The training loop driver (see loop.h).
#include <focus/train/loop.h>

#include <focus/cli/stop_signal.h>
#include <focus/io/atomic_file.h>
#include <focus/optim/clip.h>
#include <focus/plot/line_chart.h>
#include <focus/plot/progress.h>
#include <focus/tensor/error.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>

namespace focus::train {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// "%.4f", as the progress lines print a loss.
std::string format_loss(double loss) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", loss);
  return buf;
}

}  // namespace

struct Loop::Impl {
  const CommonFlags& flags;
  TrainingState& state;
  optim::Optimizer& optimizer;
  optim::LRScheduler& schedule;
  std::vector<Tensor> params;
  distributed::Communicator& comm;
  std::ostream quiet{nullptr};  // what the ranks above 0 would repeat goes nowhere
  MetricsLog metrics;
  // Curves for plots and the report: x = step.
  Curve train_loss{"train", {}, {}}, valid_loss{"valid", {}, {}}, lr{"lr", {}, {}}, grad_norm{"grad norm", {}, {}};
  std::vector<std::string> score_names;
  std::vector<std::pair<std::int64_t, std::vector<double>>> score_rows;
  std::string saved_path;  // the last checkpoint written (or resumed from), for the message when training fails
  std::int64_t saved_step = 0;
  std::vector<std::pair<std::string, std::string>> table;  // the report's options

  Impl(const CommonFlags& f, TrainingState& s, optim::Optimizer& o, optim::LRScheduler& sc, std::vector<Tensor> p,
       distributed::Communicator& c)
      : flags(f), state(s), optimizer(o), schedule(sc), params(std::move(p)), comm(c) {}

  bool root() const { return comm.rank() == 0; }

  void save() {
    if (root()) state.save(flags.save);
    saved_path = flags.save;
    saved_step = state.position.step;
  }

  // Adds one evaluation's scores to the table (a new name adds a column; rows that lack it get NaN).
  void add_scores(std::int64_t step, const Scores& scores) {
    std::vector<double> row(score_names.size(), std::nan(""));
    for (const auto& [name, value] : scores) {
      auto it = std::find(score_names.begin(), score_names.end(), name);
      if (it == score_names.end()) {
        score_names.push_back(name);
        for (auto& [s, r] : score_rows) r.push_back(std::nan(""));
        row.push_back(value);
      } else {
        row[static_cast<std::size_t>(it - score_names.begin())] = value;
      }
      if (name == "valid_loss") valid_loss.x.push_back(static_cast<double>(step)), valid_loss.y.push_back(value);
    }
    score_rows.emplace_back(step, std::move(row));
  }

  std::vector<Chart> charts() const {
    Chart loss{"loss", "step", "loss", {train_loss}, false};
    if (!valid_loss.x.empty()) loss.curves.push_back(valid_loss);
    return {loss, Chart{"learning rate", "step", "lr", {lr}, false}, Chart{"gradient norm (before clipping)", "step", "norm", {grad_norm}, false}};
  }

  void write_outputs(const std::string& title, const std::vector<std::pair<std::string, std::string>>& options,
                     const std::function<void(ReportData&)>& describe, const std::string& status) {
    if (!root()) return;
    if (!flags.plots.empty() && !train_loss.x.empty()) {
      std::vector<plot::Series> series{{"train", train_loss.x, train_loss.y}};
      if (!valid_loss.x.empty()) series.push_back({"valid", valid_loss.x, valid_loss.y});
      io::write_file_atomic(flags.plots + "/loss.svg",
                            plot::line_chart_svg(series, "loss (" + title + ")", "step", "loss"), "plots");
    }
    if (flags.report.empty()) return;
    ReportData data;
    data.title = title;
    data.status = status;
    data.options = options;
    data.charts = charts();
    data.score_names = score_names;
    data.score_rows = score_rows;
    if (describe) describe(data);
    write_report(flags.report, data);
  }
};

Loop::Loop(const CommonFlags& flags, TrainingState& state, optim::Optimizer& optimizer, optim::LRScheduler& schedule,
           std::vector<Tensor> params, distributed::Communicator& comm)
    : impl_(std::make_unique<Impl>(flags, state, optimizer, schedule, std::move(params), comm)) {
  if (state.position.total_steps < 1)
    throw ValueError("Loop: the run needs at least one step; got total_steps=" + std::to_string(state.position.total_steps));
}

Loop::~Loop() = default;

bool Loop::root() const { return impl_->root(); }
std::ostream& Loop::log() { return root() ? std::cerr : impl_->quiet; }

LoopResult Loop::run(const std::function<StepLoss()>& step) {
  Impl& m = *impl_;
  Position& pos = m.state.position;
  const CommonFlags& f = m.flags;
  const std::int64_t total = pos.total_steps;
  if (pos.step > total)
    throw cli::UsageError("--steps " + std::to_string(total) + " is below the step " + std::to_string(pos.step) + " of " + f.resume);
  const bool resumed = !f.resume.empty();
  m.saved_path = f.resume;
  m.saved_step = pos.step;
  m.metrics = MetricsLog(root() ? f.metrics_path() : "", resumed ? pos.step : -1);
  std::vector<std::pair<std::string, std::string>>& table = m.table;
  table = options;
  for (const auto& entry : std::vector<std::pair<std::string, std::string>>{
           {"steps", number_text(total)}, {"lr", number_text(f.lr)}, {"warmup", number_text(f.warmup)},
           {"decay", decay_name(f.decay)}, {"final-lr", number_text(f.final_lr_fraction)}, {"clip", number_text(f.clip)},
           {"seed", number_text(f.seed)}, {"threads", number_text(f.threads)}})
    if (std::none_of(table.begin(), table.end(), [&](const auto& e) { return e.first == entry.first; })) table.push_back(entry);

  const std::int64_t log_every = std::max<std::int64_t>(1, total / 50);
  const bool evaluating = f.wants_evaluation();  // something reads the evaluations: plots, a report, a log
  const std::int64_t eval_every = f.eval_every > 0 ? f.eval_every : std::max<std::int64_t>(1, total / 10);
  if (m.comm.size() > 1) log() << "data-parallel: " << m.comm.size() << " processes over " << m.comm.name() << "\n";
  if (resumed) log() << "resumed " << f.resume << " at step " << pos.step << " of " << total << "\n";
  plot::Progress progress(total, log());
  progress.set_rate_name(rate_name);
  double window_loss = 0, window_count = 0;
  std::int64_t window_steps = 0;
  auto window_start = Clock::now();
  const auto t0 = Clock::now();
  // "tokens/s" -> "tokens_per_s": a column name pandas can take as an attribute.
  const std::string rate_key =
      rate_name.ends_with("/s") ? rate_name.substr(0, rate_name.size() - 2) + "_per_s" : rate_name;
  const double clip = f.clip > 0 ? f.clip : std::numeric_limits<double>::infinity();  // inf: measure, never scale

  // Ctrl-C or SIGTERM: the handlers only record the signal; every rank asks before each step and
  // once after the last (the ranks agree, so all stop at the same step), rank 0 saves to --save
  // if given, and the program exits 130 / 143 without evaluating.
  std::optional<cli::StopSignals> signals;
  signals.emplace();
  while (true) {
    const int stop_signal = signals->agreed(m.comm);
    if (stop_signal != 0 || (f.stop_at > 0 && pos.step >= f.stop_at && pos.step < total)) {
      if (!f.save.empty()) m.save();
      log() << cli::stop_word(stop_signal) << " at step " << pos.step << " of " << total;
      if (std::isfinite(pos.last_loss)) log() << " (loss " << format_loss(pos.last_loss) << ")";
      log() << (f.save.empty() ? "; no --save given, nothing saved" : "; saved " + f.save) << "\n";
      // The other ranks end only once rank 0 has saved: under mpirun one rank's exit can end them all.
      m.comm.barrier();
      return {false, stop_signal != 0 ? cli::stop_exit_status(stop_signal) : 0, seconds_since(t0)};
    }
    if (pos.step >= total) break;
    m.optimizer.zero_grad();
    const StepLoss loss = step();
    if (!std::isfinite(loss.value))  // the whole batch's value, so every rank stops here together
      throw ValueError(std::string("the training loss is ") + (std::isnan(loss.value) ? "NaN" : "infinite") + " at step " +
                       std::to_string(pos.step + 1) + "; lower --lr or raise --warmup; " +
                       (m.saved_path.empty() ? "no checkpoint was written"
                                             : "the checkpoint " + m.saved_path + " (step " + std::to_string(m.saved_step) + ") is kept"));
    backward(loss, m.params, m.comm);
    const double lr = m.schedule.get_last_lr();
    const double norm = optim::clip_grad_norm(m.params, clip);
    m.optimizer.step();
    m.schedule.step();
    ++pos.step;
    if (!std::isfinite(pos.first_loss)) pos.first_loss = loss.value;
    pos.last_loss = loss.value;
    if (on_step && root()) on_step(pos.step, loss.value);
    window_loss += loss.value;
    window_count += loss.count;
    ++window_steps;
    if (pos.step % log_every == 0 || pos.step == total) {
      const double rate = window_count / std::max(1e-9, seconds_since(window_start));
      const double mean = window_loss / static_cast<double>(window_steps);
      progress.update(pos.step, mean, rate);
      const auto x = static_cast<double>(pos.step);
      m.train_loss.x.push_back(x), m.train_loss.y.push_back(mean);
      m.lr.x.push_back(x), m.lr.y.push_back(lr);
      m.grad_norm.x.push_back(x), m.grad_norm.y.push_back(norm);
      m.metrics.record(pos.step, {{"loss", mean}, {"lr", lr}, {"grad_norm", norm}, {rate_key, rate}});
      window_loss = window_count = 0;
      window_steps = 0;
      window_start = Clock::now();
    }
    if (evaluating && root() && (pos.step % eval_every == 0 || pos.step == total)) {
      if (evaluate) {
        const Scores scores = evaluate();
        m.metrics.record(pos.step, scores);
        m.add_scores(pos.step, scores);
      }
      m.write_outputs(title, table, describe, "training: step " + std::to_string(pos.step) + " of " + std::to_string(total));
    }
    if (!f.save.empty() && f.save_every > 0 && pos.step % f.save_every == 0 && pos.step < total) m.save();
  }
  signals.reset();  // Ctrl-C or SIGTERM from here on (the program's evaluation) ends the program as usual
  progress.finish();
  if (!f.save.empty()) m.save();
  return {true, 0, seconds_since(t0)};
}

void Loop::finish(const Scores& scores) {
  Impl& m = *impl_;
  if (!root()) return;
  const std::int64_t step = m.state.position.step;
  // The evaluation after the last step may have recorded some of these already: only what is new
  // goes into the log, and the report's last row takes the rest instead of repeating the step.
  Scores fresh;
  for (const auto& score : scores) {
    bool known = false;
    if (!m.score_rows.empty() && m.score_rows.back().first == step)
      for (std::size_t i = 0; i < m.score_names.size(); ++i)
        known |= m.score_names[i] == score.first && m.score_rows.back().second[i] == score.second;
    if (!known) fresh.push_back(score);
  }
  if (!fresh.empty()) m.metrics.record(step, fresh);
  if (!m.score_rows.empty() && m.score_rows.back().first == step) {
    for (const auto& [name, value] : fresh) {
      auto it = std::find(m.score_names.begin(), m.score_names.end(), name);
      if (it == m.score_names.end()) {
        m.score_names.push_back(name);
        for (auto& [s, r] : m.score_rows) r.push_back(std::nan(""));
        it = m.score_names.end() - 1;
      }
      m.score_rows.back().second[static_cast<std::size_t>(it - m.score_names.begin())] = value;
    }
  } else if (!fresh.empty()) {
    m.add_scores(step, fresh);
  }
  m.write_outputs(title, m.table, describe, "finished: step " + std::to_string(m.state.position.step));
}

}  // namespace focus::train
