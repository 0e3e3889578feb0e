// safetensors checkpoints (io/safetensors.h): round trips, the reference writer's exact layout,
// interop with files PyTorch wrote (tests/reference/safetensors_ref.py), atomic saves, and one
// test per rule a corrupt file can break, each checking the message. Every corrupt input is also
// a committed seed in tests/corpus/safetensors/ for the fuzzer; FOCUS_UPDATE_CORPUS=1 rewrites
// the seeds from this file, otherwise the test checks they still match.
#include <doctest/doctest.h>
#include <focus/focus.h>
#include <focus/io/safetensors.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>

using namespace focus;
using namespace focus::io;

namespace {

const std::string kCorpusDir = std::string(FOCUS_SOURCE_DIR) + "/tests/corpus/safetensors";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A fresh directory under /tmp, removed with everything in it at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/focus_safetensors_XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

// A safetensors file: 8-byte little-endian header length, header, data.
std::string file_bytes(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i, n >>= 8) out[i] = static_cast<char>(n & 0xFF);
  return out + header + data;
}

std::string to_string(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

TensorFile parse(const std::string& bytes) {
  return parse_safetensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "model.ckpt");
}

// The committed seed tests/corpus/safetensors/<name>.safetensors holds exactly these bytes.
void keep_seed(const std::string& name, const std::string& bytes) {
  const std::string path = kCorpusDir + "/" + name + ".safetensors";
  if (std::getenv("FOCUS_UPDATE_CORPUS")) {
    std::filesystem::create_directories(kCorpusDir);
    write_file(path, bytes);
    return;
  }
  INFO("seed " << path << " differs from the test's bytes; rerun with FOCUS_UPDATE_CORPUS=1 to rewrite it");
  CHECK(read_file(path) == bytes);
}

// bytes are rejected with "load_safetensors: model.ckpt: <rule>"; they are also the seed `seed`.
void check_rejected(const std::string& seed, const std::string& bytes, const std::string& rule) {
  keep_seed(seed, bytes);
  const std::string expected = "load_safetensors: model.ckpt: " + rule;
  CHECK_THROWS_WITH_AS(parse(bytes), expected.c_str(), FormatError);
}

// A valid two-tensor header, the base of most corrupt files: 'a' is F32 [2, 3] at [0, 24],
// 'b' is I64 [2] at [24, 40].
std::string two_tensors(const std::string& a_shape = "[2,3]", const std::string& a_offsets = "[0,24]",
                        const std::string& b_offsets = "[24,40]") {
  return R"({"a":{"dtype":"F32","shape":)" + a_shape + R"(,"data_offsets":)" + a_offsets +
         R"(},"b":{"dtype":"I64","shape":[2],"data_offsets":)" + b_offsets + "}}";
}
const std::string kData40(40, '\0');

std::string one_tensor(const std::string& fields) { return R"({"a":{)" + fields + "}}"; }

}  // namespace

// ---- round trips --------------------------------------------------------------------------------

