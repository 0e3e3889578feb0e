// One knob for every thread pool focus uses (today: OpenBLAS's).
#pragma once

namespace focus {

void set_num_threads(int n);
int get_num_threads();

}  // namespace focus
