// Checkpoints in the Hugging Face safetensors format, readable by PyTorch (safetensors.torch) and
// the rest of that ecosystem: an 8-byte little-endian header length N, N bytes of JSON naming each
// tensor's dtype, shape and byte span, then the raw little-endian data. focus writes F32, F64,
// I64 and BOOL tensors exactly as the reference writer lays them out, saves atomically, and
// validates every byte of a file before trusting it: a bad file throws FormatError, never crashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <focus/tensor/tensor.h>

namespace focus::io {

// The file's "__metadata__": free-form string pairs ("format": "pt", "epoch": "3", ...).
using Metadata = std::map<std::string, std::string>;

struct TensorFile {
  std::map<std::string, Tensor> tensors;
  Metadata metadata;
};

// Tied weights: names that refer to the very same tensor (same storage, offset, dtype, shape and
// strides, e.g. an embedding shared with the output layer) are stored once, under the first name
// in byte order; every other name gets a metadata entry "focus.alias.<name>": "<stored name>".
// Loading turns those entries back into names for the one stored tensor (same storage) and leaves
// them out of TensorFile::metadata. Other readers see the stored name and the metadata entry.
inline constexpr std::string_view kAliasPrefix = "focus.alias.";

// Writes the tensors and metadata to path. The file always carries "format": "pt" in its metadata
// (a caller entry "format" replaces it). Non-contiguous tensors are written contiguously.
// Layout as the reference writer: tensors ordered by dtype alignment (I64, F64, F32, BOOL), then
// by name; header keys in that same order after "__metadata__"; spans contiguous from 0; compact
// JSON padded with spaces to a multiple of 8 bytes.
// Atomic (io::AtomicFile): the bytes go to a temporary file beside path, which is flushed to disk
// and then renamed over path; a failure at any point leaves an existing file at path untouched and
// removes the temporary; temporaries that killed saves of path left behind are removed first.
// Throws ValueError for bad input (undefined tensor, duplicate or invalid UTF-8 name, a name
// "__metadata__", a metadata key starting with kAliasPrefix) and FormatError naming the file and
// the system's reason when the file cannot be written: "save_safetensors: cannot write <path>; got
// File too large".
// To save a loaded TensorFile f: save_safetensors(path, {f.tensors.begin(), f.tensors.end()}, f.metadata).
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const Metadata& metadata = {});

// The bytes save_safetensors writes, in memory.
[[nodiscard]] std::vector<std::uint8_t> serialize_safetensors(
    const std::vector<std::pair<std::string, Tensor>>& tensors, const Metadata& metadata = {});

// Reads a whole file into tensors that own their memory. Throws FormatError
// "load_safetensors: <path>: <rule>" (naming the tensor where there is one) when the file cannot
// be read or breaks any rule of the format (see parse_safetensors).
[[nodiscard]] TensorFile load_safetensors(const std::string& path);

// The same checks on a file already in memory; source names it in errors. Rules: at least 8
// bytes; header length within the file and at most 100,000,000 bytes; header valid UTF-8 and
// strict JSON (no duplicate keys); a top-level object whose members are "__metadata__" (an object
// of strings) or tensors {"dtype": F32|F64|I64|BOOL, "shape": [rank <= kMaxRank non-negative
// integers], "data_offsets": [begin, end]} with begin <= end and end - begin = numel * dtype size
// (computed without overflow); the spans, sorted, start at 0 and tile the data buffer exactly (no
// gap, no overlap, no trailing bytes); BOOL bytes are 0 or 1; aliases name a stored tensor.
[[nodiscard]] TensorFile parse_safetensors(const std::uint8_t* data, std::size_t size, const std::string& source);

}  // namespace focus::io
