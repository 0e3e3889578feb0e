// focus's own threads: one pool per process that the kernels split large work across. OpenBLAS is
// held to one thread for good (set once, when the library loads), so no call ever changes a
// process-wide setting while other threads run: focus decides how work is cut, not BLAS.
// Results never depend on the thread count, because callers cut work into pieces whose
// boundaries depend only on the problem's shape; the threads only decide who computes which piece.
#pragma once

#include <cstdint>
#include <functional>

namespace focus::parallel {

// Calls fn(begin, end) on disjoint ranges that together cover [0, n): with T = get_num_threads()
// threads, range t is [t n / T, (t + 1) n / T), range 0 on the calling thread. Each of the n
// items must be independent of the others and computed the same way whatever range it lands in.
// Runs fn(0, n) on the calling thread when n < 2, with one thread, or when called from inside
// another for_ranges (no nested fan-out: the outer call already keeps the cores busy). Safe to
// call from several user threads at once; each call waits for its own ranges only. The first
// exception thrown by any range is rethrown here after every range has finished.
// Idle workers, and a caller waiting for its ranges, poll for FOCUS_SPIN_US microseconds (read at
// start-up; default 50) before they block; FOCUS_SPIN_US=0 blocks at once (docs/threads.md).
void for_ranges(std::int64_t n, const std::function<void(std::int64_t begin, std::int64_t end)>& fn);

// Work cut into fixed chunks: calls fn(begin, end) once for each chunk [c chunk, min(n, (c + 1)
// chunk)) of [0, n), shared out by for_ranges when there are at least min_chunks of them (else
// all on the calling thread, in order). The boundaries depend on n and chunk only, so a kernel
// whose chunk results do not depend on each other gives the same bits at any thread count
// (Adam's update, dropout masks, bf16 rounding). chunk >= 1.
void for_chunks(std::int64_t n, std::int64_t chunk, std::int64_t min_chunks,
                const std::function<void(std::int64_t begin, std::int64_t end)>& fn);

// True on a pool worker, and on a caller while it runs its own range.
bool in_parallel_region();

}  // namespace focus::parallel
