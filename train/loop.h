// The training loop of focus's programs, written once. A program builds its model, optimizer,
// schedule and TrainingState, then hands the Loop one function that computes a batch's loss; the
// Loop does the rest of every step and everything around it:
//   - zero the gradients, the program's step (forward; it advances its own data cursor),
//     the loss checked finite (else it stops, naming the last checkpoint kept), backward and, under
//     mpirun, the gradients summed over the ranks (train/loss.h), clipping (--clip; the norm is
//     logged either way), the optimizer and schedule steps;
//   - a progress bar on a terminal, log lines otherwise (plot/progress.h);
//   - the metrics log (train/metrics_log.h), plots/loss.svg (--plots) and the run report
//     (--report, train/report.h), refreshed at every evaluation (--eval-every);
//   - checkpoints: --save-every, the end, --stop-at, and Ctrl-C / SIGTERM at the next step (every
//     rank of a data-parallel job stops at the same one; exit 130 / 143).
// Why a driver and not only small functions: the stop, save, log and evaluate points must come in
// one order on every rank of a data-parallel job, and a hand-copied loop is where that went wrong.
// The program keeps its model, data and evaluation; the Loop never sees a batch.
//
//   train::Loop loop(flags, state, opt, schedule, model.parameters());
//   loop.evaluate = [&] { return std::vector<std::pair<std::string, double>>{{"valid_loss", valid_loss()}}; };
//   const auto result = loop.run([&] { return train::data_parallel_loss(comm, B, loss_of_rows); });
//   if (!result.finished) return result.exit_status;
#pragma once

#include <focus/distributed/communicator.h>
#include <focus/optim/optimizer.h>
#include <focus/optim/schedule.h>
#include <focus/train/flags.h>
#include <focus/train/loss.h>
#include <focus/train/metrics_log.h>
#include <focus/train/report.h>
#include <focus/train/state.h>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace focus::train {

using Scores = std::vector<std::pair<std::string, double>>;

struct LoopResult {
  bool finished = false;  // ran to position.total_steps
  int exit_status = 0;    // when not finished: 0 after --stop-at, 130 / 143 after SIGINT / SIGTERM
  double seconds = 0;     // time spent in run()
};

class Loop {
 public:
  // state.position.total_steps must be set (>= 1); the references must outlive the Loop.
  Loop(const CommonFlags& flags, TrainingState& state, optim::Optimizer& optimizer, optim::LRScheduler& schedule,
       std::vector<Tensor> params, distributed::Communicator& comm);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Set before run(); all optional.
  std::string title;                                         // the report's title: "translate: zh-en"
  std::string rate_name = "tokens/s";                        // what StepLoss::count counts, per second
  std::vector<std::pair<std::string, std::string>> options;  // the report's table (the common flags are added)
  // Rank 0, every --eval-every steps and after the last: named scores for the metrics log and
  // the report; one named "valid_loss" is drawn beside the training loss. Like describe, it runs
  // between training steps: it must leave training's random streams alone (put the model in
  // eval mode, so dropout draws nothing, and back in train mode after; use a generator of its own).
  std::function<Scores()> evaluate;
  // Rank 0, before each report is written: samples, attention maps.
  std::function<void(ReportData&)> describe;
  // Rank 0, after every step: the step just done (1 = the first) and its loss, for a program's own log.
  std::function<void(std::int64_t step, double loss)> on_step;

  // Trains from state.position.step to total_steps, calling step() once per step.
  LoopResult run(const std::function<StepLoss()>& step);
  // After a finished run, on rank 0: the final scores (say, on the test set) join the metrics log
  // and the report, which is written a last time with status "finished".
  void finish(const Scores& scores);

  bool root() const;
  // stderr on rank 0; a stream that drops everything on the other ranks.
  std::ostream& log();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace focus::train