TEST_CASE("safetensors: round trip keeps every dtype, rank-0 and empty tensors, and metadata") {
  TempDir dir;
  const std::string path = dir.path + "/model.safetensors";
  const std::vector<std::pair<std::string, Tensor>> tensors = {
      {"f32", tensor(std::vector<float>{1.5f, -2.25f, 3e-8f, 1e30f, 0.f, -0.f}, {2, 3})},
      {"f64", tensor(std::vector<double>{0.1, -1e-300, 12345.678901234567}, {3})},
      {"i64", tensor(std::vector<std::int64_t>{-9223372036854775807LL - 1, -1, 0, 9223372036854775807LL}, {2, 2})},
      {"bool", tensor(std::vector<bool>{true, false, false, true, true}, {5})},
      {"scalar", scalar_tensor(7.5)},
      {"empty_i64", zeros({0, 3}, kInt64)},
      {"empty_bool", zeros({0}, kBool)},
  };
  save_safetensors(path, tensors, {{"epoch", "3"}, {"note", "caf\xc3\xa9 \"quoted\"\n"}});
  const TensorFile loaded = load_safetensors(path);

  CHECK(loaded.metadata == Metadata{{"epoch", "3"}, {"format", "pt"}, {"note", "caf\xc3\xa9 \"quoted\"\n"}});
  REQUIRE(loaded.tensors.size() == tensors.size());
  for (const auto& [name, original] : tensors) {
    CAPTURE(name);
    const Tensor& t = loaded.tensors.at(name);
    CHECK(t.dtype() == original.dtype());
    CHECK(t.shape() == original.shape());
    CHECK(t.is_contiguous());
    CHECK(t.storage() != original.storage());
    dispatch(t.dtype(), [&]<class T>() { CHECK(t.to_vector<T>() == original.to_vector<T>()); });
  }
  CHECK(loaded.tensors.at("scalar").dim() == 0);
  CHECK(loaded.tensors.at("scalar").item<float>() == 7.5f);

  // parse_safetensors on the same bytes agrees with the file reader.
  const std::string bytes = read_file(path);
  CHECK(bytes == to_string(serialize_safetensors(tensors, {{"epoch", "3"}, {"note", "caf\xc3\xa9 \"quoted\"\n"}})));
  CHECK(parse(bytes).tensors.at("i64").to_vector<std::int64_t>() == tensors[2].second.to_vector<std::int64_t>());
}

TEST_CASE("safetensors: non-contiguous tensors are written contiguously") {
  const Tensor base = tensor(std::vector<float>{0, 1, 2, 3, 4, 5}, {2, 3});
  const std::vector<std::pair<std::string, Tensor>> tensors = {
      {"transposed", base.t()},                                              // strides [1, 3]
      {"stepped", base.slice(1, 0, 3, 2)},                                   // every other column
      {"expanded", tensor(std::vector<float>{7, 8}).unsqueeze(0).expand({3, 2})},  // stride 0
      {"row", base.select(0, 1)},                                            // offset 3
  };
  const TensorFile loaded = parse(to_string(serialize_safetensors(tensors)));
  CHECK(loaded.tensors.at("transposed").to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(loaded.tensors.at("stepped").to_vector<float>() == std::vector<float>{0, 2, 3, 5});
  CHECK(loaded.tensors.at("expanded").to_vector<float>() == std::vector<float>{7, 8, 7, 8, 7, 8});
  CHECK(loaded.tensors.at("row").to_vector<float>() == std::vector<float>{3, 4, 5});
  CHECK(loaded.tensors.at("transposed").shape() == Shape{3, 2});
}

TEST_CASE("safetensors: tied tensors are stored once and load as one tensor under both names") {
  const Tensor weight = tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2});
  const Tensor same_view = as_strided(weight, weight.shape(), weight.strides(), weight.offset());  // new handle
  const std::vector<std::pair<std::string, Tensor>> tensors = {
      {"lm_head.weight", weight},
      {"embed.weight", weight},
      {"decoder.embed.weight", same_view},
      {"embed.row1", weight.select(0, 1)},  // the same storage but another view: stored on its own
  };
  const std::string bytes = to_string(serialize_safetensors(tensors));
  // Stored under the first name in byte order; the others become metadata entries.
  CHECK(bytes.find(R"("focus.alias.embed.weight":"decoder.embed.weight")") != std::string::npos);
  CHECK(bytes.find(R"("focus.alias.lm_head.weight":"decoder.embed.weight")") != std::string::npos);
  CHECK(bytes.find(R"("embed.weight":{)") == std::string::npos);
  CHECK(bytes.find(R"("lm_head.weight":{)") == std::string::npos);

  const TensorFile loaded = parse(bytes);
  CHECK(loaded.metadata == Metadata{{"format", "pt"}});  // alias entries become names, not metadata
  REQUIRE(loaded.tensors.size() == 4);
  const Tensor& stored = loaded.tensors.at("decoder.embed.weight");
  CHECK(stored.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(loaded.tensors.at("embed.weight").storage() == stored.storage());
  CHECK(loaded.tensors.at("lm_head.weight").is_same(stored));
  CHECK(loaded.tensors.at("embed.row1").storage() != stored.storage());
  CHECK(loaded.tensors.at("embed.row1").to_vector<float>() == std::vector<float>{3, 4});

  // Saving what was loaded ties the names again: the same bytes.
  CHECK(to_string(serialize_safetensors({loaded.tensors.begin(), loaded.tensors.end()})) == bytes);
}

