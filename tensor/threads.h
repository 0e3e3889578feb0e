// One knob for every thread pool focus uses: OpenBLAS's, and the threads the attention kernel
// starts for its slices (which hold OpenBLAS to one thread meanwhile, so the cores are never
// oversubscribed). The count is OpenBLAS's own: get_num_threads() reads it back.
#pragma once

namespace focus {

void set_num_threads(int n);
int get_num_threads();

}  // namespace focus
