// The IDX file format (LeCun's MNIST files, Fashion-MNIST): a 4-byte magic (two zero bytes, a type
// code, the rank), rank big-endian uint32 dimensions, then the elements row-major and big-endian.
// The reader checks every header field and the payload's exact length before handing anything
// out, and gunzips (zlib) a file that starts with the gzip magic, with a cap on the output so a
// zip bomb cannot exhaust memory. Every error is a FormatError "read_idx: <file>: <rule>; got ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace focus::data {

// The element types IDX defines, by their type code (the magic's third byte).
inline constexpr std::uint8_t kIdxUByte = 0x08, kIdxSByte = 0x09, kIdxInt16 = 0x0B, kIdxInt32 = 0x0C,
                              kIdxFloat32 = 0x0D, kIdxFloat64 = 0x0E;
// At most this many dimensions: IDX allows 255, data sets use 1 to 4; more is a corrupt header.
inline constexpr int kIdxMaxRank = 8;
// No IDX file, plain or decompressed, may be larger than this (1 GiB; Fashion-MNIST's largest is
// 47 MB): the cap that stops a zip bomb or a lying header from exhausting memory.
inline constexpr std::size_t kIdxMaxBytes = std::size_t{1} << 30;

// One IDX array as stored: its type code, its dimensions (each at least 1), and its payload
// bytes exactly as in the file (big-endian elements); data.size() == numel * element size.
struct IdxArray {
  std::uint8_t type_code = kIdxUByte;
  std::vector<std::int64_t> dims;
  std::string data;
};

// Bytes per element of an IDX type code (1, 2, 4 or 8), or 0 for a code IDX does not define.
[[nodiscard]] std::size_t idx_element_size(std::uint8_t type_code);
// "ubyte", "sbyte", "int16", "int32", "float32", "float64", or "unknown".
[[nodiscard]] const char* idx_type_name(std::uint8_t type_code);

// Parses an IDX file's bytes (already decompressed). `name` (the file) goes in every error:
// FormatError "read_idx: <name>: <rule>; got ...". Trailing bytes and a short payload are both errors.
[[nodiscard]] IdxArray parse_idx(std::string_view bytes, const std::string& name);

// Decompresses a gzip stream (one member or several, concatenated) into at most max_bytes bytes.
// A corrupt or truncated stream, or one that inflates past max_bytes, throws FormatError
// "read_idx: <name>: <rule>".
[[nodiscard]] std::string gunzip(std::string_view bytes, const std::string& name, std::size_t max_bytes = kIdxMaxBytes);

// True when bytes start with the gzip magic 1f 8b.
[[nodiscard]] bool is_gzip(std::string_view bytes);

// Reads an IDX file, gunzipping it when it starts with the gzip magic, whatever its name.
// Errors name the path: FormatError "read_idx: <path>: <rule>".
[[nodiscard]] IdxArray read_idx(const std::string& path);

}  // namespace focus::data