TEST_CASE("safetensors: the header follows the reference writer's layout") {
  // Order: I64, F64, F32, BOOL (the reference's dtype order, descending), then name; offsets
  // contiguous from 0; metadata first with "format": "pt"; compact; space-padded to 8 bytes.
  const std::vector<std::pair<std::string, Tensor>> tensors = {
      {"b_mask", zeros({1}, kBool)},   {"a_f32", zeros({2}, kFloat32)}, {"z_f32", zeros({1}, kFloat32)},
      {"c_f64", zeros({1}, kFloat64)}, {"d_i64", zeros({1}, kInt64)},
  };
  const std::string bytes = to_string(serialize_safetensors(tensors));
  const std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("d_i64":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
      R"("c_f64":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},)"
      R"("a_f32":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},)"
      R"("z_f32":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},)"
      R"("b_mask":{"dtype":"BOOL","shape":[1],"data_offsets":[28,29]}})";
  const std::string padded = header + std::string((8 - header.size() % 8) % 8, ' ');
  CHECK(padded.size() % 8 == 0);
  CHECK(bytes == file_bytes(padded, std::string(29, '\0')));

  // A caller's "format" replaces the default.
  const std::string np = to_string(serialize_safetensors({}, {{"format", "np"}}));
  CHECK(np == file_bytes(R"({"__metadata__":{"format":"np"}})"));  // 32 bytes: no padding
}

TEST_CASE("safetensors: names with any UTF-8 and control characters are escaped and come back") {
  const std::string name = "q\"uote\\back\nline\x01tab\t caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80";
  const std::string bytes = to_string(serialize_safetensors({{name, zeros({1})}}, {{"k\x1f", "v\b"}}));
  CHECK(bytes.find(R"("q\"uote\\back\nline\u0001tab\t caf)") != std::string::npos);
  CHECK(bytes.find(R"("k\u001f":"v\b")") != std::string::npos);
  const TensorFile loaded = parse(bytes);
  CHECK(loaded.tensors.count(name) == 1);
  CHECK(loaded.metadata.at("k\x1f") == "v\b");
}

TEST_CASE("safetensors: bad input to save throws ValueError and writes nothing") {
  TempDir dir;
  const std::string path = dir.path + "/model.safetensors";
  const Tensor t = zeros({2});
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"w", t}, {"w", t}}),
                       "save_safetensors: tensor names must be unique; got 'w' twice", ValueError);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"__metadata__", t}}),
                       "save_safetensors: no tensor may be named '__metadata__' (the header's metadata key)",
                       ValueError);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"w", Tensor()}}), "save_safetensors: tensor 'w' is undefined",
                       ValueError);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"bad\xff", t}}),
                       "save_safetensors: tensor names must be valid UTF-8; got a bad byte at offset 3", ValueError);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"w", t}}, {{"focus.alias.x", "w"}}),
                       "save_safetensors: metadata keys starting with 'focus.alias.' are reserved for tied tensors; "
                       "got 'focus.alias.x'",
                       ValueError);
  CHECK(dir.files().empty());
}

// ---- PyTorch interop ------------------------------------------------------------------------------

