// safetensors reading and writing. Reading: check the 8-byte length, check and walk the header
// JSON into a list of entries (dtype, shape, span), check that the spans tile the data buffer,
// and only then allocate tensors and copy bytes into them. Writing: plan the header exactly as
// the reference writer would, then stream header and tensor bytes into an io::AtomicFile, which
// renames its temporary over the target once it is safely on disk.
#include <focus/io/safetensors.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <compare>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <focus/io/atomic_file.h>
#include <focus/io/json.h>
#include <focus/tensor/kernel.h>

namespace focus::io {

namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; focus copies it as is, so the host must be too");
static_assert(sizeof(bool) == 1, "BOOL elements are one byte in the file and in memory");

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // the reference reader's limit
constexpr std::string_view kMetadataKey = "__metadata__";

// ---- dtypes -----------------------------------------------------------------------------------

std::string_view dtype_code(DType dt) {
  switch (dt) {
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
    case DType::Int64: return "I64";
    case DType::Bool: return "BOOL";
  }
  return "?";
}

bool dtype_from_code(std::string_view code, DType* dt) {
  for (DType candidate : {kFloat32, kFloat64, kInt64, kBool}) {
    if (dtype_code(candidate) == code) {
      *dt = candidate;
      return true;
    }
  }
  return false;
}

// The reference writer orders tensors by its dtype enum, descending. That enum lists dtypes in
// increasing alignment and puts I64 after F64, so 8-byte I64 tensors come before F64 ones.
int write_rank(DType dt) {
  switch (dt) {
    case DType::Bool: return 0;
    case DType::Float32: return 1;
    case DType::Float64: return 2;
    case DType::Int64: return 3;
  }
  return 0;
}

// ---- messages ---------------------------------------------------------------------------------

// A name as messages show it: 'encoder.weight', control characters escaped, cut after 96 bytes.
// Names reaching here are valid UTF-8 (the JSON reader checked), so the cut can find a boundary.
std::string shown(std::string_view name) {
  constexpr std::size_t kMax = 96;
  std::string_view cut = name;
  if (name.size() > kMax) {
    std::size_t end = kMax;
    while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
    cut = name.substr(0, end);
  }
  const std::string quoted = json::quote(cut);
  return "'" + quoted.substr(1, quoted.size() - 2) + (cut.size() < name.size() ? "...'" : "'");
}

// "1 byte", "24 bytes".
template <class N>
std::string count_of(N n, const std::string& noun, const std::string& nouns = "") {
  return std::to_string(n) + " " + (n == 1 ? noun : nouns.empty() ? noun + "s" : nouns);
}

std::string span_text(std::int64_t begin, std::int64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

[[noreturn]] void reject(const std::string& source, const std::string& rule) {
  throw FormatError("load_safetensors: " + source + ": " + rule);
}

// ---- reading the header -----------------------------------------------------------------------

struct Entry {
  std::string name;
  DType dtype = kFloat32;
  Shape shape;
  std::int64_t begin = 0, end = 0;  // byte span in the data buffer
};

struct Header {
  std::vector<Entry> entries;  // sorted by span once checked
  Metadata metadata;
  std::vector<std::pair<std::string, std::string>> aliases;  // (alias, stored name)
};

// Errors about one tensor: "load_safetensors: <source>: tensor '<name>': <rule>".
struct TensorContext {
  const std::string& source;
  const std::string& name;
  [[noreturn]] void fail(const std::string& rule) const { reject(source, "tensor " + shown(name) + ": " + rule); }
};

std::string number_text(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "a float";
}

// A shape entry or an offset: a non-negative integer.
std::int64_t read_count(json::Reader& reader, const TensorContext& tensor, const std::string& rule) {
  const json::Kind kind = reader.peek();
  if (kind == json::Kind::Integer) {
    const std::int64_t value = reader.read_integer();
    if (value >= 0) return value;
    tensor.fail(rule + "; got " + std::to_string(value));
  }
  if (kind == json::Kind::Float) tensor.fail(rule + "; got " + number_text(reader.read_number()));
  tensor.fail(rule + "; got " + std::string(json::kind_name(kind)));
}

Shape read_shape(json::Reader& reader, const TensorContext& tensor) {
  const std::string rule = "shape entries must be non-negative integers";
  const json::Kind kind = reader.peek();
  if (kind != json::Kind::Array)
    tensor.fail("shape must be an array of non-negative integers; got " + std::string(json::kind_name(kind)));
  Shape shape;
  reader.begin_array();
  while (reader.next_element()) {
    if (shape.size() == kMaxRank)
      tensor.fail("shape has more than " + std::to_string(kMaxRank) + " dims (focus::kMaxRank)");
    shape.push_back(read_count(reader, tensor, rule));
  }
  return shape;
}

void read_offsets(json::Reader& reader, const TensorContext& tensor, Entry& entry) {
  const std::string rule = "data_offsets entries must be non-negative integers";
  const json::Kind kind = reader.peek();
  if (kind != json::Kind::Array)
    tensor.fail("data_offsets must be an array [begin, end]; got " + std::string(json::kind_name(kind)));
  std::int64_t offsets[2] = {0, 0};
  int count = 0;
  reader.begin_array();
  while (reader.next_element()) {
    if (count == 2) tensor.fail("data_offsets must be [begin, end]; got more than 2 entries");
    offsets[count++] = read_count(reader, tensor, rule);
  }
  if (count != 2) tensor.fail("data_offsets must be [begin, end]; got " + count_of(count, "entry", "entries"));
  entry.begin = offsets[0];
  entry.end = offsets[1];
  if (entry.begin > entry.end)
    tensor.fail("data_offsets " + span_text(entry.begin, entry.end) + " have begin after end");
}

// Bytes of a tensor of this shape and dtype, or -1 when that overflows int64. The product runs
// left to right as the reference reader's (and focus::checked_numel) does, so a shape with a
// zero after an overflowing prefix is rejected too.
std::int64_t checked_nbytes(const Shape& shape, DType dtype) {
  std::int64_t n = 1;
  for (const std::int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n)) return -1;
  if (__builtin_mul_overflow(n, static_cast<std::int64_t>(element_size(dtype)), &n)) return -1;
  return n;
}

Entry read_entry(json::Reader& reader, std::string name, const std::string& source) {
  Entry entry;
  entry.name = std::move(name);
  const TensorContext tensor{source, entry.name};
  const json::Kind kind = reader.peek();
  if (kind != json::Kind::Object)
    tensor.fail("entry must be an object with dtype, shape and data_offsets; got " +
                std::string(json::kind_name(kind)));
  bool has_dtype = false, has_shape = false, has_offsets = false;
  reader.begin_object();
  std::string field;
  while (reader.next_key(field)) {
    if (field == "dtype") {
      has_dtype = true;
      const json::Kind dtype_kind = reader.peek();
      if (dtype_kind != json::Kind::String)
        tensor.fail("dtype must be a string; got " + std::string(json::kind_name(dtype_kind)));
      const std::string code = reader.read_string();
      if (!dtype_from_code(code, &entry.dtype))
        tensor.fail("unsupported dtype " + shown(code) + "; focus reads F32, F64, I64 and BOOL");
    } else if (field == "shape") {
      has_shape = true;
      entry.shape = read_shape(reader, tensor);
    } else if (field == "data_offsets") {
      has_offsets = true;
      read_offsets(reader, tensor, entry);
    } else {
      tensor.fail("unknown field " + shown(field) + "; an entry has exactly dtype, shape and data_offsets");
    }
  }
  if (!has_dtype) tensor.fail("missing field 'dtype'");
  if (!has_shape) tensor.fail("missing field 'shape'");
  if (!has_offsets) tensor.fail("missing field 'data_offsets'");

  const std::string what = "shape " + to_string(entry.shape) + " of " + std::string(dtype_code(entry.dtype));
  const std::int64_t nbytes = checked_nbytes(entry.shape, entry.dtype);
  if (nbytes < 0) tensor.fail(what + " needs more than 2^63 - 1 bytes (size overflow)");
  if (entry.end - entry.begin != nbytes)
    tensor.fail("data_offsets span " + count_of(entry.end - entry.begin, "byte") + " but " + what + " needs " +
                std::to_string(nbytes));
  return entry;
}

void read_metadata(json::Reader& reader, const std::string& source, Header& header) {
  const json::Kind kind = reader.peek();
  if (kind != json::Kind::Object)
    reject(source, "__metadata__ must be an object of strings; got " + std::string(json::kind_name(kind)));
  reader.begin_object();
  std::string key;
  while (reader.next_key(key)) {
    const json::Kind value_kind = reader.peek();
    if (value_kind != json::Kind::String)
      reject(source, "__metadata__ entry " + shown(key) + " must be a string; got " +
                       std::string(json::kind_name(value_kind)));
    std::string value = reader.read_string();
    if (key.starts_with(kAliasPrefix))
      header.aliases.emplace_back(key.substr(kAliasPrefix.size()), std::move(value));
    else
      header.metadata.emplace(key, std::move(value));
  }
}

// The spans, sorted by (begin, end), must tile [0, data_size): the first starts at 0, each starts
// where the one before ended, and the last ends at data_size. Zero-byte spans sit anywhere on
// that chain.
void check_layout(std::vector<Entry>& entries, std::uint64_t data_size, const std::string& source) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::int64_t covered = 0;  // bytes [0, covered) belong to the tensors seen so far
  const Entry* previous = nullptr;
  for (const Entry& entry : entries) {
    const TensorContext tensor{source, entry.name};
    const std::string span = "data_offsets " + span_text(entry.begin, entry.end);
    if (entry.begin > covered && covered == 0)
      tensor.fail(span + " do not start at 0; the first tensor's data must begin the data buffer");
    if (entry.begin > covered)
      tensor.fail(span + " leave a gap of " + count_of(entry.begin - covered, "byte") + " after tensor " +
                  shown(previous->name) + " " + span_text(previous->begin, previous->end));
    if (entry.begin < covered)
      tensor.fail(span + " overlap tensor " + shown(previous->name) + " " +
                  span_text(previous->begin, previous->end));
    covered = entry.end;
    previous = &entry;
  }
  const auto end = static_cast<std::uint64_t>(covered);
  if (data_size > end)
    reject(source, "data buffer has " + count_of(data_size - end, "trailing byte") + " after the tensor data (" +
                     count_of(data_size, "byte") + ", tensors end at " + std::to_string(end) + ")");
  if (data_size < end)
    reject(source, "data buffer is " + count_of(data_size, "byte") + " but tensor " + shown(previous->name) +
                     " ends at " + std::to_string(end) + " (truncated file?)");
}

