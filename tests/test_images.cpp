// Image sets and their batches: the image-set rules' errors, read_fashion_mnist on a folder of
// plain files (what --data DIR reads) and on Debian's dataset-fashion-mnist (counts, histograms,
// pixels, mean and std from tests/reference/fashion_mnist_stats.py), normalisation, and the loader:
// batches a pure function of (seed, step), epochs covering each image once, crops and flips that
// move pixels and nothing else.
#include <doctest/doctest.h>

#include "error_text.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <focus/data/idx.h>
#include <focus/data/images.h>
#include <focus/tensor/error.h>

using namespace focus;
using namespace focus::data;

namespace {

namespace fs = std::filesystem;

IdxArray ubytes(std::vector<std::int64_t> dims, std::vector<std::uint8_t> values) {
  return {kIdxUByte, std::move(dims), std::string(values.begin(), values.end())};
}

void write_idx(const fs::path& path, const IdxArray& a) {
  std::string bytes = {'\0', '\0', static_cast<char>(a.type_code), static_cast<char>(a.dims.size())};
  for (std::int64_t d : a.dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((d >> shift) & 0xFF);
  std::ofstream(path, std::ios::binary) << bytes << a.data;
}

// count images of rows x cols whose pixels say where they are: image i, row r, col c holds
// 1 + 20 i + cols r + c (never 0, so padding is told apart); label i % 10.
ImageSet numbered_set(std::int64_t count, std::int64_t rows, std::int64_t cols) {
  ImageSet set{count, rows, cols, {}, {}};
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t p = 0; p < rows * cols; ++p) set.pixels.push_back(static_cast<std::uint8_t>(1 + 20 * i + p));
    set.labels.push_back(i % 10);
  }
  return set;
}

std::vector<float> values(const Tensor& t) {
  const float* p = t.data_ptr<float>();
  return {p, p + t.numel()};
}
std::vector<std::int64_t> int_values(const Tensor& t) {
  const std::int64_t* p = t.data_ptr<std::int64_t>();
  return {p, p + t.numel()};
}

// The real set, read once per test binary (gunzipping 30 MB takes a moment).
const FashionMnist& fashion_mnist() {
  static const FashionMnist set = [] {
    if (!fs::is_directory(kFashionMnistDir))
      FAIL("Fashion-MNIST is not in " << kFashionMnistDir
                                      << ": install Debian's dataset-fashion-mnist (apt-get install "
                                         "dataset-fashion-mnist; scripts/test.sh installs it when run as root)");
    return read_fashion_mnist();
  }();
  return set;
}

}  // namespace

TEST_CASE("images: the image-set rules name the file and the rule") {
  const IdxArray images = ubytes({2, 1, 2}, {1, 2, 3, 4}), labels = ubytes({2}, {0, 9});
  CHECK(image_set_from_idx(images, labels, 10, "i", "l").labels == std::vector<std::int64_t>{0, 9});
  CHECK(error_of<FormatError>([&] { (void)image_set_from_idx(images, ubytes({4}, {0, 1, 12, 3}), 10, "i", "l"); }) ==
        "read_image_set: l: the label count must equal the image count; got 4 labels for 2 images in i");
  CHECK(error_of<FormatError>([&] { (void)image_set_from_idx(images, ubytes({2}, {3, 12}), 10, "i", "t10k-labels-idx1-ubyte.gz"); }) ==
        "read_image_set: t10k-labels-idx1-ubyte.gz: label 12 at index 1 is not below 10 classes");
  CHECK(error_of<FormatError>([&] { (void)image_set_from_idx(ubytes({4}, {1, 2, 3, 4}), labels, 10, "i", "l"); }) ==
        "read_image_set: i: images must be rank 3 [count, rows, cols]; got dims=[4]");
  CHECK(error_of<FormatError>([&] { (void)image_set_from_idx(images, ubytes({2, 1}, {0, 1}), 10, "i", "l"); }) ==
        "read_image_set: l: labels must be rank 1 [count]; got dims=[2, 1]");
  IdxArray floats = images;
  floats.type_code = kIdxFloat32;
  CHECK(error_of<FormatError>([&] { (void)image_set_from_idx(floats, labels, 10, "i", "l"); }) ==
        "read_image_set: i: images must be ubyte (type 0x08); got float32");
  CHECK(error_of<ValueError>([&] { (void)image_set_from_idx(images, labels, 0, "i", "l"); }) ==
        "read_image_set: num_classes must be from 1 to 256 (labels are bytes); got 0");
}

