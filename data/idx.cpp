// The IDX reader: gunzip (zlib) when the file starts with the gzip magic, then check the header
// field by field, in file order, so the first rule broken is the one reported, and only then copy
// the payload. Sizes are computed in uint64 with an explicit overflow check: a header may claim
// anything.
#include <focus/data/idx.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <zlib.h>

#include <focus/tensor/error.h>

namespace focus::data {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& rule) {
  throw FormatError("read_idx: " + name + ": " + rule);
}

std::string hex_byte(std::uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(b));
  return text;
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::uint32_t big_endian_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return v;
}

}  // namespace

std::size_t idx_element_size(std::uint8_t type_code) {
  switch (type_code) {
    case kIdxUByte: case kIdxSByte: return 1;
    case kIdxInt16: return 2;
    case kIdxInt32: case kIdxFloat32: return 4;
    case kIdxFloat64: return 8;
    default: return 0;
  }
}

const char* idx_type_name(std::uint8_t type_code) {
  switch (type_code) {
    case kIdxUByte: return "ubyte";
    case kIdxSByte: return "sbyte";
    case kIdxInt16: return "int16";
    case kIdxInt32: return "int32";
    case kIdxFloat32: return "float32";
    case kIdxFloat64: return "float64";
    default: return "unknown";
  }
}

IdxArray parse_idx(std::string_view bytes, const std::string& name) {
  if (bytes.size() < 4) fail(name, "an IDX file starts with a 4-byte magic; got " + std::to_string(bytes.size()) + " bytes");
  const auto b0 = static_cast<std::uint8_t>(bytes[0]), b1 = static_cast<std::uint8_t>(bytes[1]);
  if (b0 != 0 || b1 != 0)
    fail(name, "the magic must start with two zero bytes; got " + hex_byte(b0) + " " + hex_byte(b1) +
                   (is_gzip(bytes) ? " (gzip data: read it with read_idx, which decompresses)" : ""));
  IdxArray out;
  out.type_code = static_cast<std::uint8_t>(bytes[2]);
  const std::size_t element = idx_element_size(out.type_code);
  if (element == 0)
    fail(name, "the type code must be one IDX defines (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, "
               "0x0D float32, 0x0E float64); got " + hex_byte(out.type_code));
  const int rank = static_cast<std::uint8_t>(bytes[3]);
  if (rank < 1 || rank > kIdxMaxRank)
    fail(name, "the rank must be from 1 to " + std::to_string(kIdxMaxRank) + "; got " + std::to_string(rank));
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  if (bytes.size() < header)
    fail(name, "a rank-" + std::to_string(rank) + " header takes " + std::to_string(header) + " bytes; got a " +
                   std::to_string(bytes.size()) + "-byte file");
  // Dims are < 2^32 each; the running byte count stays below 2^63 or the header is rejected.
  std::uint64_t payload = element;
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 62;
  bool overflow = false;
  for (int d = 0; d < rank; ++d) {
    const std::uint32_t n = big_endian_u32(bytes, 4 + 4 * static_cast<std::size_t>(d));
    out.dims.push_back(n);
    if (n == 0) fail(name, "every dimension must be at least 1; got 0 for dimension " + std::to_string(d));
    if (payload > kLimit / n) overflow = true;
    if (!overflow) payload *= n;
  }
  if (overflow)
    fail(name, "the dimensions' size overflows; got dims=" + dims_text(out.dims) + " of " + idx_type_name(out.type_code));
  const std::uint64_t have = bytes.size() - header;
  if (have != payload)
    fail(name, std::string(have < payload ? "the payload is truncated" : "trailing bytes after the payload") +
                   ": dims=" + dims_text(out.dims) + " of " + idx_type_name(out.type_code) + " take " +
                   std::to_string(payload) + " bytes; got " + std::to_string(have));
  out.data.assign(bytes.substr(header));
  return out;
}

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<std::uint8_t>(bytes[0]) == 0x1F && static_cast<std::uint8_t>(bytes[1]) == 0x8B;
}

std::string gunzip(std::string_view bytes, const std::string& name, std::size_t max_bytes) {
  if (!is_gzip(bytes)) fail(name, "gzip data starts with 1f 8b; got something else");
  z_stream z{};
  // 16 + MAX_WBITS: a gzip wrapper (header and CRC-32 trailer checked), not zlib or raw deflate.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) fail(name, "zlib could not start inflating");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  std::string out;
  // The trailer's ISIZE (the size mod 2^32) is a hint for one allocation, never trusted beyond the cap.
  if (bytes.size() >= 18) {
    const auto* tail = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size() - 4);
    const std::size_t hint = tail[0] | (tail[1] << 8) | (tail[2] << 16) | (std::size_t{tail[3]} << 24);
    // Deflate expands at most about 1032:1, so a bigger hint is a lie (or a truncated file).
    out.reserve(std::min({hint, max_bytes, bytes.size() * 1032}));
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  // zlib counts in uInt; the caller's bytes come from a file capped at kIdxMaxBytes, but be exact.
  std::size_t left_in = bytes.size();
  const auto feed = [&] {
    if (z.avail_in == 0 && left_in > 0) {
      z.avail_in = static_cast<uInt>(std::min<std::size_t>(left_in, 1u << 30));
      left_in -= z.avail_in;
    }
  };
  char chunk[1 << 16];
  for (;;) {
    feed();
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = sizeof chunk - z.avail_out;
    if (out.size() + produced > max_bytes)
      fail(name, "the gzip stream inflates past the " + std::to_string(max_bytes) + "-byte limit");
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && left_in == 0) return out;
      // Another gzip member may follow (cat a.gz b.gz > ab.gz); anything else is junk.
      if (!is_gzip(std::string_view(reinterpret_cast<const char*>(z.next_in), z.avail_in)))
        fail(name, "trailing bytes after the gzip stream; got " + std::to_string(z.avail_in + left_in) + " more bytes");
      if (inflateReset(&z) != Z_OK) fail(name, "zlib could not restart for the next gzip member");
      continue;
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
      fail(name, std::string("the gzip stream is corrupt; got zlib's \"") + (z.msg ? z.msg : "data error") + "\"");
    if (rc == Z_MEM_ERROR) fail(name, "zlib ran out of memory inflating the gzip stream");
    // Z_BUF_ERROR with no input left and no output made: the stream ends before its trailer.
    if (rc == Z_BUF_ERROR && produced == 0 && z.avail_in == 0 && left_in == 0)
      fail(name, "the gzip stream is truncated: it ends before its trailer after " + std::to_string(out.size()) +
                     " inflated bytes");
    if (rc != Z_OK && rc != Z_BUF_ERROR) fail(name, "zlib failed with code " + std::to_string(rc));
  }
}

IdxArray read_idx(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "cannot open file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open file: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) fail(path, std::string("cannot read file: ") + std::strerror(errno));
  if (static_cast<std::uint64_t>(size) > kIdxMaxBytes)
    fail(path, "the file is larger than the " + std::to_string(kIdxMaxBytes) + "-byte limit; got " +
                   std::to_string(size) + " bytes");
  in.seekg(0);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), size);
  if (in.gcount() != size) fail(path, std::string("cannot read file: ") + std::strerror(errno));
  if (is_gzip(bytes)) return parse_idx(gunzip(bytes, path), path);
  return parse_idx(bytes, path);
}

}  // namespace focus::data
