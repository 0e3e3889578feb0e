// seq_classify: a tiny Transformer encoder learns whether a digit sequence repeats its first digit
// later on. No single position tells (about 61% of sequences of ten do), so the model must compare
// positions: attention. The smallest program on the training kit (train/), which gives the schedule,
// clipping, --save / --resume / --stop-at, the metrics log and --report.
#include <focus/cli/guarded_main.h>
#include <focus/focus.h>
#include <focus/train/loop.h>
#include <focus/train/schedule.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

using namespace focus;

namespace {

// n sequences of T random digits, x int64 [n, T], and their labels y [n]: 1 when x[i][0] occurs
// again in x[i][1:].
struct Digits { Tensor x, y; };
Digits make_digits(std::int64_t n, std::int64_t T, Generator& gen) {
  std::vector<std::int64_t> xs, ys;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t t = 0; t < T; ++t) xs.push_back(static_cast<std::int64_t>(gen.below(10)));
    ys.push_back(std::find(xs.end() - T + 1, xs.end(), xs[xs.size() - T]) != xs.end() ? 1 : 0);
  }
  return {tensor(xs, {n, T}), tensor(ys)};
}

// digits [B, T] -> logits [B, 2]: embeddings plus learned positions [B, T, D], the encoder, the
// mean over positions [B, D], a linear head.
struct SeqClassifier : nn::Module {
  SeqClassifier(std::int64_t T, const nn::TransformerOptions& o, int layers) : Module("SeqClassifier") {
    embed = register_module("embed", std::make_shared<nn::Embedding>(10, o.d_model));
    pos = register_module("pos", std::make_shared<nn::LearnedPositionalEncoding>(T, o.d_model));
    encoder = register_module("encoder", std::make_shared<nn::TransformerEncoder>(o, layers));
    head = register_module("head", std::make_shared<nn::Linear>(o.d_model, 2));
  }
  Tensor forward(const Tensor& digits) const {
    return with_module_path([&] { return head->forward(mean(encoder->forward(pos->forward(embed->forward(digits))), {1})); });
  }
  std::shared_ptr<nn::Embedding> embed;
  std::shared_ptr<nn::LearnedPositionalEncoding> pos;
  std::shared_ptr<nn::TransformerEncoder> encoder;
  std::shared_ptr<nn::Linear> head;
};

int run(int argc, char** argv) {
  cli::Args args(argc, argv);
  auto flags = train::CommonFlags::declare(args, {.steps = 1000, .lr = 3e-3, .warmup = 100, .final_lr_fraction = 0.05});
  auto T = args.get_int("length", 10, "digits per sequence", 2, 512);
  nn::TransformerOptions o{.d_model = args.get_int("d-model", 32, "model width", 4, 1024), .dropout = 0};
  o.nhead = args.get_int("heads", 4, "attention heads", 1, 64);
  o.dim_feedforward = 2 * o.d_model;
  auto layers = args.get_int("layers", 2, "encoder layers", 1, 12);
  auto batch = args.get_int("batch", 64, "sequences per step, drawn afresh every step", 1, 65536);
  if (args.help()) {
    std::cout << args.usage("seq_classify", "A Transformer tells whether a sequence's first digit recurs; prints test accuracy.");
    return 0;
  }
  args.finish();
  train::RunOptions options;  // what defines the run: recorded in a checkpoint, taken from it by --resume
  options.add("length", T), options.add("d-model", o.d_model), options.add("heads", o.nhead), options.add("layers", layers);
  options.add("batch", batch), options.add("lr", flags.lr), options.add("seed", flags.seed);
  const auto saved = train::open_resume(flags, args, options, "seq_classify");
  if (o.d_model % o.nhead != 0) throw cli::UsageError("--d-model must be a multiple of --heads");
  flags.validate();
  flags.apply();  // threads; --seed seeds the weights
  Generator data_gen(static_cast<std::uint64_t>(flags.seed) + 1), test_gen(static_cast<std::uint64_t>(flags.seed) + 2);
  const Digits test = make_digits(2000, T, test_gen);
  std::printf("majority class: %.4f of the test sequences repeat their first digit\n", test.y.to(kFloat32).mean().item<double>());

  SeqClassifier model(T, o, static_cast<int>(layers));
  optim::AdamW opt(model.named_parameters(), {.lr = flags.lr, .weight_decay = 0.01});
  optim::LambdaLR schedule(opt, train::schedule_from(flags, flags.steps));
  train::TrainingState state("seq_classify");
  state.track(model), state.track(opt), state.track(schedule), state.track("data", data_gen);
  if (saved) state.restore(*saved);
  state.position.total_steps = flags.steps;  // the Loop refuses a --steps below a resumed run's step
  options.record(state.metadata);

  train::Loop loop(flags, state, opt, schedule, model.parameters(), distributed::world());
  loop.title = "seq_classify", loop.rate_name = "sequences/s", loop.options = options.table();
  const auto accuracy = [&] {
    NoGradGuard no_grad;
    return eq(argmax(model.forward(test.x), 1), test.y).to(kFloat32).mean().item<double>();
  };
  loop.evaluate = [&] { return train::Scores{{"test_accuracy", accuracy()}}; };
  const train::LoopResult result = loop.run([&] {  // fresh sequences every step: nothing to overfit
    const Digits b = make_digits(batch, T, data_gen);
    return train::data_parallel_loss(distributed::world(), batch, [&](std::int64_t begin, std::int64_t end, Reduction r) {
      const Tensor x = b.x.narrow(0, begin, end - begin), y = b.y.narrow(0, begin, end - begin);
      return std::pair{cross_entropy(model.forward(x), y, {.reduction = r}), static_cast<double>(end - begin)};
    });
  });
  if (!result.finished) return result.exit_status;
  const double test_accuracy = accuracy();
  loop.finish({{"test_accuracy", test_accuracy}});
  std::printf("test_accuracy=%.4f seconds=%.1f\n", test_accuracy, result.seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::guarded_main("seq_classify", [&] { return run(argc, argv); }); }