TEST_CASE("images: read_fashion_mnist reads a folder of four plain files (--data DIR)") {
  const fs::path dir = fs::temp_directory_path() / "focus_images_tiny_set";
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_idx(dir / "train-images-idx3-ubyte", ubytes({3, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}));
  write_idx(dir / "train-labels-idx1-ubyte", ubytes({3}, {9, 0, 5}));
  write_idx(dir / "t10k-images-idx3-ubyte", ubytes({1, 2, 2}, {7, 7, 7, 7}));
  CHECK(error_of<FormatError>([&] { (void)read_fashion_mnist(dir.string()); }) ==
        "read_fashion_mnist: " + dir.string() +
            ": has neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz; install Debian's "
            "dataset-fashion-mnist (apt-get install dataset-fashion-mnist, into /usr/share/datasets/fashion-mnist) "
            "or point at a folder holding the four files");
  write_idx(dir / "t10k-labels-idx1-ubyte", ubytes({1}, {3}));
  const FashionMnist set = read_fashion_mnist(dir.string());
  CHECK(set.dir == dir.string());
  CHECK(set.train.count == 3);
  CHECK(set.train.rows == 2);
  CHECK(set.train.cols == 2);
  CHECK(set.train.labels == std::vector<std::int64_t>{9, 0, 5});
  CHECK(set.train.pixels.back() == 255);
  CHECK(set.test.count == 1);
  CHECK(set.test.labels == std::vector<std::int64_t>{3});
  CHECK(fashion_mnist_classes()[set.train.labels[0]] == "Ankle boot");
  fs::remove_all(dir);
}

TEST_CASE("images: Fashion-MNIST from Debian's dataset-fashion-mnist") {
  const FashionMnist& fm = fashion_mnist();
  REQUIRE(fm.train.count == 60000);
  REQUIRE(fm.test.count == 10000);
  for (const ImageSet* s : {&fm.train, &fm.test}) {
    CHECK(s->rows == 28);
    CHECK(s->cols == 28);
    CHECK(s->pixels.size() == static_cast<std::size_t>(s->count * 28 * 28));
    std::vector<std::int64_t> histogram(10);
    for (std::int64_t label : s->labels) ++histogram.at(label);
    CHECK(histogram == std::vector<std::int64_t>(10, s->count / 10));
  }
  // From tests/reference/fashion_mnist_stats.py.
  CHECK(std::vector<std::int64_t>(fm.train.labels.begin(), fm.train.labels.begin() + 5) ==
        std::vector<std::int64_t>{9, 0, 0, 3, 0});
  CHECK(std::vector<std::int64_t>(fm.test.labels.begin(), fm.test.labels.begin() + 5) ==
        std::vector<std::int64_t>{9, 2, 1, 1, 6});
  CHECK(fashion_mnist_classes().size() == 10);
  CHECK(fashion_mnist_classes()[9] == "Ankle boot");
  const std::vector<std::uint8_t> row10(fm.train.pixels.begin() + 280, fm.train.pixels.begin() + 308);
  CHECK(row10 == std::vector<std::uint8_t>{0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   193,
                                            228, 218, 213, 198, 180, 212, 210, 211, 213, 223, 220, 243, 202, 0});
  const Normalization norm = normalization_of(fm.train);
  MESSAGE("train mean " << norm.mean << ", std " << norm.std << " (reference 0.2860405970, 0.3530242445)");
  CHECK(norm.mean == doctest::Approx(0.2860405970).epsilon(1e-9));
  CHECK(norm.std == doctest::Approx(0.3530242445).epsilon(1e-9));

  const ImageBatch b = ImageLoader(fm.train, norm, 64, 1, {2, true}).batch(0);
  CHECK(b.images.shape() == Shape{64, 1, 28, 28});
  CHECK(b.labels.shape() == Shape{64});
}

TEST_CASE("images: normalization_of and image_batch, in order") {
  const ImageSet set = numbered_set(3, 2, 2);
  // Pixels 1..4, 21..24, 41..44: mean 22.5 / 255.
  const Normalization norm = normalization_of(set);
  CHECK(norm.mean == doctest::Approx(22.5 / 255));
  const ImageBatch b = image_batch(set, {0.1, 0.5}, 1, 3);
  CHECK(b.images.shape() == Shape{2, 1, 2, 2});
  CHECK(b.images.dtype() == kFloat32);
  CHECK(int_values(b.labels) == std::vector<std::int64_t>{1, 2});
  const std::vector<float> v = values(b.images);
  CHECK(v[0] == doctest::Approx((21 / 255.0 - 0.1) / 0.5));
  CHECK(v[7] == doctest::Approx((44 / 255.0 - 0.1) / 0.5));
  CHECK(error_of<ValueError>([&] { (void)image_batch(set, norm, 2, 4); }) ==
        "image_batch: the range must satisfy 0 <= begin < end <= count; got begin=2, end=4, count=3");
  CHECK(error_of<ValueError>([&] { (void)image_batch(set, {0.5, 0}, 0, 1); }).starts_with(
      "image_batch: the normalization needs a finite mean and a std above 0; got mean=0.5"));
}

