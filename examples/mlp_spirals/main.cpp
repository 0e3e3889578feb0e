// mlp_spirals: a multilayer perceptron tells apart two interleaved spirals, which no linear model
// (and no one-hidden-layer net of a few units) can separate. The plain nn/optim recipe: a Sequential
// of Linear and Tanh, full-batch cross-entropy, AdamW with cosine decay, held-out accuracy, and the
// decision regions drawn under the test points (plot/scatter.h). The training kit (train/) runs the
// loop and gives --save / --resume / --stop-at, the metrics log and --report.
#include <focus/cli/guarded_main.h>
#include <focus/focus.h>
#include <focus/io/atomic_file.h>
#include <focus/plot/scatter.h>
#include <focus/train/loop.h>
#include <focus/train/schedule.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <iostream>
#include <optional>

using namespace focus;

namespace {

// n points per spiral. Point i of spiral c sits at radius r = t and angle turns * 2 pi * t + c pi,
// for t spread over (0.05, 1], plus Gaussian noise of sd `noise`: X [2n, 2] in about [-1, 1]^2,
// y int64 [2n] holding c.
struct Spirals { Tensor X, y; };
Spirals make_spirals(std::int64_t n, double turns, double noise, Generator& gen) {
  std::vector<float> xs;
  std::vector<std::int64_t> ys;
  for (int c = 0; c < 2; ++c)
    for (std::int64_t i = 0; i < n; ++i) {
      const double t = 0.05 + 0.95 * gen.uniform();
      const double angle = turns * 2 * std::numbers::pi * t + c * std::numbers::pi;
      xs.push_back(static_cast<float>(t * std::cos(angle) + noise * gen.normal()));
      xs.push_back(static_cast<float>(t * std::sin(angle) + noise * gen.normal()));
      ys.push_back(c);
    }
  return {tensor(xs, {2 * n, 2}), tensor(ys)};
}

double accuracy(const nn::Sequential& model, const Spirals& data) {
  NoGradGuard no_grad;
  return eq(argmax(model.forward(data.X), 1), data.y).to(kFloat32).mean().item<double>();
}

// Decision regions: the predicted class on a 160 x 160 grid over [-1.2, 1.2]^2 (row 0 at the
// top), with the test points drawn over them.
std::string regions_svg(const nn::Sequential& model, const Spirals& test, double test_accuracy) {
  constexpr std::int64_t G = 160;
  constexpr double lo = -1.2, hi = 1.2;
  std::vector<float> grid;
  for (std::int64_t r = 0; r < G; ++r)
    for (std::int64_t c = 0; c < G; ++c) {
      grid.push_back(static_cast<float>(lo + (c + 0.5) * (hi - lo) / G));
      grid.push_back(static_cast<float>(hi - (r + 0.5) * (hi - lo) / G));
    }
  NoGradGuard no_grad;
  const auto predicted = argmax(model.forward(tensor(grid, {G * G, 2})), 1).to_vector<std::int64_t>();
  plot::DecisionRegions regions;
  regions.classes.assign(G, std::vector<int>(G));
  for (std::int64_t i = 0; i < G * G; ++i) regions.classes[i / G][i % G] = static_cast<int>(predicted[i]);
  std::vector<plot::ScatterPoint> shown;
  const auto tx = test.X.to_vector<double>();
  const auto ty = test.y.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < ty.size(); ++i) shown.push_back({tx[2 * i], tx[2 * i + 1], static_cast<int>(ty[i])});
  const plot::ScatterOptions so{.x_min = lo, .x_max = hi, .y_min = lo, .y_max = hi, .class_names = {"spiral 0", "spiral 1"}};
  char title[96];
  std::snprintf(title, sizeof title, "two spirals: MLP decision regions, test accuracy %.4f", test_accuracy);
  return plot::scatter_svg(shown, title, regions, so);
}