namespace {

// The tensors of tests/data/torch_written.safetensors, with the values
//   /usr/bin/python3 tests/reference/safetensors_ref.py write tests/data/torch_written.safetensors
// printed (torch 1.13, torch.manual_seed(0)).
std::vector<std::pair<std::string, Tensor>> torch_reference_tensors() {
  return {
      {"embed.weight", tensor(std::vector<float>{1.5409960746765137f, -0.293428897857666f, -2.1787893772125244f,
                                                 0.5684312582015991f, -1.0845223665237427f, -1.3985954523086548f},
                              {3, 2})},
      {"d\xc3\xa9" "codeur.poids", tensor(std::vector<float>{0.5f, -1.25f}, {2})},
      {"layer.scale", tensor(std::vector<double>{0.4033468476292993, 0.8380263329976598, -0.7192575784693592,
                                                 -0.40334352493217457},
                             {2, 2})},
      {"token_ids", tensor(std::vector<std::int64_t>{-3, 0, 7, 1099511627776}, {4})},
      {"step", tensor(std::vector<std::int64_t>{1234567890123}, Shape{})},
      {"mask", tensor(std::vector<bool>{true, false, true, false, false, true}, {2, 3})},
      {"empty", zeros({0, 4})},
  };
}

}  // namespace

TEST_CASE("safetensors: reads a file written by PyTorch") {
  const TensorFile loaded = load_safetensors(std::string(FOCUS_SOURCE_DIR) + "/tests/data/torch_written.safetensors");
  CHECK(loaded.metadata == Metadata{{"format", "pt"}, {"source", "safetensors_ref.py"}});
  const auto expected = torch_reference_tensors();
  REQUIRE(loaded.tensors.size() == expected.size());
  for (const auto& [name, want] : expected) {
    CAPTURE(name);
    REQUIRE(loaded.tensors.count(name) == 1);
    const Tensor& got = loaded.tensors.at(name);
    CHECK(got.dtype() == want.dtype());
    CHECK(got.shape() == want.shape());
    dispatch(got.dtype(), [&]<class T>() { CHECK(got.to_vector<T>() == want.to_vector<T>()); });
  }
  CHECK(loaded.tensors.at("step").item<std::int64_t>() == 1234567890123);
}

TEST_CASE("safetensors: writes the same bytes as the PyTorch reference script") {
  const std::string torch_bytes = read_file(std::string(FOCUS_SOURCE_DIR) + "/tests/data/torch_written.safetensors");
  REQUIRE(torch_bytes.size() == 630);
  const auto focus_bytes = serialize_safetensors(torch_reference_tensors(), {{"source", "safetensors_ref.py"}});
  CHECK(to_string(focus_bytes) == torch_bytes);
}

// ---- files on disk --------------------------------------------------------------------------------

TEST_CASE("safetensors: loading a missing file or a directory names the path and the reason") {
  TempDir dir;
  const std::string missing = dir.path + "/missing.safetensors";
  CHECK_THROWS_WITH_AS(load_safetensors(missing),
                       ("load_safetensors: " + missing + ": cannot open: No such file or directory").c_str(),
                       FormatError);
  CHECK_THROWS_WITH_AS(load_safetensors(dir.path), ("load_safetensors: " + dir.path + ": cannot read: Is a directory").c_str(),
                       FormatError);
}

TEST_CASE("safetensors: loading a corrupt file names the file") {
  TempDir dir;
  const std::string path = dir.path + "/bad.safetensors";
  write_file(path, file_bytes(two_tensors(), std::string(36, '\0')));
  CHECK_THROWS_WITH_AS(load_safetensors(path),
                       ("load_safetensors: " + path + ": data buffer is 36 bytes but tensor 'b' ends at 40 (truncated file?)")
                           .c_str(),
                       FormatError);
}

