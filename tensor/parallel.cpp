// The thread pool behind parallel::for_ranges and the thread count behind set_num_threads.
// Workers are started on demand (never more than the largest count asked for, minus the caller)
// and live until the process ends; the pool is never destroyed, so a call made while statics are
// torn down still finds it (the allocator's state lives the same way).
//
// Waiting spins before it sleeps. A training step makes thousands of for_ranges calls a few
// microseconds apart; waking a sleeping worker (a futex call in pthread_cond_signal) and putting
// it back to sleep cost about 6% of a zh-en run's samples (docs/performance.md). So a worker that
// finds no work polls the queue for FOCUS_SPIN_US microseconds (default 50) before it blocks, the
// caller signals only workers that blocked, and a caller waiting for its ranges polls as long
// before it blocks. FOCUS_SPIN_US=0 blocks at once, as OMP_WAIT_POLICY=passive does, for
// machines where the threads share cores with other busy processes.
#include <focus/tensor/parallel.h>
#include <focus/tensor/threads.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

extern "C" {
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
}

namespace focus {

namespace {

std::chrono::microseconds spin_time() {
  if (const char* env = std::getenv("FOCUS_SPIN_US")) {
    char* end = nullptr;
    const long us = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && us >= 0) return std::chrono::microseconds(us);
  }
  return std::chrono::microseconds(50);
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();  // lets the other hyperthread of the core run while this one polls
#endif
}

// Polls ready() for up to `limit`; true once it holds, false when the time ran out.
template <class Ready>
bool spin_until(Ready ready, std::chrono::microseconds limit) {
  if (limit.count() == 0) return ready();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

// One for_ranges call. Ranges are claimed through next_range by the caller and by workers alike,
// so a caller whose workers are busy with other callers' jobs simply runs its ranges itself.
struct Job {
  const std::function<void(std::int64_t, std::int64_t)>* fn;
  std::int64_t n;
  int ranges;
  std::atomic<int> next_range{1};  // range 0 is the caller's
  std::atomic<int> finished{0};
  std::atomic<bool> caller_blocked{false};  // the caller gave up polling and waits on `finished`
  std::vector<std::exception_ptr> errors;  // one slot per range: no two threads write the same one

  void run(int r) {
    try {
      (*fn)(r * n / ranges, (r + 1) * n / ranges);
    } catch (...) {
      errors[static_cast<std::size_t>(r)] = std::current_exception();
    }
    // Sequentially consistent, as the caller's store to caller_blocked and its load of finished:
    // either this load sees the caller blocked, or the caller's load sees this increment.
    finished.fetch_add(1);
    if (caller_blocked.load()) finished.notify_all();
  }
  // Claims and runs ranges until none is left.
  void drain() {
    for (int r; (r = next_range.fetch_add(1, std::memory_order_relaxed)) < ranges;) run(r);
  }
};

thread_local bool inside_region = false;

struct Pool {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Job>> queue;  // one entry per range a worker may claim
  std::atomic<int> queued{0};              // queue.size(), for workers polling without the lock
  int blocked = 0;                         // workers waiting on `wake` (guarded by mu)
  std::vector<std::thread> workers;
  std::atomic<int> threads{1};
  const std::chrono::microseconds spin = spin_time();

  Pool() {
    // OpenBLAS starts with its own idea of the thread count (OPENBLAS_NUM_THREADS, or the cores);
    // focus adopts it as its default and holds OpenBLAS itself to one thread from here on.
    threads.store(std::max(1, openblas_get_num_threads()));
    openblas_set_num_threads(1);
  }

  void ensure_workers(int count) {
    std::lock_guard lock(mu);
    while (static_cast<int>(workers.size()) < count) workers.emplace_back([this] { work(); });
  }

  void work() {
    inside_region = true;
    for (;;) {
      spin_until([this] { return queued.load(std::memory_order_relaxed) > 0; }, spin);
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mu);
        if (queue.empty()) {
          ++blocked;
          wake.wait(lock, [this] { return !queue.empty(); });
          --blocked;
        }
        job = std::move(queue.front());
        queue.pop_front();
        queued.fetch_sub(1, std::memory_order_relaxed);
      }
      job->drain();  // a job whose ranges the caller already took costs one fetch_add
    }
  }
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: see the file comment
  return *p;
}

// Pins OpenBLAS to one thread when the library loads, before any user thread can be calling it.
[[maybe_unused]] const bool pinned_at_load = (pool(), true);

}  // namespace

void set_num_threads(int n) { pool().threads.store(n < 1 ? 1 : n, std::memory_order_relaxed); }
int get_num_threads() { return pool().threads.load(std::memory_order_relaxed); }

namespace parallel {

bool in_parallel_region() { return inside_region; }

void for_chunks(std::int64_t n, std::int64_t chunk, std::int64_t min_chunks,
                const std::function<void(std::int64_t, std::int64_t)>& fn) {
  const std::int64_t chunks = n > 0 ? (n + chunk - 1) / chunk : 0;
  const auto run = [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) fn(c * chunk, std::min(n, (c + 1) * chunk));
  };
  if (chunks >= std::max<std::int64_t>(min_chunks, 2)) for_ranges(chunks, run);
  else run(0, chunks);
}

void for_ranges(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn) {
  Pool& p = pool();
  const int threads = static_cast<int>(std::min<std::int64_t>(p.threads.load(std::memory_order_relaxed), n));
  if (threads <= 1 || inside_region) return fn(0, n);
  p.ensure_workers(threads - 1);
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->n = n;
  job->ranges = threads;
  job->errors.resize(static_cast<std::size_t>(threads));
  int blocked;
  {
    std::lock_guard lock(p.mu);
    for (int r = 1; r < threads; ++r) p.queue.push_back(job);
    p.queued.fetch_add(threads - 1, std::memory_order_relaxed);
    blocked = p.blocked;
  }
  // A worker that is polling finds the job by itself; only blocked ones need the (costly) signal.
  if (blocked == 1 && threads == 2) p.wake.notify_one();
  else if (blocked > 0) p.wake.notify_all();
  inside_region = true;
  job->run(0);
  job->drain();
  inside_region = false;
  if (!spin_until([&] { return job->finished.load(std::memory_order_acquire) == threads; }, p.spin)) {
    job->caller_blocked.store(true);
    for (int done; (done = job->finished.load()) < threads;) job->finished.wait(done);
  }
  // The caller takes the errors out of the job: a worker may drop the last reference to the job
  // after this returns, and the exception must then not die with it on that thread while the
  // caller still reads it (ThreadSanitizer saw the delete race the caller's what(), since the
  // exception's reference count lives in uninstrumented libstdc++).
  const std::vector<std::exception_ptr> errors = std::move(job->errors);
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace parallel

}  // namespace focus
