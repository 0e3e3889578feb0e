// One knob for every thread focus uses: the kernels that split large work (matrix products, the
// attention kernel's slices) run on focus's own pool (tensor/parallel.h) with this many threads,
// the caller's included. OpenBLAS itself is held to one thread, so the cores are never
// oversubscribed and results are bitwise the same at any count. The default is what OpenBLAS
// would have used (OPENBLAS_NUM_THREADS, else the core count). docs/threads.md has the rules.
#pragma once

namespace focus {

// The setting is process-wide (as torch.set_num_threads); calls already running keep their count.
void set_num_threads(int n);
int get_num_threads();

}  // namespace focus