TEST_CASE("images: the loader's batch is a function of seed and step, an epoch covers each image once") {
  const ImageSet set = numbered_set(12, 2, 3);
  const Normalization raw{0, 1 / 255.0};  // batch values are the pixels themselves
  const ImageLoader loader(set, raw, 4, 42);
  CHECK(loader.steps_per_epoch() == 3);
  for (std::int64_t epoch = 0; epoch < 2; ++epoch) {
    std::set<std::int64_t> seen;
    for (std::int64_t k = 0; k < 3; ++k)
      for (std::int64_t i : loader.indices(epoch * 3 + k)) seen.insert(i);
    CHECK(seen.size() == 12);
  }
  CHECK(loader.indices(0) != loader.indices(3));  // epochs shuffle differently
  CHECK(loader.indices(0) != loader.indices(1));

  // Asked out of order, by another loader, the same step gives the same batch.
  const ImageLoader other(set, raw, 4, 42);
  (void)other.batch(7);
  const ImageBatch a = loader.batch(4), b = other.batch(4);
  CHECK(values(a.images) == values(b.images));
  CHECK(int_values(a.labels) == int_values(b.labels));
  const std::vector<std::int64_t> picked = loader.indices(4);
  const std::vector<float> v = values(a.images);
  for (std::size_t r = 0; r < picked.size(); ++r) {
    CHECK(int_values(a.labels)[r] == picked[r] % 10);
    CHECK(v[r * 6] == doctest::Approx(1 + 20 * picked[r]));
  }
  CHECK(ImageLoader(set, raw, 4, 43).indices(4) != picked);

  // The last partial batch of an epoch is dropped: 10 images in batches of 3 make 3 steps of 9.
  const ImageSet ten = numbered_set(10, 1, 1);
  const ImageLoader threes(ten, raw, 3, 5);
  CHECK(threes.steps_per_epoch() == 3);
  std::set<std::int64_t> seen;
  for (std::int64_t k = 0; k < 3; ++k)
    for (std::int64_t i : threes.indices(k)) seen.insert(i);
  CHECK(seen.size() == 9);

  CHECK(error_of<ValueError>([&] { (void)ImageLoader(ten, raw, 11, 0); }) ==
        "ImageLoader: the batch size must be from 1 to the set's count; got batch=11, count=10");
  CHECK(error_of<ValueError>([&] { (void)ImageLoader(set, raw, 4, 0, {3, false}); }) ==
        "ImageLoader: pad_crop must be from 0 to the image size; got pad_crop=3 for 2x3 images");
  CHECK(error_of<ValueError>([&] { (void)loader.batch(-1); }) == "ImageLoader: the step must be at least 0; got -1");
}

TEST_CASE("images: augmentation crops from the zero-padded image and mirrors, nothing else") {
  const std::int64_t R = 3, C = 4, pad = 2;
  const ImageSet set = numbered_set(8, R, C);
  const Normalization raw{0, 1 / 255.0};
  const ImageLoader loader(set, raw, 8, 9, {pad, true});
  int flipped = 0, shifted = 0, unchanged = 0;
  for (std::int64_t step = 0; step < 4; ++step) {
    const ImageBatch b = loader.batch(step);
    CHECK(b.images.shape() == Shape{8, 1, R, C});
    const std::vector<float> v = values(b.images);
    const std::vector<std::int64_t> picked = loader.indices(step);
    for (std::int64_t r = 0; r < 8; ++r) {
      const std::uint8_t* src = set.pixels.data() + picked[r] * R * C;
      // Find the (dy, dx, flip) that explains this output; exactly one does, as pixels are distinct.
      int matches = 0;
      for (std::int64_t dy = 0; dy <= 2 * pad; ++dy)
        for (std::int64_t dx = 0; dx <= 2 * pad; ++dx)
          for (bool flip : {false, true}) {
            bool same = true;
            for (std::int64_t y = 0; y < R && same; ++y)
              for (std::int64_t x = 0; x < C && same; ++x) {
                const std::int64_t sy = y + dy - pad, sx = (flip ? C - 1 - x : x) + dx - pad;
                const float want = sy >= 0 && sy < R && sx >= 0 && sx < C ? src[sy * C + sx] : 0.0f;
                same = v[r * R * C + y * C + x] == doctest::Approx(want);
              }
            if (!same) continue;
            ++matches;
            flipped += flip;
            shifted += dy != pad || dx != pad;
            unchanged += !flip && dy == pad && dx == pad;
          }
      CHECK(matches == 1);
    }
  }
  MESSAGE("32 augmented images: " << flipped << " flipped, " << shifted << " shifted, " << unchanged << " unchanged");
  CHECK(flipped > 4);
  CHECK(shifted > 16);
  // Augmentation draws per step: with it off, the same step gives the same images unmoved.
  const ImageBatch plain = ImageLoader(set, raw, 8, 9).batch(1);
  CHECK(values(plain.images)[0] == doctest::Approx(1 + 20 * loader.indices(1)[0]));
}
