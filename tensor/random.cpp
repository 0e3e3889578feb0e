// PCG32 and the distributions built on it (see random.h for the algorithms and why), and the
// lock that lets threads share a generator.
#include <focus/tensor/random.h>

#include <cmath>

namespace focus {

// ---- the stream (unsynchronised) -------------------------------------------------------------------

void Generator::Stream::seed(std::uint64_t seed) {
  inc = 1;  // stream 0: inc = (0 << 1) | 1
  state = 0;
  next_u32();
  state += seed;
  next_u32();
  has_spare = false;
  spare = 0;
}

std::uint32_t Generator::Stream::next_u32() {
  const std::uint64_t old = state;
  state = old * 6364136223846793005ULL + inc;
  const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
  const auto rot = static_cast<std::uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

double Generator::Stream::uniform() {
  const std::uint64_t hi = next_u32() >> 5, lo = next_u32() >> 6;  // 27 + 26 = 53 bits
  return static_cast<double>(hi * 67108864ULL + lo) * (1.0 / 9007199254740992.0);
}

float Generator::Stream::uniform_float() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

double Generator::Stream::normal() {
  if (has_spare) {
    has_spare = false;
    return spare;
  }
  // Box-Muller on (0, 1] x [0, 1): 1 - uniform() is never 0, so the log is finite.
  const double u1 = 1.0 - uniform(), u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 6.283185307179586476925 * u2;
  spare = r * std::sin(theta);
  has_spare = true;
  return r * std::cos(theta);
}

std::uint64_t Generator::Stream::below(std::uint64_t n) {
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

// ---- the generator: every access under mu_ ------------------------------------------------------------

Generator& Generator::operator=(const Generator& other) {
  if (this == &other) return *this;
  const Stream copy = other.locked_stream();  // one lock at a time: no lock-order deadlock
  std::lock_guard hold(mu_);
  stream_ = copy;
  return *this;
}

Generator::Stream Generator::locked_stream() const {
  std::lock_guard hold(mu_);
  return stream_;
}

void Generator::manual_seed(std::uint64_t seed) {
  std::lock_guard hold(mu_);
  stream_.seed(seed);
}

std::uint32_t Generator::next_u32() { return lock().next_u32(); }
double Generator::uniform() { return lock().uniform(); }
float Generator::uniform_float() { return lock().uniform_float(); }
double Generator::normal() { return lock().normal(); }
std::uint64_t Generator::below(std::uint64_t n) { return lock().below(n); }

Generator::State Generator::get_state() const {
  const Stream s = locked_stream();
  return {s.state, s.inc, s.has_spare, s.spare};
}

void Generator::set_state(const State& s) {
  std::lock_guard hold(mu_);
  stream_ = {s.state, s.inc, s.has_spare, s.spare};
}

Generator& default_generator() {
  static Generator gen(0);  // built once, thread-safely (C++11 static initialisation)
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace focus
