// Replays committed fuzz inputs through a target's LLVMFuzzerTestOneInput without libFuzzer, so
// any compiler builds it and CTest runs it with the default suite:
//   fuzz_replay_<target> DIR_OR_FILE...   (every regular file of a folder, in name order)
// Prints one line per input it could not finish and a summary; exits non-zero if an input threw
// something other than focus::Error or a path could not be read. A crash or sanitizer report ends
// the process, and the last "replaying" line names the input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const fs::path& path) {
  if (!fs::is_directory(path)) return {path};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool read_bytes(const fs::path& path, std::vector<std::uint8_t>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  int replayed = 0, failed = 0;
  for (int a = 1; a < argc; ++a) {
    if (!fs::exists(argv[a])) {
      std::fprintf(stderr, "replay: %s: no such file or folder\n", argv[a]);
      ++failed;
      continue;
    }
    for (const fs::path& path : inputs_of(argv[a])) {
      std::vector<std::uint8_t> bytes;
      if (!read_bytes(path, bytes)) {
        std::fprintf(stderr, "replay: %s: cannot read\n", path.c_str());
        ++failed;
        continue;
      }
      std::fprintf(stderr, "replaying %s (%zu bytes)\n", path.c_str(), bytes.size());
      try {
        (void)LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "replay: %s: threw something other than focus::Error: %s\n", path.c_str(), e.what());
        ++failed;
      } catch (...) {
        std::fprintf(stderr, "replay: %s: threw something that is not a std::exception\n", path.c_str());
        ++failed;
      }
      ++replayed;
    }
  }
  std::printf("replay: %d inputs, %d failed\n", replayed, failed);
  return failed == 0 && replayed > 0 ? 0 : 1;
}
