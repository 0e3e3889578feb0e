// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011). Where Generator (random.h) is a stream that must be
// drawn in order, here every number is a pure function of a key and a counter, so a kernel can
// draw the bits of element (s, i, j) on any thread, in any order, and draw them again in its
// backward instead of storing them. Ten rounds of two 32 x 32 -> 64-bit products pass the
// authors' BigCrush tests; tests/test_attention_dropout.cpp holds the Random123 known answers.
#pragma once

#include <array>
#include <cstdint>

namespace focus::kernel {

// Four 32-bit numbers from a 128-bit counter and a 64-bit key (key[0] = its low half).
inline std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> c, std::uint64_t key) {
  constexpr std::uint64_t kMul0 = 0xD2511F53, kMul1 = 0xCD9E8D57;  // the round multipliers
  constexpr std::uint32_t kBump0 = 0x9E3779B9, kBump1 = 0xBB67AE85;  // the key schedule (golden ratio, sqrt(3) - 1)
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = kMul0 * c[0], p1 = kMul1 * c[2];
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<std::uint32_t>(p0)};
    k0 += kBump0;
    k1 += kBump1;
  }
  return c;
}

}  // namespace focus::kernel