TEST_CASE("safetensors: saving over a file replaces it") {
  TempDir dir;
  const std::string path = dir.path + "/model.safetensors";
  save_safetensors(path, {{"w", zeros({2})}});
  const std::map<std::string, Tensor> replacement{{"w", ones({3})}, {"b", ones({1})}};
  save_safetensors(path, {replacement.begin(), replacement.end()});
  const TensorFile loaded = load_safetensors(path);
  CHECK(loaded.tensors.at("w").to_vector<float>() == std::vector<float>{1, 1, 1});
  CHECK(loaded.tensors.size() == 2);
  CHECK(dir.files() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("safetensors: a save that fails midway leaves the old file intact and no temporary behind") {
  TempDir dir;
  const std::string path = dir.path + "/model.safetensors";
  save_safetensors(path, {{"w", tensor(std::vector<float>{1, 2, 3})}});
  const std::string before = read_file(path);

  // A file-size limit makes the write that crosses it fail with EFBIG (with SIGXFSZ ignored,
  // which would otherwise end the process): a real failure partway through the data.
  struct Limit {
    rlimit saved{};
    void (*saved_handler)(int) = nullptr;
    Limit() {
      getrlimit(RLIMIT_FSIZE, &saved);
      saved_handler = std::signal(SIGXFSZ, SIG_IGN);
      rlimit small = saved;
      small.rlim_cur = 4096;
      REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    }
    ~Limit() {
      setrlimit(RLIMIT_FSIZE, &saved);
      std::signal(SIGXFSZ, saved_handler);
    }
  };
  std::string message;
  {
    Limit limit;
    try {
      save_safetensors(path, {{"w", zeros({1 << 18})}});  // 1 MiB of data
    } catch (const FormatError& e) {
      message = e.what();
    }
  }
  CHECK(message == "save_safetensors: cannot write " + path + "; got File too large");
  CHECK(read_file(path) == before);
  CHECK(dir.files() == std::vector<std::string>{"model.safetensors"});
  CHECK(load_safetensors(path).tensors.at("w").to_vector<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("safetensors: saving into a missing directory fails naming the path and the reason") {
  TempDir dir;
  const std::string path = dir.path + "/no/such/dir/model.safetensors";
  std::string message;
  try {
    save_safetensors(path, {{"w", zeros({2})}});
  } catch (const FormatError& e) {
    message = e.what();
  }
  CHECK(message == "save_safetensors: cannot create a temporary file for " + path + "; got No such file or directory");
  CHECK(dir.files().empty());
}

// ---- corrupt files: one test per rule ---------------------------------------------------------

TEST_CASE("safetensors: rejects a file shorter than the 8-byte header length") {
  check_rejected("too_short", std::string("\x10\x00\x00", 3),
                 "file is 3 bytes; a safetensors file starts with an 8-byte header length");
  check_rejected("empty_file", "", "file is 0 bytes; a safetensors file starts with an 8-byte header length");
}

TEST_CASE("safetensors: rejects a header length beyond the end of the file") {
  std::string bytes = file_bytes("{}");
  bytes[0] = static_cast<char>(0xE8);  // 1000
  bytes[1] = 0x03;
  check_rejected("header_length_beyond_file", bytes,
                 "header length 1000 runs past the end of the file (2 bytes after the length field)");
  std::string huge = file_bytes("{}");
  std::memset(huge.data(), 0xFF, 8);  // 2^64 - 1: no overflow in the bounds arithmetic
  check_rejected("header_length_max_u64", huge, "header length 18446744073709551615 exceeds the limit of 100000000 bytes");
}

TEST_CASE("safetensors: rejects a header longer than 100 MB") {
  std::string bytes = file_bytes("{}");
  const std::uint64_t n = 100'000'001;
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  check_rejected("header_too_large", bytes, "header length 100000001 exceeds the limit of 100000000 bytes");
}

TEST_CASE("safetensors: rejects a header that is not valid UTF-8") {
  check_rejected("invalid_utf8", file_bytes("{\"a\xff\":{}}"),
                 "header is not valid UTF-8 (byte 0xff at header offset 3)");
  // An encoded surrogate (U+D800) is not UTF-8 either.
  check_rejected("utf8_surrogate", file_bytes("{\"\xed\xa0\x80\":{}}"),
                 "header is not valid UTF-8 (byte 0xed at header offset 2)");
}

TEST_CASE("safetensors: rejects a header that is not valid JSON") {
  check_rejected("json_trailing_comma", file_bytes(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},})", kData40.substr(0, 24)),
                 "header JSON: expected a string key; got '}' at byte 57");
  check_rejected("json_unterminated", file_bytes(R"({"a":{"dtype":"F32)"),
                 "header JSON: unterminated string at byte 14");
  check_rejected("json_not_object", file_bytes("[]"), "header must be a JSON object; got an array");
  check_rejected("json_garbage_after", file_bytes("{} x"), "header JSON: unexpected data after the top-level value; got 'x' at byte 3");
  check_rejected("json_nul_padding", file_bytes(std::string("{}\0\0\0\0\0\0", 8)),
                 "header JSON: unexpected data after the top-level value; got byte 0x00 at byte 2");
}

TEST_CASE("safetensors: rejects duplicate keys") {
  const std::string entry = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  check_rejected("duplicate_tensor", file_bytes(R"({"a":)" + entry + R"(,"a":)" + entry + "}", std::string(4, '\0')),
                 "header JSON: duplicate key \"a\" at byte 54");
  check_rejected("duplicate_field",
                 file_bytes(one_tensor(R"("dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4])"),
                            std::string(4, '\0')),
                 "header JSON: duplicate key \"dtype\" at byte 20");
  check_rejected("duplicate_metadata", file_bytes(R"({"__metadata__":{},"__metadata__":{}})"),
                 "header JSON: duplicate key \"__metadata__\" at byte 19");
}

TEST_CASE("safetensors: rejects entries without exactly dtype, shape and data_offsets") {
  check_rejected("entry_not_object", file_bytes(R"({"a":[0,4]})"),
                 "tensor 'a': entry must be an object with dtype, shape and data_offsets; got an array");
  check_rejected("entry_missing_shape", file_bytes(one_tensor(R"("dtype":"F32","data_offsets":[0,4])"), std::string(4, '\0')),
                 "tensor 'a': missing field 'shape'");
  check_rejected("entry_unknown_field",
                 file_bytes(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":[0,4],"offset":0)"), std::string(4, '\0')),
                 "tensor 'a': unknown field 'offset'; an entry has exactly dtype, shape and data_offsets");
  check_rejected("dtype_not_string", file_bytes(one_tensor(R"("dtype":4,"shape":[1],"data_offsets":[0,4])"), std::string(4, '\0')),
                 "tensor 'a': dtype must be a string; got an integer");
}

