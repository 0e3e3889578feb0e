// IDX reader: every type code IDX defines, each header and payload rule's error text, gzip and
// plain files giving the same array, corrupt / truncated / oversized gzip streams, and every file
// of the seed corpus (tests/corpus/idx, which fuzz_replay_idx also replays) accepted or rejected
// as its name says.
#include <doctest/doctest.h>

#include "error_text.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <focus/data/idx.h>
#include <focus/data/images.h>
#include <focus/tensor/error.h>

using namespace focus;
using namespace focus::data;

namespace {

namespace fs = std::filesystem;

fs::path corpus(const std::string& name) { return fs::path(__FILE__).parent_path() / "corpus" / "idx" / name; }

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An IDX file: magic (0, 0, type, rank), big-endian dims, payload.
std::string idx(std::uint8_t type, const std::vector<std::uint32_t>& dims, const std::string& payload,
                int rank = -1) {
  std::string out = {'\0', '\0', static_cast<char>(type), static_cast<char>(rank < 0 ? dims.size() : rank)};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((d >> shift) & 0xFF);
  return out + payload;
}

std::string with_first_byte(std::string bytes, char first) {
  bytes[0] = first;
  return bytes;
}

}  // namespace

TEST_CASE("idx: parses every type code IDX defines, payload kept big-endian") {
  const IdxArray labels = read_idx(corpus("valid_labels_1d.idx").string());
  CHECK(labels.type_code == kIdxUByte);
  CHECK(labels.dims == std::vector<std::int64_t>{5});
  CHECK(labels.data == std::string("\x00\x01\x02\x03\x09", 5));

  const IdxArray ints = read_idx(corpus("valid_int32_2d.idx").string());
  CHECK(ints.type_code == kIdxInt32);
  CHECK(ints.dims == std::vector<std::int64_t>{2, 3});
  REQUIRE(ints.data.size() == 24);
  CHECK(ints.data.substr(4, 4) == std::string("\xFF\xFF\xFF\xFE", 4));  // -2, most significant byte first

  const std::vector<std::pair<const char*, std::uint8_t>> files = {{"valid_sbyte_1d.idx", kIdxSByte},
                                                                    {"valid_int16_4d.idx", kIdxInt16},
                                                                    {"valid_float64_1d.idx", kIdxFloat64}};
  for (const auto& [name, code] : files) {
    CAPTURE(name);
    const IdxArray a = read_idx(corpus(name).string());
    CHECK(a.type_code == code);
    std::size_t numel = 1;
    for (std::int64_t d : a.dims) numel *= d;
    CHECK(a.data.size() == numel * idx_element_size(code));
  }
  const IdxArray floats = parse_idx(idx(kIdxFloat32, {1, 1}, std::string("\x3F\x80\x00\x00", 4)), "one.idx");
  CHECK(floats.dims == std::vector<std::int64_t>{1, 1});
  CHECK(std::string(idx_type_name(floats.type_code)) == "float32");
}

