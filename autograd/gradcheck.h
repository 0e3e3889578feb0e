// gradcheck: compares the gradients autograd computes with central finite differences, the way
// torch.autograd.gradcheck does. Inputs are float64: float32 differences are too coarse for tight
// tolerances. Every op and layer in focus is checked with it; users check their own ops with it.
// It cannot pass by accident: nothing to compare is an error, a non-finite derivative a failure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <focus/tensor/tensor.h>

namespace focus {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // pass when |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  // The worst element found: which input, its flat (row-major) index, the output element, and
  // the two derivatives that were compared.
  int input = -1;
  std::int64_t input_element = -1;
  std::int64_t output_element = -1;
  double analytic = 0, numeric = 0;
  std::string message;  // one line saying all of the above
  explicit operator bool() const { return ok; }
};

// Checks d fn(inputs) / d inputs[i] for every input that requires grad. fn must be a pure
// function of its inputs (same values in, same values out) returning float64. It runs in the
// caller's grad mode, so fn may itself call grad(..., create_graph=true): gradcheck of such a fn
// checks second derivatives.
//
// A check that compares nothing is an error, never a pass. Throws:
// - AutogradError when no input requires grad;
// - ShapeError when the inputs that require grad, or fn's output, hold no element;
// - DTypeError when an input is float32 (every floating input must be float64, also one that does
//   not require grad: a float32 value in fn is most often a conversion the author forgot, and
//   then the check is of another function than the float64 one meant), or fn's output is not
//   float64. Integer and bool inputs (indices, targets, masks) are constants and may stay.
//   Undefined inputs (an absent bias) are skipped.
// Fails (ok = false) when a derivative, analytic or numeric, is NaN or infinite, also when both
// sides agree on it: the function or its derivative is undefined or unbounded within eps of the
// point (a pole, sqrt at 0, a log of a negative), where no comparison means anything. The
// message names the element and says the point may be singular.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

// Second derivatives, as torch.autograd.gradgradcheck: gradchecks the map
//   (inputs, v) -> grad(fn(inputs), inputs, v, create_graph=true)
// (the gradients of every input that requires grad, flattened and joined), so it checks that
// each op's backward is itself differentiable and correct. v is grad_output when given (float64,
// fn's output shape), else uniform in [-1, 1) from a Generator seeded with `seed`. The result's
// `input` counts fn's inputs, then v as input number inputs.size(). The rules and errors are
// gradcheck's, named "gradgradcheck".
GradcheckResult gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                              const std::vector<Tensor>& inputs, const Tensor& grad_output = Tensor(),
                              const GradcheckOptions& options = {}, std::uint64_t seed = 0);

}  // namespace focus
