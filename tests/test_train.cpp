// The training kit (train/): the schedule's formula, the training state's save/restore (exact,
// all generators, program and task checked), RunOptions on resume, the JSONL metrics log, the
// data-parallel loss alone, and the Loop on a tiny regression: stop-at + resume equals a straight
// run byte for byte, a non-finite loss stops naming the checkpoint kept.
#include <doctest/doctest.h>

#include "op_table.h"

#include <focus/focus.h>
#include <focus/train/block_flags.h>
#include <focus/train/loop.h>
#include <focus/train/schedule.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <regex>
#include <sstream>
#include <unistd.h>

using namespace focus;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/focus_train_XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A tiny regression run on the kit: y = x w* + noise, a Linear(4, 1) with dropout-free MSE,
// Adam, the kit's schedule; batches of 8 rows drawn from a data generator the state tracks.
struct TinyRun {
  int seeded = (manual_seed(1), 0);  // the same initial weights in every run
  nn::Linear model{4, 1};
  optim::Adam opt{model.named_parameters(), {.lr = 0.05}};
  train::CommonFlags flags;
  std::unique_ptr<optim::LambdaLR> schedule;
  Generator data{7};
  train::TrainingState state{"tiny", "regression"};

  explicit TinyRun(train::CommonFlags f, std::int64_t total) : flags(std::move(f)) {
    schedule = std::make_unique<optim::LambdaLR>(opt, train::schedule_from(flags, total));
    state.track(model), state.track(opt), state.track(*schedule), state.track("data", data);
    state.position.total_steps = total;
  }
  train::LoopResult run(double poison_at_step = -1) {
    train::Loop loop(flags, state, opt, *schedule, model.parameters(), distributed::world());
    return loop.run([&] {
      const Tensor x = randn({8, 4}, kFloat32, &data);
      Tensor y = matmul(x, tensor(std::vector<float>{1, -2, 0.5f, 3}, {4, 1}));
      if (state.position.step + 1 == poison_at_step) y = y * std::nan("");
      return train::data_parallel_loss(distributed::world(), 8, [&](std::int64_t, std::int64_t, Reduction r) {
        Tensor d = model.forward(x) - y;
        Tensor sq = d * d;
        return std::pair{r == Reduction::Sum ? sq.sum() : sq.mean(), 8.0};
      });
    });
  }
};

train::CommonFlags tiny_flags() {
  train::CommonFlags f;
  f.lr = 0.05;
  f.warmup = 3;
  f.clip = 1.0;
  f.final_lr_fraction = 0.1;
  return f;
}

}  // namespace

TEST_CASE("train: warmup_then_decay is linear warm-up then cosine or linear decay to the final fraction") {
  const auto f = train::warmup_then_decay(4, 14, 0.05);
  CHECK(f(0) == doctest::Approx(0.25));
  CHECK(f(3) == doctest::Approx(1.0));
  CHECK(f(4) == doctest::Approx(1.0));
  CHECK(f(9) == doctest::Approx(0.05 + 0.95 * 0.5 * (1 + std::cos(std::numbers::pi * 0.5))));
  CHECK(f(14) == doctest::Approx(0.05));
  CHECK(f(100) == doctest::Approx(0.05));  // stays at the floor after the run
  const auto lin = train::warmup_then_decay(0, 10, 0.0, train::Decay::linear);
  CHECK(lin(5) == doctest::Approx(0.5));
  CHECK(train::warmup_then_decay(2, 10, 0.5, train::Decay::constant)(7) == 1.0);
  CHECK_ERROR(ValueError, train::warmup_then_decay(-1, 10, 0.1), "warmup_then_decay", "warmup=-1");
  CHECK_ERROR(ValueError, train::warmup_then_decay(0, 10, 1.5), "final_fraction=1.5");
}

