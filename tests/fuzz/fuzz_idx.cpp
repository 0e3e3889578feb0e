// Fuzz target: the IDX reader as read_idx runs it on a file's bytes (gunzip when they start with
// the gzip magic, here capped at 16 MiB so a bomb cannot outgrow libFuzzer's memory limit, then
// data::parse_idx), then the image-set rules (data::image_set_from_idx) on what it accepts, and a
// batch of any small accepted image set. Accepted arrays must write back to the same bytes.
// Seed corpus: tests/corpus/idx/.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <focus/data/idx.h>
#include <focus/data/images.h>

#include "fuzz_target.h"

namespace {

using focus::data::IdxArray;
using focus::fuzz::accepts;
using focus::fuzz::fuzz_require;

constexpr std::size_t kFuzzMaxBytes = std::size_t{16} << 20;

// The file parse_idx read, rebuilt from its parts.
std::string idx_bytes(const IdxArray& a) {
  std::string out = {'\0', '\0', static_cast<char>(a.type_code), static_cast<char>(a.dims.size())};
  for (std::int64_t d : a.dims)
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((d >> shift) & 0xFF);
  return out + a.data;
}

// Training batches over a small accepted set: every value is a normalised byte, so finite.
void check_batches(const focus::data::ImageSet& set) {
  if (set.count * set.rows * set.cols > (1 << 16)) return;
  const std::int64_t pad = std::min<std::int64_t>({2, set.rows, set.cols});
  const focus::data::ImageLoader loader(set, {0.25, 0.5}, set.count, 7, {pad, true});
  for (std::int64_t step : {0, 1}) {
    const focus::data::ImageBatch b = loader.batch(step);
    fuzz_require(b.images.numel() == set.count * set.rows * set.cols, "a batch holds batch x rows x cols values");
    const float* v = b.images.data_ptr<float>();
    for (std::int64_t i = 0; i < b.images.numel(); ++i) fuzz_require(std::isfinite(v[i]), "batch values are finite");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = focus::fuzz::as_text(data, size);
  const bool gz = focus::data::is_gzip(bytes);
  std::string inflated;
  if (gz && !accepts([&] { inflated = focus::data::gunzip(bytes, "fuzz.idx.gz", kFuzzMaxBytes); })) return 0;
  const std::string_view raw = gz ? std::string_view(inflated) : bytes;
  IdxArray a;
  if (!accepts([&] { a = focus::data::parse_idx(raw, "fuzz.idx"); })) return 0;

  fuzz_require(!a.dims.empty() && a.dims.size() <= static_cast<std::size_t>(focus::data::kIdxMaxRank), "an accepted rank is 1 to kIdxMaxRank");
  std::size_t numel = 1;
  for (std::int64_t d : a.dims) {
    fuzz_require(d >= 1, "accepted dimensions are at least 1");
    numel *= static_cast<std::size_t>(d);
  }
  fuzz_require(a.data.size() == numel * focus::data::idx_element_size(a.type_code), "the payload is numel x element size");
  fuzz_require(idx_bytes(a) == raw, "an accepted array writes back to the bytes it came from");

  // The image-set rules: a rank-3 array as images with valid labels, a rank-1 array as labels of
  // 1x1 images. Whatever they accept must be a consistent set.
  if (a.type_code != focus::data::kIdxUByte) return 0;
  IdxArray other;
  other.type_code = focus::data::kIdxUByte;
  other.dims = {a.dims[0]};
  if (a.dims.size() == 1) other.dims = {a.dims[0], 1, 1};
  other.data.assign(static_cast<std::size_t>(a.dims[0]), '\0');  // pixels or labels, all 0
  const bool as_images = a.dims.size() == 3;
  focus::data::ImageSet set;
  const bool ok = accepts([&] {
    set = as_images ? focus::data::image_set_from_idx(a, other, 10, "fuzz-images", "labels")
                    : focus::data::image_set_from_idx(other, a, 10, "images", "fuzz-labels");
  });
  if (!ok) return 0;
  fuzz_require(a.dims.size() == 1 || as_images, "only rank 1 labels and rank 3 images make a set");
  fuzz_require(set.count == a.dims[0], "the set has one image per label");
  fuzz_require(set.pixels.size() == static_cast<std::size_t>(set.count * set.rows * set.cols), "pixels fill the set");
  for (std::int64_t label : set.labels) fuzz_require(label >= 0 && label < 10, "accepted labels are below num_classes");
  check_batches(set);
  return 0;
}
