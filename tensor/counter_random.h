// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011). Where Generator (random.h) is a stream that must be
// drawn in order, here every number is a pure function of a key and a counter, so a kernel can
// draw the bits of element (s, i, j) on any thread, in any order, and draw them again in its
// backward instead of storing them. Ten rounds of two 32 x 32 -> 64-bit products pass the
// authors' BigCrush tests; tests/test_attention_dropout.cpp holds the Random123 known answers.
#pragma once

#include <focus/tensor/fast_math.h>
#include <focus/tensor/random.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>

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

// One 64-bit key from a stream generator: two next_u32 draws, high half first, under one lock.
inline std::uint64_t draw_key(Generator& gen) {
  auto draws = gen.lock();
  const std::uint64_t high = draws.next_u32();
  return high << 32 | draws.next_u32();
}

// Dropout on counters, the rule of both of focus's masks (nn_kernels.h's dropout_mask,
// attention_kernel.h's AttentionDropout): element e of a run [first, first + n) with the counter
// words c1, c2, c3 is kept, times 1 / (1 - p), when lane e % 4 of philox4x32({e / 4, c1, c2, c3},
// key) is at least p * 2^32, else 0. Needs 0 <= p < 1 and (first + n) / 4 < 2^32.
struct CounterDropout {
  std::uint64_t key = 0;
  std::uint32_t threshold = 0;  // a draw below it drops: p * 2^32
  double keep = 1;              // 1 / (1 - p)

  CounterDropout(double p, std::uint64_t k)
      : key(k), threshold(static_cast<std::uint32_t>(std::min(p * 4294967296.0, 4294967295.0))), keep(1.0 / (1.0 - p)) {}

  // float runs the vectorised rows::dropout_factors, bitwise this scalar loop.
  template <class T>
  void factors(T* out, std::int64_t first, std::int64_t n, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3) const {
    if constexpr (std::is_same_v<T, float>) {
      rows::dropout_factors(out, first, n, c1, c2, c3, key, threshold, static_cast<float>(keep));
    } else {
      const T kept = static_cast<T>(keep);
      for (std::int64_t e = first; e < first + n; ++e) {
        const auto bits = philox4x32({static_cast<std::uint32_t>(e >> 2), c1, c2, c3}, key);
        *out++ = bits[e & 3] >= threshold ? kept : T(0);
      }
    }
  }
};

}  // namespace focus::kernel
