// The common flags of training programs (see flags.h).
#include <focus/train/flags.h>

#include <focus/autograd/anomaly.h>
#include <focus/tensor/precision.h>
#include <focus/tensor/threads.h>
#include <focus/tensor/random.h>
#include <focus/train/report.h>

#include <filesystem>

namespace focus::train {

const char* decay_name(Decay decay) {
  switch (decay) {
    case Decay::cosine: return "cosine";
    case Decay::linear: return "linear";
    case Decay::constant: return "constant";
  }
  return "?";
}

CommonFlags CommonFlags::declare(cli::Args& args, const FlagDefaults& d) {
  CommonFlags f;
  f.threads = args.get_int("threads", 0, "threads (0: the library's default)", 0, 1024);
  f.seed = args.get_int("seed", d.seed, "random seed (initialisation, data order, dropout)", 0);
  f.steps = args.get_int("steps", d.steps, d.steps_help, d.min_steps);
  if (d.epochs >= 0) f.epochs = args.get_int("epochs", d.epochs, "passes over the training data (instead of --steps)", 0, 100000);
  f.lr = args.get_double("lr", d.lr, "peak learning rate");
  f.warmup = args.get_int("warmup", d.warmup, "linear warm-up steps", d.min_warmup);
  const std::string decay = args.get_string("decay", "cosine", "learning-rate decay after warm-up: cosine, linear or constant");
  f.final_lr_fraction = args.get_double("final-lr", d.final_lr_fraction, "where the decay ends, as a fraction of the peak");
  f.clip = args.get_double("clip", d.clip, "gradient norm clip (0: off)");
  f.save = args.get_string("save", "", "write the training state here (at the end, every --save-every steps, and when stopped)");
  f.save_every = args.get_int("save-every", 0, "steps between checkpoints (0: only at the end)", 0);
  f.resume = args.get_string("resume", "", "continue the run saved in this checkpoint");
  f.stop_at = args.get_int("stop-at", 0, "stop after this step, saving to --save, without evaluating (0: off)", 0);
  f.eval_every = args.get_int("eval-every", 0, "steps between evaluations for the metrics log, plots and report (0: a tenth of the run)", 0);
  f.detect_anomaly = args.get_flag("detect-anomaly", "check every op's output and every gradient for NaN/Inf (slow)");
  f.plots = args.get_string("plots", "", "write pictures (SVG) into this folder");
  f.report = args.get_string("report", "", "write a run report (index.html) into this folder, refreshed at every evaluation");
  const std::string precision = args.get_string(
      "precision", "float32", "matrix products: float32, or bf16 (rounded inputs, float32 sums; needs oneDNN and AVX512_BF16)");
  if (precision == "float32") f.precision = MatmulPrecision::float32;
  else if (precision == "bf16") f.precision = MatmulPrecision::bf16;
  else if (!args.help()) throw cli::UsageError("--precision must be float32 or bf16; got '" + precision + "'");
  if (decay == "cosine") f.decay = Decay::cosine;
  else if (decay == "linear") f.decay = Decay::linear;
  else if (decay == "constant") f.decay = Decay::constant;
  else if (!args.help()) throw cli::UsageError("--decay must be cosine, linear or constant; got '" + decay + "'");
  return f;
}

void CommonFlags::validate() const {
  if (!(lr > 0)) throw cli::UsageError("--lr must be positive");
  if (!(clip >= 0)) throw cli::UsageError("--clip must be >= 0");
  if (!(final_lr_fraction >= 0 && final_lr_fraction <= 1)) throw cli::UsageError("--final-lr must be in [0, 1]");
  if (stop_at > 0 && save.empty()) throw cli::UsageError("--stop-at needs --save PATH");
  if (precision == MatmulPrecision::bf16) {
    const std::string why = bf16_unavailable_reason();
    if (!why.empty()) throw cli::UsageError("--precision bf16: " + why);
  }
  if (!save.empty()) {
    // Fail now, not after hours of training: the checkpoint's folder must exist.
    const auto dir = std::filesystem::path(save).parent_path();
    if (std::filesystem::is_directory(save)) throw cli::UsageError("--save " + save + " is a folder");
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      throw cli::UsageError("--save " + save + ": the folder " + dir.string() + " does not exist");
  }
  if (!plots.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(plots, ec);
    if (ec || !std::filesystem::is_directory(plots))
      throw cli::UsageError("--plots " + plots + ": cannot create the folder" +
                            (ec ? "; got " + ec.message() : "; got a file of that name"));
  }
  if (!report.empty()) prepare_report_dir(report);  // FormatError naming the folder and the reason
}

void CommonFlags::apply() const {
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  set_matmul_precision(precision);
  manual_seed(static_cast<std::uint64_t>(seed));
  set_detect_anomaly(detect_anomaly);
}

std::string CommonFlags::metrics_path() const {
  if (!save.empty()) {
    std::filesystem::path p(save);
    return (p.parent_path() / (p.stem().string() + ".metrics.jsonl")).string();
  }
  if (!report.empty()) return (std::filesystem::path(report) / "metrics.jsonl").string();
  return "";
}

}  // namespace focus::train