TEST_CASE("safetensors: rejects an unknown dtype") {
  check_rejected("unknown_dtype", file_bytes(one_tensor(R"("dtype":"F16","shape":[2],"data_offsets":[0,4])"), std::string(4, '\0')),
                 "tensor 'a': unsupported dtype 'F16'; focus reads F32, F64, I64 and BOOL");
  check_rejected("lowercase_dtype", file_bytes(one_tensor(R"("dtype":"f32","shape":[1],"data_offsets":[0,4])"), std::string(4, '\0')),
                 "tensor 'a': unsupported dtype 'f32'; focus reads F32, F64, I64 and BOOL");
}

TEST_CASE("safetensors: rejects negative and non-integer shapes") {
  check_rejected("negative_shape", file_bytes(two_tensors("[-2,3]"), kData40),
                 "tensor 'a': shape entries must be non-negative integers; got -2");
  check_rejected("float_shape", file_bytes(two_tensors("[2.5,3]"), kData40),
                 "tensor 'a': shape entries must be non-negative integers; got 2.5");
  check_rejected("string_shape", file_bytes(two_tensors(R"([2,"3"])"), kData40),
                 "tensor 'a': shape entries must be non-negative integers; got a string");
  check_rejected("shape_not_array", file_bytes(two_tensors("6"), kData40),
                 "tensor 'a': shape must be an array of non-negative integers; got an integer");
}

TEST_CASE("safetensors: rejects a rank above kMaxRank") {
  check_rejected("rank_too_big", file_bytes(two_tensors("[1,1,1,1,1,1,2,3,1]"), kData40),
                 "tensor 'a': shape has more than 8 dims (focus::kMaxRank)");
}