TEST_CASE("train: CommonFlags declares the common flags once, with the program's defaults, and rejects bad values") {
  std::vector<std::string> words{"prog", "--steps", "40", "--decay", "linear", "--clip", "0"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  cli::Args args(static_cast<int>(argv.size()), argv.data());
  const auto f = train::CommonFlags::declare(args, {.steps = 10, .lr = 3e-3, .warmup = 7, .seed = 5});
  args.finish();
  CHECK(f.steps == 40);
  CHECK(f.lr == 3e-3);
  CHECK(f.warmup == 7);
  CHECK(f.seed == 5);
  CHECK(f.decay == train::Decay::linear);
  CHECK(f.clip == 0);
  CHECK(f.epochs == 0);
  CHECK(args.usage("prog", "x").find("--report") != std::string::npos);
  CHECK(args.usage("prog", "x").find("--epochs") == std::string::npos);  // a program without epochs does not offer them

  train::CommonFlags bad;
  bad.stop_at = 3;
  CHECK_ERROR(cli::UsageError, bad.validate(), "--stop-at needs --save");
  bad.stop_at = 0;
  bad.save = "/no/such/folder/x.safetensors";
  CHECK_ERROR(cli::UsageError, bad.validate(), "the folder /no/such/folder does not exist");
  TempDir dir;
  bad.save = "";
  std::ofstream(dir.path / "file") << "x";
  bad.report = (dir.path / "file" / "report").string();  // under a regular file: cannot be made
  CHECK_ERROR(FormatError, bad.validate(), "report", "cannot");
  train::CommonFlags ok;
  ok.save = (dir.path / "run.safetensors").string();
  CHECK(ok.metrics_path() == (dir.path / "run.metrics.jsonl").string());
}

TEST_CASE("train: a stopped and resumed run ends byte-identical to a straight one") {
  TempDir dir;
  auto flags = tiny_flags();
  flags.save = (dir.path / "straight.safetensors").string();
  TinyRun straight(flags, 12);
  CHECK(straight.run().finished);

  flags.save = (dir.path / "split.safetensors").string();
  flags.stop_at = 5;
  TinyRun first(flags, 12);
  const auto stopped = first.run();
  CHECK_FALSE(stopped.finished);
  CHECK(stopped.exit_status == 0);
  CHECK(first.state.position.step == 5);

  flags.stop_at = 0;
  flags.resume = flags.save;
  TinyRun second(flags, 12);
  second.state.restore(train::SavedRun::open(flags.resume, "tiny"));
  CHECK(second.state.position.step == 5);
  CHECK(second.run().finished);
  CHECK(read_all(dir.path / "straight.safetensors") == read_all(dir.path / "split.safetensors"));
  // The metrics log beside the checkpoint: one JSON object per line, steps in order, the resumed
  // run keeping the lines up to step 5 and adding the rest once.
  const std::string log = read_all(dir.path / "split.metrics.jsonl");
  // Rates are times; everything else (loss, lr, gradient norm) must match the straight run's.
  const auto without_rates = [](const std::string& text) { return std::regex_replace(text, std::regex(R"(,"tokens_per_s":[^,}]*)"), ""); };
  CHECK(without_rates(log) == without_rates(read_all(dir.path / "straight.metrics.jsonl")));
  std::istringstream lines(log);
  std::int64_t last_step = 0, n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    REQUIRE(line.starts_with("{\"step\":"));
    CHECK(line.ends_with("}"));
    CHECK(line.find("\"loss\":") != std::string::npos);
    CHECK(line.find("\"grad_norm\":") != std::string::npos);
    const auto step = std::stoll(line.substr(8));
    CHECK(step > last_step);
    last_step = step;
  }
  CHECK(last_step == 12);
  CHECK(n == 12);
}

TEST_CASE("train: a non-finite loss stops the run and names the last checkpoint kept") {
  TempDir dir;
  auto flags = tiny_flags();
  flags.save = (dir.path / "run.safetensors").string();
  flags.save_every = 2;
  TinyRun run(flags, 10);
  CHECK_ERROR(ValueError, run.run(5), "the training loss is NaN at step 5", "lower --lr",
              ("the checkpoint " + flags.save + " (step 4) is kept").c_str());
  const auto saved = train::SavedRun::open(flags.save, "tiny");
  CHECK(saved.integer("train.step") == 4);
}

