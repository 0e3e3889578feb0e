// Gradient clipping by total norm, as torch.nn.utils.clip_grad_norm_: the norm of all gradients
// taken together as one vector, and the gradients scaled down in place when it is too large.
#pragma once

#include <vector>

#include <focus/optim/optimizer.h>

namespace focus::optim {

// total = || (||g_1||_p, ||g_2||_p, ...) ||_p over the parameters that have a gradient (p = inf:
// the largest |element|); summed in double whatever the dtype. When total + 1e-6 > max_norm every
// gradient is multiplied by max_norm / (total + 1e-6). Returns total (0 when no parameter has a
// gradient). A non-finite total (a NaN or inf in some gradient) is returned and the gradients are
// left as they are (torch would multiply them by NaN or 0), so the caller can skip the step.
// Throws ValueError unless max_norm >= 0 and norm_type > 0 (inf allowed).
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);
double clip_grad_norm(const NamedParams& params, double max_norm, double norm_type = 2.0);

}  // namespace focus::optim
