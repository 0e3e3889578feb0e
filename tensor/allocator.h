// The caching allocator behind every tensor buffer (Storage(nbytes) calls it). A training step
// makes and frees the same buffer sizes again and again; handing a freed block back to the
// system and asking for it again costs an mmap/munmap pair and a page fault per 4 KiB touched.
// Freed blocks are kept in per-size-class free lists and reused instead. The cache holds at most
// the high-water mark of live memory (at least 64 MiB, at most the limit below): what one more
// repetition of the same work needs; the oldest freed blocks are given back first.
// Size classes: multiples of 64 bytes up to 64 KiB, then 16 classes per power of two (at most
// 1/16 = 6.25% rounding waste), so a block serves every request of its class.
#pragma once

#include <cstddef>
#include <cstdint>

namespace focus::alloc {

struct Stats {
  std::size_t allocated_bytes = 0;  // live: requested bytes of blocks handed out and not yet freed
  std::size_t peak_bytes = 0;       // the highest allocated_bytes since start or reset_peak()
  std::size_t cached_bytes = 0;     // held in the free lists, ready for reuse (class sizes)
  std::size_t reserved_bytes = 0;   // obtained from the system and not returned (live + cached, class sizes)
  std::uint64_t allocations = 0;    // calls to allocate
  std::uint64_t cache_hits = 0;     // of those, served from the free lists
  std::uint64_t system_allocations = 0;
};

// 64-byte aligned, uninitialised memory for nbytes (0 allowed). Throws std::bad_alloc.
void* allocate(std::size_t nbytes);
// p must come from allocate(nbytes) with the same nbytes.
void deallocate(void* p, std::size_t nbytes) noexcept;

// The bytes a request of nbytes occupies (its size class).
std::size_t class_size(std::size_t nbytes);

Stats stats();
void reset_peak();  // peak_bytes = allocated_bytes
// Returns every cached block to the system.
void empty_cache();
// The most bytes the free lists may ever hold (default 1 GiB; the environment variable
// FOCUS_CACHE_LIMIT_MB overrides it at start). 0 turns caching off: every free goes to the system.
void set_cache_limit(std::size_t bytes);
std::size_t cache_limit();

}  // namespace focus::alloc