void check_aliases(const Header& header, const std::string& source) {
  std::set<std::string_view> stored;
  for (const Entry& entry : header.entries) stored.insert(entry.name);
  for (const auto& [alias, target] : header.aliases) {
    const std::string key = shown(std::string(kAliasPrefix) + alias);
    if (!stored.contains(target))
      reject(source, "__metadata__ entry " + key + " ties to tensor " + shown(target) + ", which is not in the file");
    if (stored.contains(alias) || alias == kMetadataKey)
      reject(source, "__metadata__ entry " + key + " ties a name the file already uses");
  }
}

// Everything but the data bytes: header text and data buffer size in, checked entries out.
Header read_header(std::string_view text, std::uint64_t data_size, const std::string& source) {
  std::size_t bad_at = 0;
  if (!json::is_valid_utf8(text, &bad_at)) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(text[bad_at])));
    reject(source, "header is not valid UTF-8 (byte " + std::string(byte) + " at header offset " +
                     std::to_string(bad_at) + ")");
  }
  Header header;
  json::Reader reader(text, "load_safetensors: " + source + ": header JSON");
  const json::Kind kind = reader.peek();
  if (kind != json::Kind::Object)
    reject(source, "header must be a JSON object; got " + std::string(json::kind_name(kind)));
  reader.begin_object();
  std::string name;
  while (reader.next_key(name)) {
    if (name == kMetadataKey)
      read_metadata(reader, source, header);
    else
      header.entries.push_back(read_entry(reader, std::move(name), source));
  }
  reader.finish();
  check_layout(header.entries, data_size, source);
  check_aliases(header, source);
  return header;
}

