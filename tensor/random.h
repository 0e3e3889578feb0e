// Random numbers that are the same on every platform and standard library: focus writes its own
// generator and distributions (std::normal_distribution and friends are implementation-defined).
//
// Generator: PCG32 (O'Neill 2014, "PCG XSH RR 64/32"): a 64-bit linear congruential state
// advanced by state = state * 6364136223846793005 + inc, output by a xorshift and a
// data-dependent rotation to 32 bits. Seeding follows the reference pcg32_srandom_r: inc = 1
// (stream 0), then state = 0, step, state += seed, step.
// Distributions: uniform float64 from 53 random bits (two draws), float32 from 24 bits; normal by
// Box-Muller (one pair per two values); integers in [lo, hi) by Lemire's unbiased rejection.
#pragma once

#include <cstdint>

#include <focus/tensor/tensor.h>

namespace focus {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(std::uint64_t seed);

  std::uint32_t next_u32();
  double uniform();              // [0, 1), 53 bits
  float uniform_float();         // [0, 1), 24 bits
  double normal();               // mean 0, std 1
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n), n > 0

  // The whole state, so checkpoints can resume a run exactly.
  struct State {
    std::uint64_t state = 0, inc = 0;
    bool has_spare = false;
    double spare = 0;
  };
  State get_state() const { return {state_, inc_, has_spare_, spare_}; }
  void set_state(const State& s) {
    state_ = s.state;
    inc_ = s.inc;
    has_spare_ = s.has_spare;
    spare_ = s.spare;
  }

 private:
  std::uint64_t state_ = 0, inc_ = 1;
  bool has_spare_ = false;  // Box-Muller makes two normals; the second waits here
  double spare_ = 0;
};

// The generator every random factory uses unless given another (one per process, not thread-safe).
Generator& default_generator();
void manual_seed(std::uint64_t seed);

}  // namespace focus
