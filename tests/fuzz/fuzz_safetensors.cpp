// Fuzz target: the safetensors loader (io::parse_safetensors), fed raw file bytes. Whatever it
// accepts must save again (serialize_safetensors) and load back to the same names, dtypes, shapes,
// metadata and bytes. Seed corpus: tests/corpus/safetensors/.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <focus/io/safetensors.h>

#include "fuzz_target.h"

namespace {

using focus::io::TensorFile;

std::vector<std::uint8_t> save(const TensorFile& file) {
  return focus::io::serialize_safetensors({file.tensors.begin(), file.tensors.end()}, file.metadata);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using focus::fuzz::fuzz_require;
  TensorFile file;
  if (!focus::fuzz::accepts([&] { file = focus::io::parse_safetensors(data, size, "fuzz.safetensors"); })) return 0;

  // Saving a loaded file never throws; loading what was saved gives the file back.
  const std::vector<std::uint8_t> bytes = save(file);
  const TensorFile again = focus::io::parse_safetensors(bytes.data(), bytes.size(), "resaved.safetensors");
  fuzz_require(again.tensors.size() == file.tensors.size(), "a resaved file has as many tensors");
  auto it = again.tensors.begin();
  for (const auto& [name, tensor] : file.tensors) {
    fuzz_require(it->first == name, "a resaved file has the same tensor names");
    fuzz_require(it->second.dtype() == tensor.dtype(), "a resaved tensor has the same dtype");
    fuzz_require(it->second.shape() == tensor.shape(), "a resaved tensor has the same shape");
    ++it;
  }
  // The writer adds "format": "pt" when the file had no "format"; everything else is kept.
  for (const auto& [key, value] : file.metadata) {
    const auto found = again.metadata.find(key);
    fuzz_require(found != again.metadata.end() && found->second == value, "a resaved file keeps its metadata");
  }
  const std::size_t added = file.metadata.contains("format") ? 0 : 1;
  fuzz_require(again.metadata.size() == file.metadata.size() + added, "a resaved file adds only \"format\"");
  // Same bytes when saved once more: the tensor data survived the trip unchanged.
  fuzz_require(save(again) == bytes, "saving a resaved file gives the same bytes");
  return 0;
}
