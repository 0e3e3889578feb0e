// fashion_vit: a Vision Transformer learns Fashion-MNIST. The image is cut into 4x4 patches
// (49 tokens), each projected to d_model from the 8x8 pixels around it (--patch-overlap 2: a
// strided conv), a learned class token is put in front, learned (or 2-D sinusoidal) positions are
// added, and the encoder made of focus's TransformerBlock (pre-norm, GELU) reads them; a linear
// head classifies the class token's output (nn/vision_transformer.h). Cross-entropy, AdamW with
// warm-up and cosine decay, mirrored images (--augment).
// The test set is scored at the end as fashion_cnn's is; --plots adds where the class token looked
// (attention roll-out over every layer) drawn over a few test images. --export-torch FILE writes
// the trained model for PyTorch (io::save_vit_torch; tests/reference/vit_ref.py reads it).
#include <focus/cli/guarded_main.h>
#include <focus/data/images.h>
#include <focus/focus.h>
#include <focus/io/atomic_file.h>
#include <focus/io/torch_interop.h>
#include <focus/nn/vision_transformer.h>
#include <focus/train/block_flags.h>
#include <focus/train/classifier.h>
#include <focus/train/loop.h>
#include <focus/train/schedule.h>

#include <cstdio>
#include <iostream>

using namespace focus;