TEST_CASE("safetensors: rejects shapes whose size overflows") {
  check_rejected("size_overflow", file_bytes(two_tensors("[4611686018427387904,4]"), kData40),
                 "tensor 'a': shape [4611686018427387904, 4] of F32 needs more than 2^63 - 1 bytes (size overflow)");
  check_rejected("size_overflow_bytes", file_bytes(two_tensors("[2305843009213693952]"), kData40),
                 "tensor 'a': shape [2305843009213693952] of F32 needs more than 2^63 - 1 bytes (size overflow)");
  // A zero after an overflowing prefix is still rejected, as the reference reader does.
  check_rejected("size_overflow_before_zero", file_bytes(two_tensors("[4294967296,4294967296,0]"), kData40),
                 "tensor 'a': shape [4294967296, 4294967296, 0] of F32 needs more than 2^63 - 1 bytes (size overflow)");
  check_rejected("shape_beyond_int64", file_bytes(two_tensors("[18446744073709551616]"), kData40),
                 "header JSON: integer does not fit in 64 bits at byte 29");
}

TEST_CASE("safetensors: rejects negative or reversed offsets") {
  check_rejected("negative_offset", file_bytes(two_tensors("[2,3]", "[-8,16]"), kData40),
                 "tensor 'a': data_offsets entries must be non-negative integers; got -8");
  check_rejected("reversed_offsets", file_bytes(two_tensors("[2,3]", "[24,0]", "[0,16]"), kData40),
                 "tensor 'a': data_offsets [24, 0] have begin after end");
  check_rejected("three_offsets", file_bytes(two_tensors("[2,3]", "[0,24,40]"), kData40),
                 "tensor 'a': data_offsets must be [begin, end]; got more than 2 entries");
  check_rejected("one_offset", file_bytes(two_tensors("[2,3]", "[24]"), kData40),
                 "tensor 'a': data_offsets must be [begin, end]; got 1 entry");
}

TEST_CASE("safetensors: rejects offsets that do not start at 0") {
  check_rejected("offsets_not_at_zero", file_bytes(two_tensors("[2,3]", "[8,32]", "[32,48]"), std::string(48, '\0')),
                 "tensor 'a': data_offsets [8, 32] do not start at 0; the first tensor's data must begin the data buffer");
}

TEST_CASE("safetensors: rejects a gap between tensors") {
  check_rejected("gap", file_bytes(two_tensors("[2,3]", "[0,24]", "[32,48]"), std::string(48, '\0')),
                 "tensor 'b': data_offsets [32, 48] leave a gap of 8 bytes after tensor 'a' [0, 24]");
}

TEST_CASE("safetensors: rejects overlapping tensors") {
  check_rejected("overlap", file_bytes(two_tensors("[2,3]", "[0,24]", "[16,32]"), std::string(32, '\0')),
                 "tensor 'b': data_offsets [16, 32] overlap tensor 'a' [0, 24]");
  check_rejected("same_span", file_bytes(two_tensors("[2]", "[0,8]", "[0,16]"), std::string(16, '\0')),
                 "tensor 'b': data_offsets [0, 16] overlap tensor 'a' [0, 8]");
  // An empty tensor inside another's span breaks the chain too.
  check_rejected("empty_inside_span", file_bytes(two_tensors("[0]", "[8,8]", "[0,16]"), std::string(16, '\0')),
                 "tensor 'a': data_offsets [8, 8] overlap tensor 'b' [0, 16]");
}

TEST_CASE("safetensors: rejects trailing bytes and truncated data") {
  check_rejected("trailing_bytes", file_bytes(two_tensors(), std::string(44, '\0')),
                 "data buffer has 4 trailing bytes after the tensor data (44 bytes, tensors end at 40)");
  check_rejected("data_without_tensors", file_bytes("{}", "x"),
                 "data buffer has 1 trailing byte after the tensor data (1 byte, tensors end at 0)");
  check_rejected("truncated_data", file_bytes(two_tensors(), std::string(36, '\0')),
                 "data buffer is 36 bytes but tensor 'b' ends at 40 (truncated file?)");
}