std::uint64_t read_u64_le(const std::uint8_t* p) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | p[i];
  return n;
}

// Checks the file size and the 8-byte header length in prefix; returns the header length.
std::uint64_t check_header_length(std::uint64_t file_size, const std::uint8_t* prefix, const std::string& source) {
  if (file_size < 8)
    reject(source, "file is " + count_of(file_size, "byte") + "; a safetensors file starts with an 8-byte header length");
  const std::uint64_t n = read_u64_le(prefix);
  if (n > kMaxHeaderBytes)
    reject(source, "header length " + std::to_string(n) + " exceeds the limit of " + std::to_string(kMaxHeaderBytes) +
                     " bytes");
  if (n > file_size - 8)
    reject(source, "header length " + std::to_string(n) + " runs past the end of the file (" +
                     count_of(file_size - 8, "byte") + " after the length field)");
  return n;
}

// Allocates each tensor and has read_bytes(entry, destination) fill it; checks BOOL bytes.
TensorFile build_tensors(Header header, const std::string& source,
                         const std::function<void(const Entry&, void*)>& read_bytes) {
  TensorFile file;
  file.metadata = std::move(header.metadata);
  for (const Entry& entry : header.entries) {
    Tensor t = Tensor::empty(entry.shape, entry.dtype);
    if (entry.end > entry.begin) read_bytes(entry, t.storage()->data());
    if (entry.dtype == kBool) {
      const auto* bytes = static_cast<const std::uint8_t*>(t.storage()->data());
      for (std::int64_t i = 0; i < entry.end - entry.begin; ++i) {
        if (bytes[i] > 1)
          TensorContext{source, entry.name}.fail("BOOL element " + std::to_string(i) + " is byte " +
                                                 std::to_string(bytes[i]) + "; BOOL bytes must be 0 or 1");
      }
    }
    file.tensors.emplace(entry.name, std::move(t));
  }
  for (const auto& [alias, target] : header.aliases) file.tensors.emplace(alias, file.tensors.at(target));
  return file;
}

