// Image sets from IDX arrays, Fashion-MNIST's four files, normalisation and the batches. Pixels
// become floats through a 256-entry table (pixel -> (pixel / 255 - mean) / std), so a batch is one
// table look-up per pixel; augmentation only changes which source pixel each output reads.
#include <focus/data/images.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include <focus/tensor/error.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/random.h>

namespace focus::data {

namespace {

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

[[noreturn]] void fail(const std::string& name, const std::string& rule) {
  throw FormatError("read_image_set: " + name + ": " + rule);
}

// SplitMix64's finaliser: nearby seeds (epoch 3 and 4, step 7 and 8) give unrelated generators.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// One seed per (run seed, purpose, index): the shuffles and the augmentations never share a stream.
enum class Stream : std::uint64_t { kShuffle = 1, kAugment = 2 };
std::uint64_t seed_for(std::uint64_t seed, Stream stream, std::int64_t index) {
  return mix(mix(mix(seed) ^ static_cast<std::uint64_t>(stream)) ^ static_cast<std::uint64_t>(index));
}

std::array<float, 256> pixel_table(const Normalization& norm) {
  std::array<float, 256> table{};
  for (int p = 0; p < 256; ++p) table[p] = static_cast<float>((p / 255.0 - norm.mean) / norm.std);
  return table;
}

void check_norm(const char* op, const Normalization& norm) {
  if (!(norm.std > 0) || !std::isfinite(norm.std) || !std::isfinite(norm.mean))
    throw ValueError(std::string(op) + ": the normalization needs a finite mean and a std above 0; got mean=" +
                     std::to_string(norm.mean) + ", std=" + std::to_string(norm.std));
}

// Image i of the set, cropped at (dy, dx) of its pad-padded version and mirrored if flip, into out.
void write_image(const ImageSet& set, std::int64_t i, const std::array<float, 256>& table, std::int64_t pad,
                 std::int64_t dy, std::int64_t dx, bool flip, float* out) {
  const std::int64_t R = set.rows, C = set.cols;
  const std::uint8_t* src = set.pixels.data() + i * R * C;
  for (std::int64_t r = 0; r < R; ++r) {
    const std::int64_t sr = r + dy - pad;
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int64_t sc = (flip ? C - 1 - c : c) + dx - pad;
      const bool inside = sr >= 0 && sr < R && sc >= 0 && sc < C;
      out[r * C + c] = table[inside ? src[sr * C + sc] : 0];
    }
  }
}

}  // namespace

ImageSet image_set_from_idx(const IdxArray& images, const IdxArray& labels, std::int64_t num_classes,
                            const std::string& images_name, const std::string& labels_name) {
  if (num_classes < 1 || num_classes > 256)
    throw ValueError("read_image_set: num_classes must be from 1 to 256 (labels are bytes); got " +
                     std::to_string(num_classes));
  if (images.type_code != kIdxUByte)
    fail(images_name, std::string("images must be ubyte (type 0x08); got ") + idx_type_name(images.type_code));
  if (images.dims.size() != 3)
    fail(images_name, "images must be rank 3 [count, rows, cols]; got dims=" + dims_text(images.dims));
  if (labels.type_code != kIdxUByte)
    fail(labels_name, std::string("labels must be ubyte (type 0x08); got ") + idx_type_name(labels.type_code));
  if (labels.dims.size() != 1) fail(labels_name, "labels must be rank 1 [count]; got dims=" + dims_text(labels.dims));
  if (images.dims[0] != labels.dims[0])
    fail(labels_name, "the label count must equal the image count; got " + std::to_string(labels.dims[0]) +
                          " labels for " + std::to_string(images.dims[0]) + " images in " + images_name);
  ImageSet set;
  set.count = images.dims[0];
  set.rows = images.dims[1];
  set.cols = images.dims[2];
  // parse_idx checked the payload sizes; a hand-made IdxArray may not have.
  if (images.data.size() != static_cast<std::size_t>(set.count * set.rows * set.cols) ||
      labels.data.size() != static_cast<std::size_t>(set.count))
    fail(images_name, "the payloads do not match the dims; got " + std::to_string(images.data.size()) +
                          " image bytes and " + std::to_string(labels.data.size()) + " label bytes");
  set.labels.resize(set.count);
  for (std::int64_t i = 0; i < set.count; ++i) {
    const auto label = static_cast<std::uint8_t>(labels.data[i]);
    if (label >= num_classes)
      fail(labels_name, "label " + std::to_string(label) + " at index " + std::to_string(i) + " is not below " +
                            std::to_string(num_classes) + " classes");
    set.labels[i] = label;
  }
  set.pixels.assign(images.data.begin(), images.data.end());
  return set;
}

ImageSet read_image_set(const std::string& images_path, const std::string& labels_path, std::int64_t num_classes) {
  return image_set_from_idx(read_idx(images_path), read_idx(labels_path), num_classes, images_path, labels_path);
}

