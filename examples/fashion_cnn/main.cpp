// fashion_cnn: a small convolutional network learns Fashion-MNIST (Zalando's 28x28 clothing
// photos, 60,000 to train on and 10,000 to test, ten classes), the first real data set focus
// trains on. The recipe: two blocks of [conv 3x3, batch norm, ReLU] (one in the first block, two
// in the second), each closed by a 2x2 max pool (28 -> 14 -> 7), then a hidden layer of 128,
// dropout and a linear head;
// cross-entropy; AdamW with warm-up and cosine decay; mirrored images while training (--augment).
// The test set is scored at the end: accuracy, per-class precision, recall and F1, the confusion
// matrix, and with --plots pictures of it and of the misclassified images. The kit (train/) gives
// the loop, checkpoints and the report. --export-torch FILE writes the trained model for PyTorch.
#include "network.h"

#include <focus/cli/guarded_main.h>
#include <focus/data/images.h>
#include <focus/io/torch_interop.h>
#include <focus/train/classifier.h>
#include <focus/train/loop.h>
#include <focus/train/schedule.h>

#include <cstdio>
#include <iostream>

using namespace focus;
using fashion_cnn::FashionCNN;

namespace {

int run(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  cli::Args args(argc, argv);
  train::CommonFlags flags = train::CommonFlags::declare(
      args, {.steps = 0, .min_steps = 0, .epochs = 6, .lr = 3e-3, .warmup = 200, .final_lr_fraction = 0.01, .seed = 1,
             .steps_help = "training steps (0: --epochs passes over the 60,000 training images)"});
  train::ImageFlags image = train::ImageFlags::declare(args, 128, "flip");
  std::int64_t width = args.get_int("width", 32, "channels of the first block (the second has twice as many)", 1, 1024);
  std::int64_t hidden = args.get_int("hidden", 128, "width of the hidden layer before the head (0: none)", 0, 65536);
  double dropout = args.get_double("dropout", 0.25, "dropout before the linear head");
  double weight_decay = args.get_double("weight-decay", 0.05, "AdamW's decoupled weight decay");
  const std::string export_torch =
      args.get_string("export-torch", "", "after training, write the model in PyTorch's names (network.h) to this file");
  if (args.help()) {
    std::cout << args.usage("fashion_cnn", "A convolutional network learns Fashion-MNIST; prints test accuracy and per-class scores.");
    return 0;
  }
  args.finish();
  train::RunOptions options;  // what defines the run: recorded in a checkpoint, taken from it by --resume
  options.add("width", width), options.add("hidden", hidden), options.add("dropout", dropout), options.add("weight-decay", weight_decay);
  options.add("lr", flags.lr), options.add("warmup", flags.warmup), options.add("seed", flags.seed), options.add("epochs", flags.epochs);
  image.record(options);
  const auto saved = train::open_resume(flags, args, options, "fashion_cnn");
  if (!(dropout >= 0 && dropout < 1) || !(weight_decay >= 0))
    throw cli::UsageError("--dropout must be in [0, 1) and --weight-decay >= 0");
  flags.validate();
  flags.apply();  // threads; --seed seeds the weights

  data::FashionMnist data = data::read_fashion_mnist(image.data);
  data.test = image.test_set(std::move(data.test));
  const data::Normalization norm = data::normalization_of(data.train);
  const data::ImageLoader loader(data.train, norm, image.batch, static_cast<std::uint64_t>(flags.seed), image.augmentation());
  const std::int64_t total = flags.steps > 0 ? flags.steps : flags.epochs * loader.steps_per_epoch();
  if (total < 1) throw cli::UsageError("--steps or --epochs must give at least one step");

  FashionCNN model(width, hidden, dropout);
  optim::AdamW opt(model.named_parameters(), {.lr = flags.lr, .weight_decay = weight_decay});
  optim::LambdaLR schedule(opt, train::schedule_from(flags, total));
  train::TrainingState state("fashion_cnn");
  state.track(model), state.track(opt), state.track(schedule), state.track("dropout", default_generator());
  if (saved) state.restore(*saved);
  state.position.total_steps = total;  // the Loop refuses a total below a resumed run's step
  options.record(state.metadata);
  std::printf("%s: %lld train and %lld test images of %lldx%lld (mean %.4f, std %.4f); %lld parameters; %lld steps\n",
              data.dir.c_str(), static_cast<long long>(data.train.count), static_cast<long long>(data.test.count),
              static_cast<long long>(data.train.rows), static_cast<long long>(data.train.cols), norm.mean, norm.std,
              static_cast<long long>(model.num_parameters()), static_cast<long long>(total));

  train::Loop loop(flags, state, opt, schedule, model.parameters(), distributed::world());
  loop.title = "fashion_cnn", loop.rate_name = "images/s", loop.options = options.table();
  const auto logits_of = [&](const Tensor& images) { return model.forward(images); };
  const auto test_accuracy = [&] {  // eval mode: no dropout draws, batch norm's running statistics
    model.eval();
    const auto predictions = train::predict_classes(logits_of, data.test, norm);
    model.train();
    return metrics::classify_scores(predictions, data.test.labels, 10).accuracy;
  };
  loop.evaluate = [&] { return train::Scores{{"test_accuracy", test_accuracy()}}; };
  const train::LoopResult result = loop.run([&] {
    const data::ImageBatch b = loader.batch(state.position.step);
    return train::data_parallel_loss(distributed::world(), image.batch, [&](std::int64_t begin, std::int64_t end, Reduction r) {
      const Tensor x = b.images.narrow(0, begin, end - begin), y = b.labels.narrow(0, begin, end - begin);
      return std::pair{cross_entropy(model.forward(x), y, {.reduction = r}), static_cast<double>(end - begin)};
    });
  });
  if (!result.finished) return result.exit_status;

  model.eval();
  const std::vector<std::int64_t> predictions = train::predict_classes(logits_of, data.test, norm);
  const metrics::ClassificationScores scores = metrics::classify_scores(predictions, data.test.labels, 10);
  loop.finish({{"test_accuracy", scores.accuracy}, {"macro_f1", scores.macro_f1}});
  std::cout << metrics::classification_table(scores, data::fashion_mnist_classes());
  if (!flags.plots.empty())
    for (const std::string& path : train::write_classification_plots(flags.plots, scores, data::fashion_mnist_classes(), data.test, predictions))
      std::cerr << "wrote " << path << "\n";
  if (!export_torch.empty()) io::save_torch(export_torch, model, {}, fashion_cnn::torch_metadata(model, norm));
  std::printf("test_accuracy=%.4f seconds=%.1f\n", scores.accuracy, result.seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::guarded_main("fashion_cnn", [&] { return run(argc, argv); }); }
