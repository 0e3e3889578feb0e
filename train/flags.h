// The flags every training program takes, declared once: threads, matmul precision, seed, length (steps or epochs),
// the learning-rate schedule, clipping, checkpoints, stopping, anomaly checks, plots and the run
// report. A program declares them with its own defaults, then its own flags, then calls
// args.finish(); validate() and apply() follow.
//
//   cli::Args args(argc, argv);
//   auto flags = train::CommonFlags::declare(args, {.steps = 1500, .lr = 3e-3});
//   const auto width = args.get_int("d-model", 96, "model width");
//   if (args.help()) ...;
//   args.finish();
//   flags.validate();  // UsageError for a bad value or a --save / --report that cannot be written
//   flags.apply();     // threads, seed, anomaly mode
#pragma once

#include <focus/cli/args.h>
#include <focus/tensor/precision.h>

#include <cstdint>
#include <string>

namespace focus::train {

// How the learning rate falls after warm-up (train/schedule.h).
enum class Decay { cosine, linear, constant };

// A program's defaults for the common flags. epochs < 0: the program has no epochs (a language
// model drawing random windows) and does not offer --epochs.
struct FlagDefaults {
  std::int64_t steps = 1000;
  std::int64_t min_steps = 1;  // the smallest --steps accepted (0 lets a program derive it from epochs)
  std::int64_t epochs = -1;
  double lr = 1e-3;
  std::int64_t warmup = 100;
  std::int64_t min_warmup = 0;
  double final_lr_fraction = 0.1;  // the decay ends at this fraction of the peak
  double clip = 1.0;
  std::int64_t seed = 1;
  std::string steps_help = "training steps";
};

struct CommonFlags {
  std::int64_t threads = 0;  // 0: the library's default
  MatmulPrecision precision = MatmulPrecision::float32;  // of float32 matrix products (tensor/precision.h)
  std::int64_t seed = 1;
  std::int64_t steps = 0;
  std::int64_t epochs = 0;  // 0: not given
  double lr = 1e-3;
  std::int64_t warmup = 0;
  Decay decay = Decay::cosine;
  double final_lr_fraction = 0.1;
  double clip = 1.0;  // 0: off
  std::string save;        // checkpoint path ("": none)
  std::int64_t save_every = 0;
  std::string resume;      // checkpoint to continue ("": a fresh run)
  std::int64_t stop_at = 0;
  std::int64_t eval_every = 0;  // 0: a tenth of the run, when anything reads the evaluations
  bool detect_anomaly = false;
  std::string plots;   // folder for SVG pictures ("": none)
  std::string report;  // folder for the run report index.html ("": none)

  // Declares the flags on args with the program's defaults and reads their values (args.help()
  // may then be true: print args.usage and stop).
  static CommonFlags declare(cli::Args& args, const FlagDefaults& defaults);
  // UsageError for values no run can use: --stop-at without --save, a --save whose folder is
  // missing or which is a folder, a --plots folder that cannot be made; FormatError for a
  // --report folder that cannot be made or written (train/report.h). Call after args.finish().
  void validate() const;
  // Sets the thread count and the matmul precision, seeds the default generator and sets anomaly
  // mode for this thread.
  void apply() const;
  // Where the metrics log goes: beside the checkpoint ("run.safetensors" -> "run.metrics.jsonl"),
  // else in the report folder ("DIR/metrics.jsonl"), else "" (none).
  std::string metrics_path() const;
  // Evaluations at all? (plots, a report or a metrics log reads them.)
  bool wants_evaluation() const { return !plots.empty() || !report.empty() || !save.empty(); }
};

[[nodiscard]] const char* decay_name(Decay decay);

}  // namespace focus::train