FashionMnist read_fashion_mnist(const std::string& dir) {
  namespace fs = std::filesystem;
  const auto find = [&](const std::string& stem) {
    for (const std::string& name : {stem, stem + ".gz"}) {
      std::error_code ec;
      if (fs::is_regular_file(fs::path(dir) / name, ec)) return (fs::path(dir) / name).string();
    }
    throw FormatError("read_fashion_mnist: " + dir + ": has neither " + stem + " nor " + stem +
                      ".gz; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist, into " +
                      kFashionMnistDir + ") or point at a folder holding the four files");
  };
  const std::int64_t classes = static_cast<std::int64_t>(fashion_mnist_classes().size());
  FashionMnist out;
  out.dir = dir;
  out.train = read_image_set(find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte"), classes);
  out.test = read_image_set(find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte"), classes);
  if (out.train.rows != out.test.rows || out.train.cols != out.test.cols)
    throw FormatError("read_fashion_mnist: " + dir + ": train and test images must be the same size; got " +
                      std::to_string(out.train.rows) + "x" + std::to_string(out.train.cols) + " and " +
                      std::to_string(out.test.rows) + "x" + std::to_string(out.test.cols));
  return out;
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

Normalization normalization_of(const ImageSet& set) {
  if (set.pixels.empty()) throw ValueError("normalization_of: the set has no pixels; got count=0");
  // A histogram makes the sums exact integers: no float drift over 47 million pixels.
  std::array<std::uint64_t, 256> histogram{};
  for (std::uint8_t p : set.pixels) ++histogram[p];
  double sum = 0, sum_sq = 0;
  for (int p = 0; p < 256; ++p) {
    sum += static_cast<double>(histogram[p]) * p;
    sum_sq += static_cast<double>(histogram[p]) * p * p;
  }
  const double n = static_cast<double>(set.pixels.size());
  const double mean = sum / n, var = std::max(0.0, sum_sq / n - mean * mean);
  return {mean / 255.0, std::sqrt(var) / 255.0};
}

ImageBatch image_batch(const ImageSet& set, const Normalization& norm, std::int64_t begin, std::int64_t end) {
  if (begin < 0 || end > set.count || begin >= end)
    throw ValueError("image_batch: the range must satisfy 0 <= begin < end <= count; got begin=" +
                     std::to_string(begin) + ", end=" + std::to_string(end) + ", count=" + std::to_string(set.count));
  check_norm("image_batch", norm);
  const auto table = pixel_table(norm);
  const std::int64_t B = end - begin, R = set.rows, C = set.cols;
  ImageBatch out{empty({B, 1, R, C}, kFloat32), Tensor()};
  float* images = out.images.data_ptr<float>();
  for (std::int64_t b = 0; b < B; ++b) write_image(set, begin + b, table, 0, 0, 0, false, images + b * R * C);
  out.labels = tensor(std::vector<std::int64_t>(set.labels.begin() + begin, set.labels.begin() + end), {B});
  return out;
}

ImageLoader::ImageLoader(const ImageSet& set, Normalization norm, std::int64_t batch, std::uint64_t seed,
                         Augment augment)
    : set_(&set), norm_(norm), batch_(batch), steps_per_epoch_(0), seed_(seed), augment_(augment) {
  if (batch < 1 || batch > set.count)
    throw ValueError("ImageLoader: the batch size must be from 1 to the set's count; got batch=" +
                     std::to_string(batch) + ", count=" + std::to_string(set.count));
  if (augment.pad_crop < 0 || augment.pad_crop > std::min(set.rows, set.cols))
    throw ValueError("ImageLoader: pad_crop must be from 0 to the image size; got pad_crop=" +
                     std::to_string(augment.pad_crop) + " for " + std::to_string(set.rows) + "x" +
                     std::to_string(set.cols) + " images");
  check_norm("ImageLoader", norm);
  steps_per_epoch_ = set.count / batch;
}

std::vector<std::int64_t> ImageLoader::indices(std::int64_t step) const {
  if (step < 0) throw ValueError("ImageLoader: the step must be at least 0; got " + std::to_string(step));
  const std::int64_t epoch = step / steps_per_epoch_, k = step % steps_per_epoch_;
  if (epoch != epoch_) {
    Generator gen(seed_for(seed_, Stream::kShuffle, epoch));
    const Tensor perm = randperm(set_->count, &gen);
    const std::int64_t* p = perm.data_ptr<std::int64_t>();
    perm_.assign(p, p + set_->count);
    epoch_ = epoch;
  }
  return {perm_.begin() + k * batch_, perm_.begin() + (k + 1) * batch_};
}

ImageBatch ImageLoader::batch(std::int64_t step) const {
  const std::vector<std::int64_t> picked = indices(step);
  const auto table = pixel_table(norm_);
  const std::int64_t B = batch_, R = set_->rows, C = set_->cols, pad = augment_.pad_crop;
  Generator gen(seed_for(seed_, Stream::kAugment, step));
  ImageBatch out{empty({B, 1, R, C}, kFloat32), Tensor()};
  float* images = out.images.data_ptr<float>();
  std::vector<std::int64_t> labels(B);
  for (std::int64_t b = 0; b < B; ++b) {
    // Draw order per image: row offset, column offset (with padding), then the flip.
    const std::int64_t dy = pad > 0 ? static_cast<std::int64_t>(gen.below(2 * pad + 1)) : 0;
    const std::int64_t dx = pad > 0 ? static_cast<std::int64_t>(gen.below(2 * pad + 1)) : 0;
    const bool flip = augment_.hflip && gen.below(2) == 1;
    write_image(*set_, picked[b], table, pad, dy, dx, flip, images + b * R * C);
    labels[b] = set_->labels[picked[b]];
  }
  out.labels = tensor(labels, {B});
  return out;
}

}  // namespace focus::data
