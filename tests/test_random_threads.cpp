// Generators shared by threads: four threads drawing at once from one generator (the default one,
// or one they are handed) get distinct positions of its stream, nothing lost and nothing handed
// out twice; a fill (factory, dropout mask) is one contiguous run of the stream; copies and the
// lock handle behave. Each check compares with a fresh generator of the same seed, drawn on one thread.
#include <doctest/doctest.h>

#include <focus/focus.h>
#include <focus/tensor/nn_kernels.h>

#include <algorithm>
#include <latch>
#include <map>
#include <thread>
#include <vector>

using namespace focus;

namespace {

constexpr int kThreads = 4;

// Runs body(t) on kThreads threads and waits for them. The threads start together (a latch) and
// each then draws without pause, so their draws overlap in time: a race needs two threads inside
// the generator at once, which short or staggered runs on a busy 2-core machine rarely give.
template <class Body>
void on_threads(Body body) {
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&body, &start, t] {
      start.arrive_and_wait();
      body(t);
    });
  for (auto& th : threads) th.join();
}

// Restores the default generator's state when a test leaves, so the tests around it do not
// depend on what this one drew.
struct KeepDefaultState {
  Generator::State saved = default_generator().get_state();
  ~KeepDefaultState() { default_generator().set_state(saved); }
};

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("random: threads drawing one at a time from the default generator share its stream exactly") {
  KeepDefaultState keep;
  constexpr int kEach = 250000;
  manual_seed(2024);
  std::vector<std::vector<std::uint32_t>> got(kThreads);
  for (auto& g : got) g.reserve(kEach);
  on_threads([&](int t) {
    for (int i = 0; i < kEach; ++i) got[t].push_back(default_generator().next_u32());
  });
  // The union of what the threads drew is, as a multiset, the first 4 x 250,000 draws of the
  // stream: a lost update would repeat a draw (and skip another), a torn one would invent one.
  std::vector<std::uint32_t> all, want;
  for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
  Generator reference(2024);
  for (int i = 0; i < kThreads * kEach; ++i) want.push_back(reference.next_u32());
  REQUIRE(all.size() == want.size());
  const auto all_sorted = sorted(all), want_sorted = sorted(want);
  std::size_t first_diff = 0;
  while (first_diff < all.size() && all_sorted[first_diff] == want_sorted[first_diff]) ++first_diff;
  CHECK_MESSAGE(first_diff == all.size(), "the multisets differ at sorted position " << first_diff << " of " << all.size());
  // And the stream goes on from where the threads left it.
  CHECK(default_generator().next_u32() == reference.next_u32());

  // normal() keeps Box-Muller's second value for the next call: that state is shared too.
  manual_seed(99);
  std::vector<std::vector<double>> normals(kThreads);
  on_threads([&](int t) {
    for (int i = 0; i < 20001; ++i) normals[t].push_back(default_generator().normal());
  });
  std::vector<double> all_n, want_n;
  for (const auto& n : normals) all_n.insert(all_n.end(), n.begin(), n.end());
  Generator ref_n(99);
  for (std::size_t i = 0; i < all_n.size(); ++i) want_n.push_back(ref_n.normal());
  CHECK(sorted(all_n) == sorted(want_n));
}

TEST_CASE("random: factories on several threads each get one contiguous run of the default stream") {
  KeepDefaultState keep;
  constexpr int kFills = 25, kSize = 2000;  // 4 threads x 25 fills x 2000 = 200,000 float64 draws
  manual_seed(77);
  std::vector<std::vector<std::vector<double>>> fills(kThreads);
  on_threads([&](int t) {
    for (int f = 0; f < kFills; ++f) fills[t].push_back(rand({kSize}, kFloat64).to_vector<double>());
  });
  // Every fill is some block of kSize consecutive uniform() draws of the stream, and the blocks
  // the fills took are each of the 100 blocks exactly once.
  Generator reference(77);
  std::map<double, std::int64_t> position;  // value -> its position in the stream
  const std::int64_t n = std::int64_t{kThreads} * kFills * kSize;
  for (std::int64_t i = 0; i < n; ++i) position.emplace(reference.uniform(), i);
  REQUIRE(position.size() == static_cast<std::size_t>(n));  // 53-bit values: no collision expected here
  std::vector<int> block_used(kThreads * kFills, 0);
  int bad_fills = 0;
  for (const auto& thread_fills : fills)
    for (const auto& fill : thread_fills) {
      const auto it = position.find(fill[0]);
      if (it == position.end() || it->second % kSize != 0) {
        ++bad_fills;
        continue;
      }
      bool contiguous = true;
      for (int i = 1; i < kSize && contiguous; ++i) {
        const auto at = position.find(fill[i]);
        contiguous = at != position.end() && at->second == it->second + i;
      }
      if (!contiguous) ++bad_fills;
      else ++block_used[it->second / kSize];
    }
  CHECK(bad_fills == 0);
  CHECK(std::count(block_used.begin(), block_used.end(), 1) == kThreads * kFills);
}

TEST_CASE("random: dropout masks drawn on several threads from one generator are distinct blocks of it") {
  constexpr int kFills = 16, kSize = 1000;
  Generator shared(5);
  std::vector<std::vector<std::vector<double>>> masks(kThreads);
  on_threads([&](int t) {
    for (int f = 0; f < kFills; ++f)
      masks[t].push_back(kernel::dropout_mask({kSize}, 0.5, kFloat64, shared).to_vector<double>());
  });
  // The reference masks, block by block, drawn on one thread from the same seed.
  Generator reference(5);
  std::map<std::vector<double>, int> block_of;
  for (int b = 0; b < kThreads * kFills; ++b)
    block_of.emplace(kernel::dropout_mask({kSize}, 0.5, kFloat64, reference).to_vector<double>(), b);
  REQUIRE(block_of.size() == static_cast<std::size_t>(kThreads * kFills));  // 1000 coin flips: distinct
  std::vector<int> used(kThreads * kFills, 0);
  int unmatched = 0;
  for (const auto& thread_masks : masks)
    for (const auto& m : thread_masks) {
      const auto it = block_of.find(m);
      if (it == block_of.end()) ++unmatched;
      else ++used[it->second];
    }
  CHECK(unmatched == 0);
  CHECK(std::count(used.begin(), used.end(), 1) == kThreads * kFills);
}

TEST_CASE("random: copies carry the state, and the lock handle draws the same numbers as single calls") {
  Generator a(13);
  (void)a.normal();  // leaves a Box-Muller spare waiting
  Generator b = a;
  CHECK(b.normal() == a.normal());
  CHECK(b.next_u32() == a.next_u32());
  Generator c(1);
  c = a;
  CHECK(c.uniform() == a.uniform());
  const Generator& same = c;
  c = same;  // self-assignment keeps the state
  CHECK(c.below(1000) == a.below(1000));

  Generator single(21), bulk(21);
  std::vector<double> one_by_one, held;
  for (int i = 0; i < 5; ++i) one_by_one.push_back(single.uniform());
  one_by_one.push_back(static_cast<double>(single.below(7)));
  one_by_one.push_back(single.normal());
  {
    auto draws = bulk.lock();
    for (int i = 0; i < 5; ++i) held.push_back(draws.uniform());
    held.push_back(static_cast<double>(draws.below(7)));
    // The holder's own thread may still call the generator directly: the lock is recursive.
    held.push_back(bulk.normal());
  }
  CHECK(held == one_by_one);
}