namespace {

// dir/attention.svg: the first `count` test images, each overlaid with the class token's roll-out
// over its patches (scaled so the most-attended patch is fully red), captioned with the prediction.
void write_attention_plot(nn::VisionTransformer& model, const data::ImageSet& test, const data::Normalization& norm,
                          const std::vector<std::int64_t>& predictions, const std::string& dir, std::int64_t count) {
  count = std::min(count, test.count);
  const Tensor rollout = model.attention_rollout(data::image_batch(test, norm, 0, count).images).contiguous();  // [count, N]
  const std::int64_t grid = model.config().image_size / model.config().patch_size;
  const auto& names = data::fashion_mnist_classes();
  std::vector<plot::GridImage> images;
  for (std::int64_t i = 0; i < count; ++i) {
    std::vector<double> heat = rollout.select(0, i).to_vector<double>();
    const double top = *std::max_element(heat.begin(), heat.end());
    for (double& h : heat) h /= top;
    const auto label = static_cast<std::size_t>(test.labels[i]), guess = static_cast<std::size_t>(predictions[i]);
    plot::GridImage im = train::grid_image(test, i, "true: " + names[label] + "\npred: " + names[guess]);
    im.highlight = label != guess;
    im.overlay_rows = grid, im.overlay_cols = grid, im.overlay = std::move(heat);
    images.push_back(std::move(im));
  }
  const std::string path = dir + "/attention.svg";
  io::write_file_atomic(path, plot::image_grid_svg(images, "where the class token looks: attention roll-out over all layers", {.columns = 8, .scale = 4}),
                        "fashion_vit");
  std::cerr << "wrote " << path << "\n";
}

int run(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  cli::Args args(argc, argv);
  train::CommonFlags flags = train::CommonFlags::declare(
      args, {.steps = 0, .min_steps = 0, .epochs = 14, .lr = 2e-3, .warmup = 600, .final_lr_fraction = 0.01, .seed = 1,
             .steps_help = "training steps (0: --epochs passes over the 60,000 training images)"});
  train::ImageFlags image = train::ImageFlags::declare(args, 64, "flip");
  nn::VisionTransformerConfig vc;
  vc.patch_size = args.get_int("patch", 4, "patch size in pixels (28 must be a multiple: 2, 4, 7, 14)", 1, 28);
  vc.patch_overlap = args.get_int("patch-overlap", 2, "pixels each patch sees beyond each side (0: patches side by side; more: a strided conv)", 0, 28);
  vc.block.d_model = args.get_int("d-model", 64, "model width", 4, 4096);
  vc.block.nhead = args.get_int("heads", 4, "attention heads", 1, 64);
  vc.num_layers = static_cast<int>(args.get_int("layers", 4, "Transformer blocks", 1, 48));
  vc.block.dim_feedforward = args.get_int("ff", 128, "feed-forward width", 1, 65536);
  vc.block.dropout = args.get_double("dropout", 0.0, "dropout (0 keeps attention on the fused kernel)");
  train::BlockFlags block = train::BlockFlags::declare(args, train::BlockFlags::of(vc.block));
  double smoothing = args.get_double("label-smoothing", 0.0, "label smoothing of the cross-entropy");
  double weight_decay = args.get_double("weight-decay", 0.05, "AdamW's decoupled weight decay");
  const std::int64_t shown = args.get_int("plot-images", 16, "test images --plots draws the attention over", 1, 256);
  const std::string export_torch =
      args.get_string("export-torch", "", "after training, write the model in PyTorch's names (vit_ref.py) to this file");
  if (args.help()) {
    std::cout << args.usage("fashion_vit", "A Vision Transformer learns Fashion-MNIST; prints test accuracy and per-class scores.");
    return 0;
  }
  args.finish();
  train::RunOptions options;
  options.add("patch", vc.patch_size), options.add("patch-overlap", vc.patch_overlap, "0");
  options.add("d-model", vc.block.d_model), options.add("heads", vc.block.nhead);
  std::int64_t layers = vc.num_layers;
  options.add("layers", layers), options.add("ff", vc.block.dim_feedforward), options.add("dropout", vc.block.dropout);
  options.add("label-smoothing", smoothing), options.add("weight-decay", weight_decay);
  options.add("lr", flags.lr), options.add("warmup", flags.warmup), options.add("seed", flags.seed), options.add("epochs", flags.epochs);
  image.record(options);
  block.record(options, train::BlockFlags::of(vc.block));
  const auto saved = train::open_resume(flags, args, options, "fashion_vit");
  vc.num_layers = static_cast<int>(layers);
  if (!(vc.block.dropout >= 0 && vc.block.dropout < 1) || !(smoothing >= 0 && smoothing <= 1) || !(weight_decay >= 0))
    throw cli::UsageError("--dropout must be in [0, 1), --label-smoothing in [0, 1] and --weight-decay >= 0");
  if (28 % vc.patch_size != 0) throw cli::UsageError("--patch must divide 28; got " + std::to_string(vc.patch_size));
  if (vc.block.d_model % vc.block.nhead != 0) throw cli::UsageError("--d-model must be a multiple of --heads");
  block.apply(vc.block);
  flags.validate();
  flags.apply();

  data::FashionMnist data = data::read_fashion_mnist(image.data);
  data.test = image.test_set(std::move(data.test));
  const data::Normalization norm = data::normalization_of(data.train);
  const data::ImageLoader loader(data.train, norm, image.batch, static_cast<std::uint64_t>(flags.seed), image.augmentation());
  const std::int64_t total = flags.steps > 0 ? flags.steps : flags.epochs * loader.steps_per_epoch();
  if (total < 1) throw cli::UsageError("--steps or --epochs must give at least one step");

  const std::unique_ptr<nn::VisionTransformer> made = train::make_model<nn::VisionTransformer>(vc);  // a refused option: usage, exit 2
  nn::VisionTransformer& model = *made;
  optim::AdamW opt(model.named_parameters(), {.lr = flags.lr, .weight_decay = weight_decay});
  optim::LambdaLR schedule(opt, train::schedule_from(flags, total));
  train::TrainingState state("fashion_vit");
  state.track(model), state.track(opt), state.track(schedule), state.track("dropout", default_generator());
  if (saved) state.restore(*saved);
  state.position.total_steps = total;
  options.record(state.metadata);
  std::printf("%s: %lld train and %lld test images; %lld patches of %lldx%lld; %lld parameters; %lld steps\n", data.dir.c_str(),
              static_cast<long long>(data.train.count), static_cast<long long>(data.test.count),
              static_cast<long long>(model.patch_embed->num_patches()), static_cast<long long>(vc.patch_size),
              static_cast<long long>(vc.patch_size), static_cast<long long>(model.num_parameters()), static_cast<long long>(total));

  train::Loop loop(flags, state, opt, schedule, model.parameters(), distributed::world());
  loop.title = "fashion_vit", loop.rate_name = "images/s", loop.options = options.table();
  const auto logits_of = [&](const Tensor& images) { return model.forward(images); };
  loop.evaluate = [&] {
    model.eval();
    const auto predictions = train::predict_classes(logits_of, data.test, norm);
    model.train();
    return train::Scores{{"test_accuracy", metrics::classify_scores(predictions, data.test.labels, 10).accuracy}};
  };
  const CrossEntropyOptions ce{.label_smoothing = smoothing};
  const train::LoopResult result = loop.run([&] {
    const data::ImageBatch b = loader.batch(state.position.step);
    return train::data_parallel_loss(distributed::world(), image.batch, [&](std::int64_t begin, std::int64_t end, Reduction r) {
      const Tensor x = b.images.narrow(0, begin, end - begin), y = b.labels.narrow(0, begin, end - begin);
      CrossEntropyOptions c = ce;
      c.reduction = r;
      return std::pair{cross_entropy(model.forward(x), y, c), static_cast<double>(end - begin)};
    });
  });
  if (!result.finished) return result.exit_status;

  model.eval();
  const std::vector<std::int64_t> predictions = train::predict_classes(logits_of, data.test, norm);
  const metrics::ClassificationScores scores = metrics::classify_scores(predictions, data.test.labels, 10);
  loop.finish({{"test_accuracy", scores.accuracy}, {"macro_f1", scores.macro_f1}});
  std::cout << metrics::classification_table(scores, data::fashion_mnist_classes());
  if (!flags.plots.empty()) {
    for (const std::string& path : train::write_classification_plots(flags.plots, scores, data::fashion_mnist_classes(), data.test, predictions))
      std::cerr << "wrote " << path << "\n";
    write_attention_plot(model, data.test, norm, predictions, flags.plots, shown);
  }
  if (!export_torch.empty())
    io::save_vit_torch(export_torch, model,
                       {{"image.mean", train::number_text(norm.mean)}, {"image.std", train::number_text(norm.std)}});
  std::printf("test_accuracy=%.4f seconds=%.1f\n", scores.accuracy, result.seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::guarded_main("fashion_vit", [&] { return run(argc, argv); }); }
