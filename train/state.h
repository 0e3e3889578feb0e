// A training run saved and resumed as one safetensors file: the model's tensors ("model.<name>"),
// the optimizer's ("optim.*") and the schedule's ("lr_scheduler.*") as tensors; as metadata the
// program and task that wrote it ("train.program", "train.task"), the position (steps done, the
// total, epoch and batch within it, first and latest loss: "train.*"), every random generator
// ("train.<name>_rng"), the options that define the run ("option.<flag>") and whatever else the
// program needs to rebuild its model (vocabularies, settings), under its own keys. Saved
// atomically (io/atomic_file.h): a reader or a crash sees the old file or the new, never half.
//
//   train::TrainingState state("char_lm");
//   state.track(model); state.track(opt); state.track(schedule);
//   state.track("data", data_gen); state.track("dropout", default_generator());
//   if (resuming) state.restore(train::SavedRun::open(path, "char_lm"));
//   ... state.save(path);
#pragma once

#include <focus/cli/args.h>
#include <focus/io/safetensors.h>
#include <focus/nn/module.h>
#include <focus/optim/optimizer.h>
#include <focus/optim/schedule.h>
#include <focus/tensor/random.h>
#include <focus/train/flags.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace focus::train {

// Where a run is.
struct Position {
  std::int64_t step = 0;         // optimizer steps done
  std::int64_t total_steps = 0;  // the run's length
  std::int64_t epoch = 0;        // passes over the data begun, minus one
  std::int64_t batch_in_epoch = 0;  // batches of this epoch done
  double first_loss = std::nan("");  // the first step's loss (NaN: no step yet)
  double last_loss = std::nan("");   // the latest step's loss
};

// The shortest text that reads back as the same number (std::to_chars).
[[nodiscard]] std::string number_text(std::int64_t v);
[[nodiscard]] std::string number_text(double v);

// A checkpoint read for resuming or evaluating: the file and where it came from. Every accessor
// throws FormatError "checkpoint <path>: ..." naming the key and the rule.
class SavedRun {
 public:
  // Reads path (io::load_safetensors). A file that names another program in "train.program"
  // throws FormatError "checkpoint <path>: written by char_lm, not translate". A file without
  // "train.program" (written before the kit) is accepted; its keys are checked as they are read.
  static SavedRun open(const std::string& path, const std::string& program);

  const std::string& path() const { return path_; }
  const io::TensorFile& file() const { return file_; }
  const io::Metadata& metadata() const { return file_.metadata; }
  bool has(const std::string& key) const { return file_.metadata.contains(key); }
  const std::string& text(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;  // >= 0
  double real(const std::string& key) const;           // finite
  // The task it was trained on ("train.task", or the older "task"); "" when it names none.
  std::string task() const;
  // FormatError "checkpoint <path>: trained on task 'zh-en', not 'dates'" when the file names a
  // task and it is not task (tasks are compared as given; pass the canonical name).
  void check_task(const std::string& task) const;

 private:
  std::string path_, program_;
  io::TensorFile file_;
};

// Everything a run saves, by reference: the model, optimizer, schedule and generators must
// outlive the TrainingState.
class TrainingState {
 public:
  explicit TrainingState(std::string program, std::string task = "");

  void track(nn::Module& model);
  void track(optim::Optimizer& optimizer);
  void track(optim::LRScheduler& schedule);
  void track(const std::string& name, Generator& generator);

  Position position;
  // The program's own entries, saved as they are ("option.*" from RunOptions, vocabularies, ...).
  // Keys starting with "train." are the state's own: save throws ValueError for one.
  io::Metadata metadata;

  const std::string& program() const { return program_; }
  const std::string& task() const { return task_; }

  // Writes everything tracked, the position and the metadata to path, atomically.
  void save(const std::string& path) const;
  // Loads saved into everything tracked, the position (total_steps included) and metadata (the
  // file's non-"train." entries). The model, optimizer and schedule load all or nothing each;
  // any error is FormatError naming the file. Checks the task when both name one.
  void restore(const SavedRun& saved);

 private:
  std::string program_, task_;
  nn::Module* model_ = nullptr;
  optim::Optimizer* optimizer_ = nullptr;
  optim::LRScheduler* schedule_ = nullptr;
  std::vector<std::pair<std::string, Generator*>> generators_;
};

// The options that define a run (model shape, batch, learning rate...), recorded in a checkpoint
// as "option.<flag>" so that a resumed run takes them from it: a flag not given on the command
// line takes the saved value; one given must agree with it.
class RunOptions {
 public:
  // older_files: the value runs had before the flag existed, taken when a checkpoint has no entry
  // for it (without it a missing entry is a FormatError).
  void add(const std::string& flag, std::int64_t& value, std::optional<std::string> older_files = std::nullopt);
  void add(const std::string& flag, double& value, std::optional<std::string> older_files = std::nullopt);
  void add(const std::string& flag, std::string& value, std::optional<std::string> older_files = std::nullopt);

  // "option.<flag>" = number_text(value) (or the string) for each.
  void record(io::Metadata& metadata) const;
  // From saved: UsageError "--d-model 64 contradicts the checkpoint <path>, trained with
  // --d-model 96" for a given flag that differs; FormatError for a missing or bad entry.
  void restore(const SavedRun& saved, const cli::Args& args);
  // (flag, value text) in the order added: the options table of the run report.
  std::vector<std::pair<std::string, std::string>> table() const;

 private:
  struct Option {
    std::string flag;
    std::variant<std::int64_t*, double*, std::string*> value;
    std::optional<std::string> older_files;
  };
  std::vector<Option> options_;
};

// The checkpoint --resume names, opened for program, or nothing without --resume: options take
// its values (a flag given again must agree), and flags.steps its total unless --steps is given.
// Then TrainingState::restore(*saved) once the model, optimizer and schedule exist.
[[nodiscard]] std::optional<SavedRun> open_resume(CommonFlags& flags, const cli::Args& args, RunOptions& options,
                                                  const std::string& program);

}  // namespace focus::train
