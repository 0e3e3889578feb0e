// What the fuzz targets share. Each target defines LLVMFuzzerTestOneInput, the entry point that
// libFuzzer calls with mutated inputs (build-fuzz/) and that replay_main.cpp calls with every file
// of a committed corpus (any build, inside CTest). Bad input must end in a focus::Error; any other
// exception, a crash, a leak, undefined behaviour or a broken round trip (fuzz_require) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <focus/tensor/error.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace focus::fuzz {

// Runs parse(); returns false when it threw focus::Error, the expected outcome for bad input.
// Every other exception passes through: libFuzzer reports it as a crash, the replay driver as a
// failed input.
template <class Parse>
bool accepts(Parse&& parse) {
  try {
    parse();
    return true;
  } catch (const focus::Error&) {
    return false;
  }
}

// A property that must hold for any input the library accepted (round trips, invariants). Aborts,
// so libFuzzer saves the input and the replay driver's test fails.
inline void fuzz_require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: property violated: %s\n", what);
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace focus::fuzz