TEST_CASE("train: SavedRun refuses another program's or task's state, restore changes nothing on a bad file") {
  TempDir dir;
  const std::string path = (dir.path / "run.safetensors").string();
  TinyRun run(tiny_flags(), 10);
  run.state.metadata["vocab"] = "abc";
  run.state.save(path);
  CHECK_ERROR(FormatError, train::SavedRun::open(path, "char_lm"), "checkpoint", path.c_str(), "written by tiny, not char_lm");
  train::TrainingState other("tiny", "another-task");
  CHECK_ERROR(FormatError, other.restore(train::SavedRun::open(path, "tiny")), "trained on task 'regression', not 'another-task'");
  const auto saved = train::SavedRun::open(path, "tiny");
  CHECK(saved.text("vocab") == "abc");
  CHECK_ERROR(FormatError, saved.text("nope"), "not tiny's; got no metadata 'nope'");
  // A state whose generator entry is damaged: nothing is restored.
  io::TensorFile file = io::load_safetensors(path);
  file.metadata["train.data_rng"] = "1 2 3";
  io::save_safetensors(path, std::vector<std::pair<std::string, Tensor>>(file.tensors.begin(), file.tensors.end()), file.metadata);
  TinyRun fresh(tiny_flags(), 10);
  const auto before = fresh.model.weight.to_vector<float>();
  CHECK_ERROR(FormatError, fresh.state.restore(train::SavedRun::open(path, "tiny")), "train.data_rng", "not a generator state");
  CHECK(fresh.model.weight.to_vector<float>() == before);
  run.state.metadata["train.mine"] = "x";
  CHECK_ERROR(ValueError, run.state.save(path), "'train.' are the state's own");
}