TEST_CASE("idx: each broken header or payload rule names the file and the rule") {
  const std::string five(5, '\0');
  struct Case {
    std::string bytes, message;
  };
  const std::vector<Case> cases = {
      {std::string("\0\0", 2), "read_idx: f.idx: an IDX file starts with a 4-byte magic; got 2 bytes"},
      {with_first_byte(idx(kIdxUByte, {5}, five), '\x01'),
       "read_idx: f.idx: the magic must start with two zero bytes; got 0x01 0x00"},
      {idx(0x0A, {5}, five),
       "read_idx: f.idx: the type code must be one IDX defines (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, "
       "0x0D float32, 0x0E float64); got 0x0A"},
      {idx(kIdxUByte, {}, ""), "read_idx: f.idx: the rank must be from 1 to 8; got 0"},
      {idx(kIdxUByte, std::vector<std::uint32_t>(9, 1), "x"), "read_idx: f.idx: the rank must be from 1 to 8; got 9"},
      {idx(kIdxUByte, {60000, 28, 28}, "").substr(0, 10),
       "read_idx: f.idx: a rank-3 header takes 16 bytes; got a 10-byte file"},
      {idx(kIdxUByte, {3, 0, 4}, ""), "read_idx: f.idx: every dimension must be at least 1; got 0 for dimension 1"},
      {idx(kIdxFloat64, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, ""),
       "read_idx: f.idx: the dimensions' size overflows; got dims=[4294967295, 4294967295, 4294967295, 4294967295] "
       "of float64"},
      {idx(kIdxUByte, {60000, 28, 28}, std::string(100, '\0')),
       "read_idx: f.idx: the payload is truncated: dims=[60000, 28, 28] of ubyte take 47040000 bytes; got 100"},
      {idx(kIdxInt32, {2}, std::string(9, '\0')),
       "read_idx: f.idx: trailing bytes after the payload: dims=[2] of int32 take 8 bytes; got 9"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    CHECK(error_of<FormatError>([&] { (void)parse_idx(c.bytes, "f.idx"); }) == c.message);
  }
  // Handing parse_idx a gzipped file is a likely slip: the message says what to call instead.
  CHECK(error_of<FormatError>([&] { (void)parse_idx(file_bytes(corpus("valid_images_3d.idx.gz")), "a.gz"); }) ==
        "read_idx: a.gz: the magic must start with two zero bytes; got 0x1F 0x8B (gzip data: read it with read_idx, "
        "which decompresses)");
}

TEST_CASE("idx: a gzipped file and the plain one give the same array, whatever the name") {
  const IdxArray plain = read_idx(corpus("valid_images_3d.idx").string());
  CHECK(plain.dims == std::vector<std::int64_t>{2, 3, 4});
  for (const char* name : {"valid_images_3d.idx.gz", "valid_two_members.gz"}) {
    CAPTURE(name);
    const IdxArray gz = read_idx(corpus(name).string());
    CHECK(gz.type_code == plain.type_code);
    CHECK(gz.dims == plain.dims);
    CHECK(gz.data == plain.data);
  }
  // The gzip magic decides, not the name: a gzipped file without ".gz" reads the same.
  const fs::path renamed = fs::temp_directory_path() / "focus_idx_gz_without_suffix.idx";
  fs::copy_file(corpus("valid_images_3d.idx.gz"), renamed, fs::copy_options::overwrite_existing);
  CHECK(read_idx(renamed.string()).data == plain.data);
  fs::remove(renamed);
}

TEST_CASE("idx: corrupt, truncated, trailing and oversized gzip streams are rejected") {
  const auto error_for = [](const char* name) {
    const std::string path = corpus(name).string();
    return error_of<FormatError>([&] { (void)read_idx(path); }).substr(path.size() + 12);  // after "read_idx: <path>: "
  };
  CHECK(error_for("bad_gzip_truncated.gz").starts_with("the gzip stream is truncated: it ends before its trailer"));
  CHECK(error_for("bad_gzip_corrupt.gz") == "the gzip stream is corrupt; got zlib's \"invalid block type\"");
  CHECK(error_for("bad_gzip_crc.gz") == "the gzip stream is corrupt; got zlib's \"incorrect data check\"");
  CHECK(error_for("bad_gzip_trailing.gz") == "trailing bytes after the gzip stream; got 4 more bytes");
  CHECK(error_for("bad_gzip_not_idx.gz") == "the magic must start with two zero bytes; got 0x68 0x65");
  // 17 MiB of zeros in 17 KB: within read_idx's 1 GiB cap, past a 1 MiB one, and stopped there.
  const std::string bomb = file_bytes(corpus("bad_gzip_past_fuzz_cap.gz"));
  CHECK(gunzip(bomb, "bomb.gz").size() == 8 + (std::size_t{17} << 20));
  CHECK(error_of<FormatError>([&] { (void)gunzip(bomb, "bomb.gz", std::size_t{1} << 20); }) ==
        "read_idx: bomb.gz: the gzip stream inflates past the 1048576-byte limit");
  CHECK(error_of<FormatError>([&] { (void)gunzip("plain", "p.idx"); }) == "read_idx: p.idx: gzip data starts with 1f 8b; got something else");
}

TEST_CASE("idx: every seed corpus file is accepted or rejected as its name says") {
  int valid = 0, bad = 0;
  for (const auto& entry : fs::directory_iterator(corpus(""))) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    std::string error = error_of<FormatError>([&] { (void)read_idx(entry.path().string()); });
    // The image-set rules (labels below 10 classes, ubyte images) reject what IDX itself allows.
    if (error.empty() && name.starts_with("bad_label"))
      error = error_of<FormatError>([&] { (void)read_image_set(corpus("valid_images_3d.idx").string(), entry.path().string(), 10); });
    if (error.empty() && name.starts_with("bad_images"))
      error = error_of<FormatError>([&] { (void)read_image_set(entry.path().string(), corpus("valid_labels_1d.idx").string(), 10); });
    if (name.starts_with("valid_")) {
      CHECK(error == "");
      ++valid;
    } else if (name == "bad_gzip_past_fuzz_cap.gz") {
      CHECK(error == "");  // bad only under the fuzz target's 16 MiB cap
    } else {
      CHECK(name.starts_with("bad_"));
      CHECK(error.starts_with("read_"));
      CHECK(error.find(name) != std::string::npos);
      ++bad;
    }
  }
  CHECK(valid >= 8);
  CHECK(bad >= 15);
}

TEST_CASE("idx: read_idx names a missing file or a folder") {
  CHECK(error_of<FormatError>([] { (void)read_idx("/nonexistent/t.idx"); }) ==
        "read_idx: /nonexistent/t.idx: cannot open file: No such file or directory");
  const std::string dir = corpus("").parent_path().string();
  CHECK(error_of<FormatError>([&] { (void)read_idx(dir); }) == "read_idx: " + dir + ": cannot open file: it is a directory");
}
