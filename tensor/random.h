// Random numbers that are the same on every platform and standard library: focus writes its own
// generator and distributions (std::normal_distribution and friends are implementation-defined).
//
// Generator: PCG32 (O'Neill 2014, "PCG XSH RR 64/32"): a 64-bit linear congruential state
// advanced by state = state * 6364136223846793005 + inc, output by a xorshift and a
// data-dependent rotation to 32 bits. Seeding follows the reference pcg32_srandom_r: inc = 1
// (stream 0), then state = 0, step, state += seed, step.
// Distributions: uniform float64 from 53 random bits (two draws), float32 from 24 bits; normal by
// Box-Muller (one pair per two values); integers in [lo, hi) by Lemire's unbiased rejection.
//
// Threads: a Generator may be shared. Every draw happens under the generator's lock, so draws
// from several threads are distinct positions of the one stream (none lost, none handed out
// twice); which thread gets which position depends on the schedule. A fill (a random factory, a
// dropout mask) takes the lock once through lock() and so gets one contiguous run of the stream.
#pragma once

#include <cstdint>
#include <mutex>

#include <focus/tensor/tensor.h>

namespace focus {

class Generator {
  // The PCG32 state and the distributions, unsynchronised: reached only under the lock.
  struct Stream {
    std::uint64_t state = 0, inc = 1;
    bool has_spare = false;  // Box-Muller makes two normals; the second waits here
    double spare = 0;
    void seed(std::uint64_t seed);
    std::uint32_t next_u32();
    double uniform();
    float uniform_float();
    double normal();
    std::uint64_t below(std::uint64_t n);
  };

 public:
  explicit Generator(std::uint64_t seed = 0) { stream_.seed(seed); }
  // Copies are of the state (the copy has its own lock): both then draw the same sequence.
  Generator(const Generator& other) : stream_(other.locked_stream()) {}
  Generator& operator=(const Generator& other);
  void manual_seed(std::uint64_t seed);

  // One draw each, under the lock.
  std::uint32_t next_u32();
  double uniform();              // [0, 1), 53 bits
  float uniform_float();         // [0, 1), 24 bits
  double normal();               // mean 0, std 1
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n), n > 0

  // The lock held for many draws: a loop that fills a tensor pays for one lock, not one per
  // element, and its draws are one contiguous run of the stream. The lock is recursive, so the
  // holder's own thread may still call the generator (no deadlock); other threads wait.
  class Locked {
   public:
    std::uint32_t next_u32() { return stream_.next_u32(); }
    double uniform() { return stream_.uniform(); }
    float uniform_float() { return stream_.uniform_float(); }
    double normal() { return stream_.normal(); }
    std::uint64_t below(std::uint64_t n) { return stream_.below(n); }

   private:
    friend class Generator;
    Locked(std::recursive_mutex& mu, Stream& stream) : hold_(mu), stream_(stream) {}
    std::unique_lock<std::recursive_mutex> hold_;
    Stream& stream_;
  };
  [[nodiscard]] Locked lock() { return Locked(mu_, stream_); }

  // The whole state, so checkpoints can resume a run exactly.
  struct State {
    std::uint64_t state = 0, inc = 0;
    bool has_spare = false;
    double spare = 0;
  };
  State get_state() const;
  void set_state(const State& s);

 private:
  Stream locked_stream() const;  // a copy of the stream, read under the lock

  mutable std::recursive_mutex mu_;
  Stream stream_;
};

// The generator every random factory uses unless given another: one per process, shared by all
// threads (safe to call from several at once, see Generator).
Generator& default_generator();
void manual_seed(std::uint64_t seed);

}  // namespace focus