int run(int argc, char** argv) {
  cli::Args args(argc, argv);
  // final-lr 0.01 and no warm-up: the cosine from lr down to lr / 100 this program always used.
  train::CommonFlags flags = train::CommonFlags::declare(
      args, {.steps = 2000, .lr = 0.01, .warmup = 0, .final_lr_fraction = 0.01, .clip = 0, .seed = 0,
             .steps_help = "full-batch AdamW steps"});
  auto points = args.get_int("points", 1000, "training points per spiral (as many again for the test)", 10, 1000000);
  double turns = args.get_double("turns", 2.0, "turns of each spiral");
  double noise = args.get_double("noise", 0.03, "standard deviation of the noise added to each point");
  auto hidden = args.get_int("hidden", 64, "units in each of the two hidden layers", 1, 65536);
  const std::string svg_path = args.get_string("svg", "spirals.svg", "where to write the decision-region picture");
  if (args.help()) {
    std::cout << args.usage("mlp_spirals", "An MLP classifies two spirals; prints test accuracy, draws its decision regions.");
    return 0;
  }
  args.finish();
  // The data (drawn from --seed) and the model, recorded in a checkpoint; --resume takes them from it.
  train::RunOptions options;
  options.add("points", points), options.add("turns", turns), options.add("noise", noise);
  options.add("hidden", hidden), options.add("seed", flags.seed), options.add("lr", flags.lr);
  const std::optional<train::SavedRun> saved = train::open_resume(flags, args, options, "mlp_spirals");
  if (!(turns > 0) || !(noise >= 0)) throw cli::UsageError("--turns must be positive and --noise >= 0");
  flags.validate();
  flags.apply();  // threads; the default generator seeded from --seed draws the weights
  Generator data_gen(static_cast<std::uint64_t>(flags.seed) + 1000);
  const Spirals train = make_spirals(points, turns, noise, data_gen);
  const Spirals test = make_spirals(points, turns, noise, data_gen);

  // 2 -> hidden -> hidden -> 2 logits. Tanh gives smooth curved boundaries; two hidden layers
  // fold the plane enough to follow two turns.
  nn::Sequential model;
  model.push_back(std::make_shared<nn::Linear>(2, hidden))
      .push_back(std::make_shared<nn::Tanh>())
      .push_back(std::make_shared<nn::Linear>(hidden, hidden))
      .push_back(std::make_shared<nn::Tanh>())
      .push_back(std::make_shared<nn::Linear>(hidden, 2));
  std::cout << model << "\n";
  optim::AdamW opt(model.named_parameters(), {.lr = flags.lr, .weight_decay = 1e-4});
  optim::LambdaLR schedule(opt, train::schedule_from(flags, flags.steps));
  train::TrainingState state("mlp_spirals");
  state.track(model), state.track(opt), state.track(schedule);
  if (saved) state.restore(*saved);  // the Loop refuses a --steps below its step
  state.position.total_steps = flags.steps;
  options.record(state.metadata);

  distributed::Communicator& comm = distributed::world();  // one process: this program has no MPI build
  train::Loop loop(flags, state, opt, schedule, model.parameters(), comm);
  loop.title = "mlp_spirals";
  loop.rate_name = "points/s";
  loop.options = options.table();
  loop.evaluate = [&] { return train::Scores{{"test_accuracy", accuracy(model, test)}}; };
  loop.on_step = [&](std::int64_t step, double loss) {
    if (step == 1 || step % std::max<std::int64_t>(1, flags.steps / 10) == 0 || step == flags.steps)
      std::printf("step %6lld  loss %.4f\n", static_cast<long long>(step), loss);
  };
  const train::LoopResult result = loop.run([&] {  // full batch: every training point at every step
    return train::data_parallel_loss(comm, 2 * points, [&](std::int64_t begin, std::int64_t end, Reduction reduction) {
      const Tensor X = train.X.narrow(0, begin, end - begin), y = train.y.narrow(0, begin, end - begin);
      return std::pair{cross_entropy(model.forward(X), y, {.reduction = reduction}), static_cast<double>(end - begin)};
    });
  });
  if (!result.finished) return result.exit_status;

  const double train_acc = accuracy(model, train), test_acc = accuracy(model, test);
  loop.finish({{"train_accuracy", train_acc}, {"test_accuracy", test_acc}});
  io::write_file_atomic(svg_path, regions_svg(model, test, test_acc));
  const double first = state.position.first_loss, last = state.position.last_loss;
  std::printf("%s from %.4f to %.4f\n", last < first ? "loss fell" : "loss did not fall", first, last);
  std::printf("train_accuracy=%.4f test_accuracy=%.4f seconds=%.1f svg=%s\n", train_acc, test_acc, result.seconds,
              svg_path.c_str());
  return last < first ? 0 : 1;  // the smoke test asserts the loss falls
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once, also in a log file
  return cli::guarded_main("mlp_spirals", [&] { return run(argc, argv); });
}
