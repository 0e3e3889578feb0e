// mlp_spirals: a multilayer perceptron learns to tell apart two interleaved spirals, the classic
// data set no linear model (and no one-hidden-layer net of a few units) can separate. It teaches
// the plain nn/optim recipe: a Sequential of Linear and Tanh layers, cross-entropy on two logits,
// AdamW with a cosine schedule, held-out accuracy, and a picture of what the net learned: the
// decision regions over the whole plane with the test points on top (plot/scatter.h).
#include <focus/cli/args.h>
#include <focus/cli/guarded_main.h>
#include <focus/focus.h>
#include <focus/io/atomic_file.h>
#include <focus/plot/scatter.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

using namespace focus;

namespace {

constexpr double kPi = 3.14159265358979323846;

// n points per spiral. Point i of spiral c sits at radius r = t and angle turns * 2 pi * t + c pi,
// for t spread over (0.05, 1], plus Gaussian noise of sd `noise`: X [2n, 2] in about [-1, 1]^2,
// y int64 [2n] holding c.
struct Spirals {
  Tensor X, y;
};
Spirals make_spirals(std::int64_t n, double turns, double noise, Generator& gen) {
  std::vector<float> xs;
  std::vector<std::int64_t> ys;
  for (int c = 0; c < 2; ++c)
    for (std::int64_t i = 0; i < n; ++i) {
      const double t = 0.05 + 0.95 * gen.uniform();
      const double angle = turns * 2 * kPi * t + c * kPi;
      xs.push_back(static_cast<float>(t * std::cos(angle) + noise * gen.normal()));
      xs.push_back(static_cast<float>(t * std::sin(angle) + noise * gen.normal()));
      ys.push_back(c);
    }
  return {tensor(xs, {2 * n, 2}), tensor(ys)};
}

double accuracy(const Tensor& logits, const Tensor& y) {
  return eq(argmax(logits, 1), y).to(kFloat32).mean().item<double>();
}

int run(int argc, char** argv) {
  cli::Args args(argc, argv);
  const auto points = args.get_int("points", 1000, "training points per spiral (as many again for the test)", 10, 1000000);
  const double turns = args.get_double("turns", 2.0, "turns of each spiral");
  const double noise = args.get_double("noise", 0.03, "standard deviation of the noise added to each point");
  const auto hidden = args.get_int("hidden", 64, "units in each of the two hidden layers", 1, 65536);
  const auto steps = args.get_int("steps", 2000, "full-batch AdamW steps", 1, 10000000);
  const double lr = args.get_double("lr", 0.01, "peak learning rate (AdamW, cosine decay)");
  const auto seed = args.get_int("seed", 0, "random seed (data and weights)", 0);
  const auto threads = args.get_int("threads", 0, "threads (0: the library's default)", 0, 1024);
  const std::string svg_path = args.get_string("svg", "spirals.svg", "where to write the decision-region picture");
  if (args.help()) {
    std::cout << args.usage("mlp_spirals", "An MLP classifies two spirals; prints test accuracy, draws its decision regions.");
    return 0;
  }
  args.finish();
  if (!(lr > 0) || !(turns > 0) || !(noise >= 0)) throw cli::UsageError("--lr and --turns must be positive and --noise >= 0");
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  manual_seed(static_cast<std::uint64_t>(seed));
  Generator data_gen(static_cast<std::uint64_t>(seed) + 1000);
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
  optim::AdamW opt(model.named_parameters(), {.lr = lr, .weight_decay = 1e-4});
  optim::CosineAnnealingLR schedule(opt, steps, lr * 0.01);

  const auto t0 = std::chrono::steady_clock::now();
  double first = 0, last = 0;
  for (std::int64_t step = 1; step <= steps; ++step) {
    const Tensor loss = cross_entropy(model.forward(train.X), train.y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    schedule.step();
    last = loss.item<double>();
    if (step == 1) first = last;
    if (step == 1 || step % std::max<std::int64_t>(1, steps / 10) == 0 || step == steps)
      std::printf("step %6lld  loss %.4f\n", static_cast<long long>(step), last);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  NoGradGuard no_grad;
  const double train_acc = accuracy(model.forward(train.X), train.y);
  const double test_acc = accuracy(model.forward(test.X), test.y);

  // Decision regions: the predicted class on a 160 x 160 grid over [-1.2, 1.2]^2, row 0 at the top.
  constexpr std::int64_t G = 160;
  constexpr double lo = -1.2, hi = 1.2;
  std::vector<float> grid;
  for (std::int64_t r = 0; r < G; ++r)
    for (std::int64_t c = 0; c < G; ++c) {
      grid.push_back(static_cast<float>(lo + (c + 0.5) * (hi - lo) / G));
      grid.push_back(static_cast<float>(hi - (r + 0.5) * (hi - lo) / G));
    }
  const auto predicted = argmax(model.forward(tensor(grid, {G * G, 2})), 1).to_vector<std::int64_t>();
  plot::DecisionRegions regions;
  regions.classes.assign(G, std::vector<int>(G));
  for (std::int64_t i = 0; i < G * G; ++i) regions.classes[i / G][i % G] = static_cast<int>(predicted[i]);
  std::vector<plot::ScatterPoint> shown;
  const auto tx = test.X.to_vector<double>();
  const auto ty = test.y.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < ty.size(); ++i) shown.push_back({tx[2 * i], tx[2 * i + 1], static_cast<int>(ty[i])});
  plot::ScatterOptions so;
  so.x_min = so.y_min = lo;
  so.x_max = so.y_max = hi;
  so.class_names = {"spiral 0", "spiral 1"};
  char title[96];
  std::snprintf(title, sizeof title, "two spirals: MLP decision regions, test accuracy %.4f", test_acc);
  io::write_file_atomic(svg_path, plot::scatter_svg(shown, title, regions, so));

  std::printf("%s from %.4f to %.4f\n", last < first ? "loss fell" : "loss did not fall", first, last);
  std::printf("train_accuracy=%.4f test_accuracy=%.4f seconds=%.1f svg=%s\n", train_acc, test_acc, seconds, svg_path.c_str());
  return last < first ? 0 : 1;  // the smoke test asserts the loss falls
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once, also in a log file
  return cli::guarded_main("mlp_spirals", [&] { return run(argc, argv); });
}