TEST_CASE("train: RunOptions take a resumed run's options and refuse a contradicting flag") {
  TempDir dir;
  const std::string path = (dir.path / "run.safetensors").string();
  std::int64_t width = 32;
  double lr = 0.003;
  std::string mode = "fast";
  train::RunOptions saved_options;
  saved_options.add("width", width), saved_options.add("lr", lr), saved_options.add("mode", mode);
  train::TrainingState state("tiny");
  saved_options.record(state.metadata);
  state.position.total_steps = 1;
  state.save(path);
  CHECK(saved_options.table()[1] == std::pair<std::string, std::string>{"lr", "0.003"});

  std::int64_t w2 = 8;
  double lr2 = 1;
  std::string mode2;
  train::RunOptions options;
  options.add("width", w2), options.add("lr", lr2), options.add("mode", mode2);
  std::vector<std::string> words{"prog", "--lr", "0.003"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  cli::Args args(static_cast<int>(argv.size()), argv.data());
  lr2 = 0.003;  // as the flag gave it
  options.restore(train::SavedRun::open(path, "tiny"), args);
  CHECK(w2 == 32);
  CHECK(mode2 == "fast");
  std::vector<std::string> words2{"prog", "--width", "64"};
  std::vector<char*> argv2;
  for (auto& w : words2) argv2.push_back(w.data());
  cli::Args args2(static_cast<int>(argv2.size()), argv2.data());
  w2 = 64;
  CHECK_ERROR(cli::UsageError, options.restore(train::SavedRun::open(path, "tiny"), args2),
              ("--width 64 contradicts the checkpoint " + path + ", trained with --width 32").c_str());
}

TEST_CASE("train: an option added after a checkpoint was written reads as older files ran, without that value it is an error") {
  TempDir dir;
  const std::string path = (dir.path / "old.safetensors").string();
  train::TrainingState state("tiny");  // written before --positions existed
  state.position.total_steps = 1;
  state.save(path);
  std::string positions = "rope", norm = "rms";
  train::RunOptions options;
  options.add("positions", positions, "learned");
  std::vector<std::string> words{"prog"};
  std::vector<char*> argv{words[0].data()};
  cli::Args args(1, argv.data());
  options.restore(train::SavedRun::open(path, "tiny"), args);
  CHECK(positions == "learned");
  train::RunOptions strict;
  strict.add("norm", norm);
  CHECK_ERROR(FormatError, strict.restore(train::SavedRun::open(path, "tiny"), args), "option.norm");
  // The block's four flags, through BlockFlags: an older file's values, and a contradicting flag.
  train::BlockFlags block{.positions = "rope", .attention = "local:8", .norm = "rms", .norm_first = 0};
  train::RunOptions block_options;
  block.record(block_options, train::BlockFlags::of(nn::GPTConfig{}));
  block_options.restore(train::SavedRun::open(path, "tiny"), args);
  CHECK(block.positions == "learned");
  CHECK(block.attention == "full");
  CHECK(block.norm == "layer");
  CHECK(block.norm_first == 1);
  std::vector<std::string> words2{"prog", "--norm", "rms"};
  std::vector<char*> argv2{words2[0].data(), words2[1].data(), words2[2].data()};
  cli::Args args2(3, argv2.data());
  const train::BlockFlags given{.norm = "rms"};
  CHECK_THROWS_WITH_AS(given.check_resumed(train::BlockFlags{.norm = "layer"}, args2, path),
                       ("--norm rms contradicts the checkpoint " + path + ", trained with --norm layer").c_str(), cli::UsageError);
}

TEST_CASE("train: metrics_line writes one JSON object, nulls for non-finite numbers") {
  CHECK(train::metrics_line(3, {{"loss", 1.5}, {"lr", 0.001}}) == R"({"step":3,"loss":1.5,"lr":0.001})");
  CHECK(train::metrics_line(4, {{"x\"y", std::nan("")}, {"inf", INFINITY}}) == R"({"step":4,"x\"y":null,"inf":null})");
  TempDir dir;
  const std::string path = (dir.path / "m.jsonl").string();
  {
    train::MetricsLog log(path);
    for (int s = 1; s <= 4; ++s) log.record(s, {{"loss", 1.0 / s}});
  }
  train::MetricsLog resumed(path, 2);  // a run resumed from step 2 drops the lines written after it
  resumed.record(3, {{"loss", 9}});
  CHECK(read_all(path) == "{\"step\":1,\"loss\":1}\n{\"step\":2,\"loss\":0.5}\n{\"step\":3,\"loss\":9}\n");
}

TEST_CASE("train: data_parallel_loss alone is the program's own mean") {
  auto& comm = distributed::world();
  const Tensor x = tensor(std::vector<float>{1, 2, 3, 4}, {4});
  const auto step = train::data_parallel_loss(comm, 4, [&](std::int64_t b, std::int64_t e, Reduction r) {
    CHECK(b == 0);
    CHECK(e == 4);
    CHECK(r == Reduction::Mean);
    return std::pair{x.mean(), 4.0};
  });
  CHECK(step.value == doctest::Approx(2.5));
  CHECK(step.count == 4);
  CHECK_ERROR(ValueError, (void)train::data_parallel_loss(comm, 0, {}), "data_parallel_loss", "rows=0");
}

TEST_CASE("train: --report writes the page at every evaluation, with or without an evaluate hook, and finish() marks it") {
  TempDir dir;
  auto flags = tiny_flags();
  flags.report = (dir.path / "report").string();
  flags.eval_every = 4;
  flags.validate();
  TinyRun run(flags, 8);
  CHECK(run.run().finished);
  const std::string during = read_all(dir.path / "report" / "index.html");
  CHECK(during.find("training: step 8 of 8") != std::string::npos);
  CHECK(read_all(dir.path / "report" / "metrics.jsonl").find("{\"step\":8,") != std::string::npos);
  train::Loop loop(flags, run.state, run.opt, *run.schedule, run.model.parameters(), distributed::world());
  loop.finish({{"test_mse", 0.25}});
  const std::string after = read_all(dir.path / "report" / "index.html");
  CHECK(after.find("finished: step 8") != std::string::npos);
  CHECK(after.find("test_mse") != std::string::npos);
}