TEST_CASE("safetensors: rejects a span that does not match shape and dtype") {
  check_rejected("span_size_mismatch",
                 file_bytes(R"({"encoder.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}})", std::string(12, '\0')),
                 "tensor 'encoder.weight': data_offsets span 12 bytes but shape [2, 3] of F32 needs 24");
}

TEST_CASE("safetensors: rejects __metadata__ that is not an object of strings") {
  check_rejected("metadata_value_not_string", file_bytes(R"({"__metadata__":{"format":"pt","epoch":3}})"),
                 "__metadata__ entry 'epoch' must be a string; got an integer");
  check_rejected("metadata_not_object", file_bytes(R"({"__metadata__":["pt"]})"),
                 "__metadata__ must be an object of strings; got an array");
}

TEST_CASE("safetensors: rejects aliases to tensors that are not in the file") {
  check_rejected("alias_missing_target", file_bytes(R"({"__metadata__":{"focus.alias.b":"zz"}})"),
                 "__metadata__ entry 'focus.alias.b' ties to tensor 'zz', which is not in the file");
  check_rejected("alias_shadows_tensor",
                 file_bytes(R"({"__metadata__":{"focus.alias.a":"a"},"a":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}})",
                            std::string(1, '\0')),
                 "__metadata__ entry 'focus.alias.a' ties a name the file already uses");
}

TEST_CASE("safetensors: rejects BOOL bytes other than 0 and 1") {
  check_rejected("bool_byte_2", file_bytes(R"({"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x01\x02\x00", 3)),
                 "tensor 'mask': BOOL element 1 is byte 2; BOOL bytes must be 0 or 1");
}

TEST_CASE("safetensors: messages show hostile names escaped and cut short") {
  check_rejected("long_name", file_bytes(std::string(R"({"evil\n)") + std::string(200, 'x') + R"(":{"dtype":"F16"}})"),
                 "tensor 'evil\\n" + std::string(91, 'x') + "...': unsupported dtype 'F16'; focus reads F32, F64, I64 and BOOL");
}

// ---- valid seeds and the corpus replay ------------------------------------------------------------

TEST_CASE("safetensors: valid seeds load") {
  const auto seed = [](const std::string& name, const std::string& bytes) {
    keep_seed(name, bytes);
    CHECK_NOTHROW((void)parse(bytes));
  };
  seed("valid_no_tensors", file_bytes("{}"));
  seed("valid_metadata_only", to_string(serialize_safetensors({}, {{"epoch", "3"}})));
  const Tensor w = tensor(std::vector<float>{1, 2, 3, 4}, {2, 2});
  seed("valid_all_dtypes", to_string(serialize_safetensors({
                               {"w", w},
                               {"tied", w},
                               {"d", tensor(std::vector<double>{0.5, -2})},
                               {"i", tensor(std::vector<std::int64_t>{1, -1, 3}, {3, 1})},
                               {"m", tensor(std::vector<bool>{true, false}, {2})},
                               {"s", scalar_tensor(2.0, kFloat64)},
                               {"e", zeros({2, 0}, kInt64)},
                           })));
  // Offsets in any order in the header, empty tensors sharing an offset.
  seed("valid_unsorted_offsets",
       file_bytes(R"({"b":{"dtype":"I64","shape":[2],"data_offsets":[24,40]},"e":{"dtype":"F32","shape":[0],"data_offsets":[24,24]},)"
                  R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"z":{"dtype":"BOOL","shape":[0,5],"data_offsets":[24,24]}})",
                  kData40));
}

TEST_CASE("safetensors: every corpus seed loads or throws FormatError") {
  int seeds = 0, loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpusDir)) {
    const std::string path = entry.path().string();
    CAPTURE(path);
    const std::string bytes = read_file(path);
    ++seeds;
    try {
      (void)parse(bytes);
      ++loaded;
    } catch (const FormatError&) {
      // the expected way to fail
    } catch (const std::exception& e) {
      FAIL("threw something other than FormatError: " << e.what());
    }
  }
  MESSAGE(seeds << " seeds, " << loaded << " load");
  CHECK(seeds >= 40);
  CHECK(loaded >= 4);
}
