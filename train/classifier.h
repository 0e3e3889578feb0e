// What the image-classifier examples (fashion_cnn, fashion_vit) share beyond the training loop:
// their data flags (--data, --batch, --augment), predicting a whole image set in batches, and the
// pictures of the result (--plots): the confusion matrix and a grid of misclassified test images
// with their true and predicted labels. The scores themselves are metrics/classification.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <focus/cli/args.h>
#include <focus/data/images.h>
#include <focus/metrics/classification.h>
#include <focus/plot/image_grid.h>
#include <focus/train/state.h>

namespace focus::train {

struct ImageFlags {
  std::string data = data::kFashionMnistDir;  // the folder of the four IDX files
  std::int64_t batch = 128;
  std::string augment = "flip";  // while training: "none", "flip" (mirror half the images) or "crop+flip"
  std::int64_t test_images = 0;  // score only the first N test images (0: all), for quick checks

  // Declares --data, --batch and --augment with the program's defaults; UsageError for an unknown
  // --augment.
  static ImageFlags declare(cli::Args& args, std::int64_t default_batch, const std::string& default_augment);
  // --batch and --augment define the run: recorded in checkpoints, taken back by --resume.
  void record(RunOptions& options);
  // "crop+flip" crops 28x28 out of the image padded by 2 pixels, at a random offset.
  data::Augment augmentation() const;
  // The test set cut to --test-images (all of it when 0 or larger than the set).
  data::ImageSet test_set(data::ImageSet test) const;
};

// The predicted class (arg-max of logits_of's [B, classes]) of every image of set, in order, in
// batches of `batch`, without a graph. The caller puts its model in eval mode.
[[nodiscard]] std::vector<std::int64_t> predict_classes(const std::function<Tensor(const Tensor&)>& logits_of,
                                                        const data::ImageSet& set, const data::Normalization& norm,
                                                        std::int64_t batch = 500);

// Image i of set as a grid image (pixels, size) captioned caption.
[[nodiscard]] plot::GridImage grid_image(const data::ImageSet& set, std::int64_t i, const std::string& caption = "");

// dir/confusion.svg (true classes down, predictions across, counts in the cells) and
// dir/misclassified.svg (the first max_images test images predicted wrongly, captioned "true: X"
// and "pred: Y"). Returns the paths written. dir must exist.
std::vector<std::string> write_classification_plots(const std::string& dir, const metrics::ClassificationScores& scores,
                                                    const std::vector<std::string>& names, const data::ImageSet& set,
                                                    const std::vector<std::int64_t>& predictions, std::size_t max_images = 32);

}  // namespace focus::train
