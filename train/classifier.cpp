// The image-classifier examples' shared pieces: flags, batched prediction, result pictures.
#include <focus/train/classifier.h>

#include <algorithm>

#include <focus/autograd/grad_mode.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/io/atomic_file.h>
#include <focus/plot/heatmap.h>

namespace focus::train {

ImageFlags ImageFlags::declare(cli::Args& args, std::int64_t default_batch, const std::string& default_augment) {
  ImageFlags f;
  f.data = args.get_string("data", data::kFashionMnistDir,
                           "folder of train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                           "t10k-labels-idx1-ubyte (each plain or .gz)");
  f.batch = args.get_int("batch", default_batch, "images per step", 1, 65536);
  f.augment = args.get_string("augment", default_augment, "training-time augmentation: none, flip (horizontal) or crop+flip (random crops of the image padded by 2 pixels, and flips)");
  if (f.augment != "none" && f.augment != "flip" && f.augment != "crop+flip")
    throw cli::UsageError("--augment must be none, flip or crop+flip; got '" + f.augment + "'");
  f.test_images = args.get_int("test-images", 0, "score only the first N test images (0: all of them)", 0);
  return f;
}

data::ImageSet ImageFlags::test_set(data::ImageSet test) const {
  if (test_images > 0 && test_images < test.count) {
    test.count = test_images;
    test.labels.resize(static_cast<std::size_t>(test_images));
    test.pixels.resize(static_cast<std::size_t>(test_images * test.rows * test.cols));
  }
  return test;
}

data::Augment ImageFlags::augmentation() const {
  return {.pad_crop = augment == "crop+flip" ? 2 : 0, .hflip = augment != "none"};
}

void ImageFlags::record(RunOptions& options) {
  options.add("batch", batch);
  options.add("augment", augment);
}

std::vector<std::int64_t> predict_classes(const std::function<Tensor(const Tensor&)>& logits_of, const data::ImageSet& set,
                                          const data::Normalization& norm, std::int64_t batch) {
  NoGradGuard no_grad;
  std::vector<std::int64_t> predictions;
  predictions.reserve(static_cast<std::size_t>(set.count));
  for (std::int64_t begin = 0; begin < set.count; begin += batch) {
    const data::ImageBatch b = data::image_batch(set, norm, begin, std::min(set.count, begin + batch));
    for (std::int64_t p : argmax(logits_of(b.images), 1).to_vector<std::int64_t>()) predictions.push_back(p);
  }
  return predictions;
}

plot::GridImage grid_image(const data::ImageSet& set, std::int64_t i, const std::string& caption) {
  plot::GridImage im;
  im.rows = set.rows, im.cols = set.cols, im.caption = caption;
  const auto first = set.pixels.begin() + i * set.rows * set.cols;
  im.pixels.assign(first, first + set.rows * set.cols);
  return im;
}

std::vector<std::string> write_classification_plots(const std::string& dir, const metrics::ClassificationScores& scores,
                                                    const std::vector<std::string>& names, const data::ImageSet& set,
                                                    const std::vector<std::int64_t>& predictions, std::size_t max_images) {
  std::vector<std::vector<double>> counts;
  for (const auto& row : scores.confusion) counts.emplace_back(row.begin(), row.end());
  const std::string confusion = dir + "/confusion.svg";
  plot::HeatmapOptions options;
  options.decimals = 0, options.cell_size = 44;
  io::write_file_atomic(confusion,
                    plot::heatmap_svg(counts, names, names,
                                      "confusion matrix: true class down, predicted across (accuracy " +
                                          std::to_string(scores.accuracy).substr(0, 6) + ")",
                                      options),
                    "write_classification_plots");
  std::vector<plot::GridImage> wrong;
  for (std::size_t i = 0; i < predictions.size() && wrong.size() < max_images; ++i) {
    const std::int64_t truth = set.labels[i], guess = predictions[i];
    if (truth == guess) continue;
    plot::GridImage im = grid_image(set, static_cast<std::int64_t>(i),
                                    "true: " + names[static_cast<std::size_t>(truth)] + "\npred: " + names[static_cast<std::size_t>(guess)]);
    im.highlight = true;
    wrong.push_back(std::move(im));
  }
  std::vector<std::string> written{confusion};
  if (!wrong.empty()) {
    const std::string grid = dir + "/misclassified.svg";
    io::write_file_atomic(grid, plot::image_grid_svg(wrong, "misclassified test images (the first " + std::to_string(wrong.size()) + ")"),
                      "write_classification_plots");
    written.push_back(grid);
  }
  return written;
}

}  // namespace focus::train
