// The caching allocator (tensor/allocator.h): size classes, reuse of freed blocks, statistics,
// the cache limit. Other tests may run in the same process, so checks use differences of the
// statistics, never their absolute values.
#include <doctest/doctest.h>

#include <focus/focus.h>
#include <focus/tensor/allocator.h>

#include <cstdint>

using namespace focus;

TEST_CASE("allocator: size classes are 64-byte multiples that round up by at most 1/16") {
  CHECK(alloc::class_size(0) == 64);
  CHECK(alloc::class_size(1) == 64);
  CHECK(alloc::class_size(64) == 64);
  CHECK(alloc::class_size(65) == 128);
  CHECK(alloc::class_size(64 * 1024) == 64 * 1024);
  // Above 64 KiB: 16 classes between consecutive powers of two (steps of 4 KiB from 64 KiB).
  CHECK(alloc::class_size(64 * 1024 + 1) == 68 * 1024);
  CHECK(alloc::class_size(1 << 20) == 1 << 20);
  CHECK(alloc::class_size((1 << 20) + 1) == (1 << 20) + (1 << 16));
  for (std::size_t n = 1; n < (std::size_t{1} << 26); n = n * 3 / 2 + 7) {
    const std::size_t c = alloc::class_size(n);
    CHECK(c >= n);
    CHECK(c % 64 == 0);
    CHECK(c <= n + n / 16 + 64);
  }
}

TEST_CASE("allocator: a freed block serves the next request of its size class") {
  const alloc::Stats before = alloc::stats();
  void* p = alloc::allocate(100'000);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
  alloc::deallocate(p, 100'000);
  void* q = alloc::allocate(99'000);  // same class as 100,000 (steps of 4 KiB)
  CHECK(q == p);
  const alloc::Stats after = alloc::stats();
  CHECK(after.allocations - before.allocations == 2);
  CHECK(after.cache_hits - before.cache_hits == 1);
  alloc::deallocate(q, 99'000);
}

TEST_CASE("allocator: live and peak bytes follow allocations and frees") {
  alloc::reset_peak();
  const alloc::Stats s0 = alloc::stats();
  void* a = alloc::allocate(1000);
  void* b = alloc::allocate(3000);
  CHECK(alloc::stats().allocated_bytes - s0.allocated_bytes == 4000);
  alloc::deallocate(a, 1000);
  CHECK(alloc::stats().allocated_bytes - s0.allocated_bytes == 3000);
  CHECK(alloc::stats().peak_bytes - s0.allocated_bytes == 4000);
  alloc::deallocate(b, 3000);
  alloc::reset_peak();
  CHECK(alloc::stats().peak_bytes == alloc::stats().allocated_bytes);
}

TEST_CASE("allocator: tensors take their memory from it and give it back") {
  const std::size_t live = alloc::stats().allocated_bytes;
  {
    const Tensor t = zeros({250, 4});  // 1000 float32
    CHECK(alloc::stats().allocated_bytes - live == 4000);
    CHECK(t.sum().item<float>() == 0.0f);
  }
  CHECK(alloc::stats().allocated_bytes == live);
}

TEST_CASE("allocator: a cache limit of 0 gives every freed block back to the system") {
  const std::size_t old_limit = alloc::cache_limit();
  alloc::set_cache_limit(0);
  CHECK(alloc::stats().cached_bytes == 0);
  const alloc::Stats before = alloc::stats();
  void* p = alloc::allocate(5000);
  alloc::deallocate(p, 5000);
  const alloc::Stats after = alloc::stats();
  CHECK(after.cached_bytes == 0);
  CHECK(after.reserved_bytes == before.reserved_bytes);
  CHECK(after.system_allocations - before.system_allocations == 1);
  alloc::set_cache_limit(old_limit);
  CHECK(alloc::cache_limit() == old_limit);
}

TEST_CASE("allocator: empty_cache returns every cached block") {
  void* p = alloc::allocate(8192);
  alloc::deallocate(p, 8192);
  CHECK(alloc::stats().cached_bytes >= 8192);
  alloc::empty_cache();
  const alloc::Stats s = alloc::stats();
  CHECK(s.cached_bytes == 0);
  CHECK(s.reserved_bytes >= s.allocated_bytes);
}
