// Labelled image sets read from IDX files (Fashion-MNIST, MNIST), and their batches: float
// tensors [B, 1, rows, cols] normalised by the training set's mean and std, in order for
// evaluation, or shuffled and optionally augmented (random crop after zero padding, horizontal
// flip) for training, as a pure function of (seed, step) so a resumed or data-parallel run needs
// no loader state to reproduce its batches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <focus/data/idx.h>
#include <focus/tensor/tensor.h>

namespace focus::data {

// count images of rows x cols uint8 pixels, their labels in [0, num_classes).
struct ImageSet {
  std::int64_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major, image after image
  std::vector<std::int64_t> labels;  // count
};

// The image-set rules on two parsed IDX arrays: images ubyte [count, rows, cols], labels ubyte
// [count], the same count, every label below num_classes. Throws FormatError
// "read_image_set: <file>: <rule>; got ..." naming the file that breaks the rule.
[[nodiscard]] ImageSet image_set_from_idx(const IdxArray& images, const IdxArray& labels, std::int64_t num_classes,
                                          const std::string& images_name, const std::string& labels_name);
// read_idx on both files (gzipped or not), then image_set_from_idx.
[[nodiscard]] ImageSet read_image_set(const std::string& images_path, const std::string& labels_path,
                                      std::int64_t num_classes);

// Where Debian's dataset-fashion-mnist package installs the four gzipped files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnist {
  ImageSet train, test;  // 60,000 and 10,000 images of 28x28, 10 classes
  std::string dir;       // where they were read from
};
// Reads dir/train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each plain or gzipped with ".gz" appended (the plain file wins when
// both are there). A missing file throws FormatError "read_fashion_mnist: ..." that says how to
// install the package.
[[nodiscard]] FashionMnist read_fashion_mnist(const std::string& dir = kFashionMnistDir);
// The ten class names in label order: "T-shirt/top", "Trouser", ... "Ankle boot".
[[nodiscard]] const std::vector<std::string>& fashion_mnist_classes();

// Mean and standard deviation (population) of pixel / 255 over a whole set.
struct Normalization {
  double mean = 0, std = 1;
};
[[nodiscard]] Normalization normalization_of(const ImageSet& set);

// Training-time augmentation, per image: zero-pad by pad_crop pixels on every side and crop a
// rows x cols window at a random offset; mirror left-right with probability 0.5 when hflip.
// The padding is raw pixel 0 (the images' black background), normalised like any other pixel.
struct Augment {
  std::int64_t pad_crop = 0;
  bool hflip = false;
};

struct ImageBatch {
  Tensor images;  // float32 [B, 1, rows, cols]: (pixel / 255 - mean) / std
  Tensor labels;  // int64 [B]
};

// Images [begin, end) in order, no augmentation (evaluation).
[[nodiscard]] ImageBatch image_batch(const ImageSet& set, const Normalization& norm, std::int64_t begin,
                                     std::int64_t end);

// Training batches as a function of (seed, step). Epoch e = step / steps_per_epoch() shuffles the
// set with a Generator seeded from (seed, e); batch k of the epoch takes that permutation's
// entries [k * batch, (k + 1) * batch), so the last partial batch of an epoch is dropped.
// Augmentation draws from a Generator seeded from (seed, step). The same seed and step give the
// same batch, whatever was asked before. batch() keeps the current epoch's permutation, so one
// loader is not for concurrent use; copies are independent. The set must outlive the loader.
class ImageLoader {
 public:
  ImageLoader(const ImageSet& set, Normalization norm, std::int64_t batch, std::uint64_t seed, Augment augment = {});
  [[nodiscard]] ImageBatch batch(std::int64_t step) const;
  // The set's indices that batch(step) holds, in batch order.
  [[nodiscard]] std::vector<std::int64_t> indices(std::int64_t step) const;
  [[nodiscard]] std::int64_t steps_per_epoch() const { return steps_per_epoch_; }

 private:
  const ImageSet* set_;
  Normalization norm_;
  std::int64_t batch_, steps_per_epoch_;
  std::uint64_t seed_;
  Augment augment_;
  mutable std::int64_t epoch_ = -1;  // whose permutation perm_ holds
  mutable std::vector<std::int64_t> perm_;
};

}  // namespace focus::data
