// The caching allocator: per-size-class free lists under one mutex, with statistics.
// The state is created on first use and never destroyed, so tensors that outlive main (statics)
// can still give their memory back.
#include <focus/tensor/allocator.h>

#include <algorithm>
#include <bit>
#include <deque>
#include <list>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

namespace focus::alloc {

namespace {

constexpr std::size_t kAlignment = 64;  // a cache line; also what AVX-512 loads like
constexpr std::size_t kSmall = 64 * 1024;
constexpr int kClassesPerDoubling = 16;
constexpr std::size_t kMinBudget = 64 << 20;

std::size_t default_limit() {
  if (const char* env = std::getenv("FOCUS_CACHE_LIMIT_MB")) {
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0') return static_cast<std::size_t>(mb) << 20;
  }
  return std::size_t{1} << 30;
}

struct Block {
  void* p;
  std::size_t size;  // class size
};

// Free blocks in the order they were freed (front: newest), and per class the same blocks as
// positions in that list (back: newest). A request takes its class's newest block, which is
// the one most likely still in cache; eviction frees the oldest block overall.
struct State {
  std::mutex mu;
  std::list<Block> lru;
  std::unordered_map<std::size_t, std::deque<std::list<Block>::iterator>> free_lists;
  Stats stats;
  std::size_t limit = default_limit();
  std::size_t live_class_bytes = 0, high_water = 0;  // live bytes counted in class sizes
};

State& state() {
  static State* s = new State;  // never destroyed: see the file comment
  return *s;
}

void* system_allocate(std::size_t bytes) { return ::operator new(bytes, std::align_val_t{kAlignment}); }
void system_free(void* p) { ::operator delete(p, std::align_val_t{kAlignment}); }

void evict_oldest(State& s) {
  const Block b = s.lru.back();
  s.free_lists[b.size].pop_front();
  s.lru.pop_back();
  s.stats.cached_bytes -= b.size;
  s.stats.reserved_bytes -= b.size;
  system_free(b.p);
}

void release_cache(State& s) {
  while (!s.lru.empty()) evict_oldest(s);
}

// The cache may hold the live high-water mark: a loop that repeats the same work (a training
// step, a decoding run) finds every block it needs, while sizes that never come back (a key/value
// cache that grows each step) are evicted instead of piling up. Never more than the limit.
std::size_t budget(const State& s) { return std::min(s.limit, std::max(kMinBudget, s.high_water)); }

}  // namespace

std::size_t class_size(std::size_t nbytes) {
  if (nbytes <= kSmall) return nbytes == 0 ? kAlignment : (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  // Between 2^p and 2^(p+1): steps of 2^p / 16.
  const std::size_t step = std::bit_floor(nbytes) / kClassesPerDoubling;
  return (nbytes + step - 1) / step * step;
}

void* allocate(std::size_t nbytes) {
  const std::size_t size = class_size(nbytes);
  State& s = state();
  {
    std::lock_guard lock(s.mu);
    ++s.stats.allocations;
    s.stats.allocated_bytes += nbytes;
    s.stats.peak_bytes = std::max(s.stats.peak_bytes, s.stats.allocated_bytes);
    s.live_class_bytes += size;
    s.high_water = std::max(s.high_water, s.live_class_bytes);
    auto it = s.free_lists.find(size);
    if (it != s.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back()->p;
      s.lru.erase(it->second.back());
      it->second.pop_back();
      ++s.stats.cache_hits;
      s.stats.cached_bytes -= size;
      return p;
    }
    ++s.stats.system_allocations;
    s.stats.reserved_bytes += size;
  }
  try {
    return system_allocate(size);
  } catch (...) {
    // Out of memory with blocks parked in the cache: give those back and try once more.
    std::lock_guard lock(s.mu);
    release_cache(s);
    try {
      return system_allocate(size);
    } catch (...) {
      s.stats.allocated_bytes -= nbytes;
      s.live_class_bytes -= size;
      s.stats.reserved_bytes -= size;
      throw;
    }
  }
}

void deallocate(void* p, std::size_t nbytes) noexcept {
  if (p == nullptr) return;
  const std::size_t size = class_size(nbytes);
  State& s = state();
  {
    std::lock_guard lock(s.mu);
    s.stats.allocated_bytes -= nbytes;
    s.live_class_bytes -= size;
    const std::size_t room = budget(s);
    if (size <= room) {
      try {
        s.lru.push_front({p, size});
        s.free_lists[size].push_back(s.lru.begin());
        s.stats.cached_bytes += size;
        while (s.stats.cached_bytes > room) evict_oldest(s);
        return;
      } catch (...) {
        if (!s.lru.empty() && s.lru.front().p == p) s.lru.pop_front();  // no room to remember the block
      }
    }
    s.stats.reserved_bytes -= size;
  }
  system_free(p);
}

Stats stats() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.stats;
}

void reset_peak() {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.stats.peak_bytes = s.stats.allocated_bytes;
}

void empty_cache() {
  State& s = state();
  std::lock_guard lock(s.mu);
  release_cache(s);
}

void set_cache_limit(std::size_t bytes) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.limit = bytes;
  while (s.stats.cached_bytes > budget(s)) evict_oldest(s);
}

std::size_t cache_limit() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.limit;
}

}  // namespace focus::alloc