// ---- writing ----------------------------------------------------------------------------------

struct Planned {
  std::string name;
  Tensor tensor;
  std::int64_t nbytes = 0;
};

struct Plan {
  std::string header;  // JSON padded to a multiple of 8 bytes
  std::vector<Planned> tensors;  // in file order
  std::uint64_t data_bytes = 0;
};

void check_utf8(std::string_view s, const std::string& what) {
  std::size_t bad_at = 0;
  if (!json::is_valid_utf8(s, &bad_at))
    throw ValueError("save_safetensors: " + what + " must be valid UTF-8; got a bad byte at offset " +
                     std::to_string(bad_at));
}

// Identifies a view: two names with equal keys are tied weights.
struct ViewKey {
  std::uintptr_t storage;
  std::int64_t offset;
  DType dtype;
  std::vector<std::int64_t> shape, strides;
  auto operator<=>(const ViewKey&) const = default;
};

Plan make_plan(const std::vector<std::pair<std::string, Tensor>>& tensors, const Metadata& metadata) {
  std::vector<const std::pair<std::string, Tensor>*> by_name;
  for (const auto& item : tensors) {
    const std::string& name = item.first;
    check_utf8(name, "tensor names");
    if (name == kMetadataKey)
      throw ValueError("save_safetensors: no tensor may be named '__metadata__' (the header's metadata key)");
    if (!item.second.defined()) throw ValueError("save_safetensors: tensor " + shown(name) + " is undefined");
    by_name.push_back(&item);
  }
  std::sort(by_name.begin(), by_name.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (std::size_t i = 1; i < by_name.size(); ++i)
    if (by_name[i]->first == by_name[i - 1]->first)
      throw ValueError("save_safetensors: tensor names must be unique; got " + shown(by_name[i]->first) + " twice");

  Metadata header_metadata{{"format", "pt"}};
  for (const auto& [key, value] : metadata) {
    check_utf8(key, "metadata keys");
    check_utf8(value, "metadata values");
    if (key.starts_with(kAliasPrefix))
      throw ValueError("save_safetensors: metadata keys starting with '" + std::string(kAliasPrefix) +
                       "' are reserved for tied tensors; got " + shown(key));
    header_metadata[key] = value;
  }

  // Tied weights: the first name (in byte order) of each distinct view is stored.
  Plan plan;
  std::map<ViewKey, std::string> stored_as;
  for (const auto* item : by_name) {
    const Tensor& t = item->second;
    ViewKey key{reinterpret_cast<std::uintptr_t>(t.storage().get()), t.offset(), t.dtype(), t.shape().vec(),
                t.strides().vec()};
    const auto [it, inserted] = stored_as.emplace(std::move(key), item->first);
    if (!inserted) {
      header_metadata[std::string(kAliasPrefix) + item->first] = it->second;
      continue;
    }
    plan.tensors.push_back({item->first, t, t.numel() * static_cast<std::int64_t>(element_size(t.dtype()))});
  }
  std::stable_sort(plan.tensors.begin(), plan.tensors.end(), [](const Planned& a, const Planned& b) {
    return write_rank(a.tensor.dtype()) > write_rank(b.tensor.dtype());
  });

  std::string& h = plan.header;
  h = "{\"__metadata__\":{";
  bool first = true;
  for (const auto& [key, value] : header_metadata) {
    if (!first) h += ',';
    first = false;
    h += json::quote(key) + ":" + json::quote(value);
  }
  h += '}';
  for (const Planned& p : plan.tensors) {
    h += ',';
    h += json::quote(p.name);
    h += ":{\"dtype\":\"";
    h += dtype_code(p.tensor.dtype());
    h += "\",\"shape\":[";
    for (int d = 0; d < p.tensor.dim(); ++d) {
      if (d) h += ',';
      h += std::to_string(p.tensor.size(d));
    }
    h += "],\"data_offsets\":[";
    h += std::to_string(plan.data_bytes);
    h += ',';
    h += std::to_string(plan.data_bytes + p.nbytes);
    h += "]}";
    plan.data_bytes += p.nbytes;
  }
  h += '}';
  h.append((8 - h.size() % 8) % 8, ' ');  // keeps the data buffer 8-byte aligned in the file
  return plan;
}

// Calls sink(bytes, count) with the whole file: length, header, each tensor's contiguous bytes.
void emit(const Plan& plan, const std::function<void(const void*, std::size_t)>& sink) {
  std::uint8_t length[8];
  std::uint64_t n = plan.header.size();
  for (int i = 0; i < 8; ++i, n >>= 8) length[i] = static_cast<std::uint8_t>(n & 0xFF);
  sink(length, 8);
  sink(plan.header.data(), plan.header.size());
  for (const Planned& p : plan.tensors) {
    if (p.nbytes == 0) continue;
    const Tensor c = kernel::contiguous(p.tensor);
    const auto* bytes = static_cast<const char*>(c.storage()->data()) +
                        c.offset() * static_cast<std::int64_t>(element_size(c.dtype()));
    sink(bytes, static_cast<std::size_t>(p.nbytes));
  }
}

std::string errno_text(int err) { return std::strerror(err); }

// ---- reading a file ---------------------------------------------------------------------------

class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) reject(path_, "cannot open: " + errno_text(errno));
  }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  ~ReadOnlyFile() { ::close(fd_); }

  std::uint64_t size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) reject(path_, "cannot stat: " + errno_text(errno));
    if (S_ISDIR(st.st_mode)) reject(path_, "cannot read: " + errno_text(EISDIR));
    if (!S_ISREG(st.st_mode)) reject(path_, "cannot read: not a regular file");
    return static_cast<std::uint64_t>(st.st_size);
  }

  // Exactly size bytes from offset, or FormatError.
  void read(void* data, std::uint64_t size, std::uint64_t offset) const {
    char* p = static_cast<char*>(data);
    while (size > 0) {
      const ssize_t got = ::pread(fd_, p, std::min<std::uint64_t>(size, 1u << 30), static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) reject(path_, "read failed: " + errno_text(errno));
      if (got == 0)
        reject(path_, "file ended at byte " + std::to_string(offset) + " while reading (was it changed meanwhile?)");
      p += got;
      size -= static_cast<std::uint64_t>(got);
      offset += static_cast<std::uint64_t>(got);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

// ---- public API -------------------------------------------------------------------------------

std::vector<std::uint8_t> serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                                const Metadata& metadata) {
  const Plan plan = make_plan(tensors, metadata);
  std::vector<std::uint8_t> out;
  out.reserve(8 + plan.header.size() + plan.data_bytes);
  emit(plan, [&](const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out.insert(out.end(), bytes, bytes + size);
  });
  return out;
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const Metadata& metadata) {
  const Plan plan = make_plan(tensors, metadata);  // bad input throws before the disk is touched
  AtomicFile file(path, "save_safetensors");
  emit(plan, [&](const void* data, std::size_t size) { file.write(data, size); });
  file.commit();
}

TensorFile parse_safetensors(const std::uint8_t* data, std::size_t size, const std::string& source) {
  const std::uint8_t zeros[8] = {};
  const std::uint64_t n = check_header_length(size, size >= 8 ? data : zeros, source);
  const std::string_view text(reinterpret_cast<const char*>(data) + 8, n);
  Header header = read_header(text, size - 8 - n, source);
  const std::uint8_t* buffer = data + 8 + n;
  return build_tensors(std::move(header), source, [&](const Entry& entry, void* destination) {
    std::memcpy(destination, buffer + entry.begin, static_cast<std::size_t>(entry.end - entry.begin));
  });
}

TensorFile load_safetensors(const std::string& path) {
  const ReadOnlyFile file(path);
  const std::uint64_t size = file.size();
  std::uint8_t prefix[8] = {};
  if (size >= 8) file.read(prefix, 8, 0);
  const std::uint64_t n = check_header_length(size, prefix, path);
  std::string text(n, '\0');
  file.read(text.data(), n, 8);
  Header header = read_header(text, size - 8 - n, path);
  return build_tensors(std::move(header), path, [&](const Entry& entry, void* destination) {
    file.read(destination, static_cast<std::uint64_t>(entry.end - entry.begin),
              8 + n + static_cast<std::uint64_t>(entry.begin));
  });
}

}  // namespace focus::io
