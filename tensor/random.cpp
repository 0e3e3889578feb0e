// PCG32 and the distributions built on it (see random.h for the algorithms and why).
#include <focus/tensor/random.h>

#include <cmath>

namespace focus {

void Generator::manual_seed(std::uint64_t seed) {
  inc_ = 1;  // stream 0: inc = (0 << 1) | 1
  state_ = 0;
  next_u32();
  state_ += seed;
  next_u32();
  has_spare_ = false;
  spare_ = 0;
}

std::uint32_t Generator::next_u32() {
  const std::uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
  const auto rot = static_cast<std::uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

double Generator::uniform() {
  const std::uint64_t hi = next_u32() >> 5, lo = next_u32() >> 6;  // 27 + 26 = 53 bits
  return static_cast<double>(hi * 67108864ULL + lo) * (1.0 / 9007199254740992.0);
}

float Generator::uniform_float() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box-Muller on (0, 1] x [0, 1): 1 - uniform() is never 0, so the log is finite.
  const double u1 = 1.0 - uniform(), u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 6.283185307179586476925 * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

std::uint64_t Generator::below(std::uint64_t n) {
  if (n == (1ULL << 32)) return next_u32();
  if (n < (1ULL << 32)) {
    // Lemire: multiply a 32-bit draw by n, reject the few low products that would bias.
    const std::uint64_t bound = n;
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * bound;
    auto low = static_cast<std::uint32_t>(m);
    if (low < bound) {
      // 2^32 mod n, the count of 32-bit draws to reject; the arithmetic must be 32-bit.
      const std::uint32_t threshold = (0u - static_cast<std::uint32_t>(bound)) % static_cast<std::uint32_t>(bound);
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next_u32()) * bound;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return m >> 32;
  }
  // Wide ranges: rejection on 64-bit draws.
  const std::uint64_t limit = ~0ULL - (~0ULL % n);
  for (;;) {
    const std::uint64_t hi = next_u32();  // two statements: the order of the draws is fixed
    const std::uint64_t v = (hi << 32) | next_u32();
    if (v < limit) return v % n;
  }
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace focus
