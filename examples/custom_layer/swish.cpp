// swish and the Swish module. The op follows the library's recipe (autograd/function.h):
// check the inputs, compute the value without recording, return early when no gradient is
// wanted, else hand one backward closure to record().
#include "swish.h"

namespace custom {

using focus::Grads;
using focus::Tensor;

// y = x * sigmoid(beta * x);  x [.., C], beta [C] -> y [.., C]
// dx = g * (s + beta * x * s * (1 - s)),  dbeta = sum over .. of g * x^2 * s * (1 - s),
// where s = sigmoid(beta * x).
Tensor swish(const Tensor& x, const Tensor& beta) {
  // 1. Check the inputs. The message names the op, the rule and the shapes.
  focus::check_same_dtype("swish", x, beta);
  focus::check_floating("swish", x);
  if (x.dim() < 1 || beta.dim() != 1 || beta.size(0) != x.size(-1))
    throw focus::ShapeError("swish: beta must be [C] with C = x's last dim; got x=" + focus::to_string(x.shape()) +
                            ", beta=" + focus::to_string(beta.shape()));
  // 2. Compute the value without recording anything: the backward below is ours.
  Tensor out;
  {
    focus::NoGradGuard no_grad;
    out = x * focus::sigmoid(x * beta);
  }
  // 3. Nobody wants a gradient (no input requires grad, or grad mode is off): done.
  if (!focus::needs_grad(x, beta)) return out;
  // 4. Record one node: name, output, inputs, and a closure mapping the output's gradient g to
  //    one gradient per input, in input order.
  return focus::record("swish", out, {x, beta}, [x = focus::save(x), beta = focus::save(beta)](const Tensor& g) -> Grads {
    const Tensor& xv = x.get("swish");
    const Tensor& bv = beta.get("swish");
    const Tensor s = focus::sigmoid(xv * bv);
    const Tensor ds = s * (1.0 - s);  // sigmoid'(beta * x)
    const Tensor dx = g * (s + xv * bv * ds);
    const Tensor dbeta = focus::sum_to(g * xv * xv * ds, bv.shape());
    return {dx, dbeta};
  });
}

Swish::Swish(std::int64_t features, focus::DType dtype) : Module("Swish"), features_(features) {
  if (features <= 0)
    throw focus::ValueError("Swish: features must be positive; got " + std::to_string(features));
  beta = register_parameter("beta", focus::ones({features}, dtype));
}

Tensor Swish::forward(const Tensor& x) const { return swish(x, beta); }

std::string Swish::extra_repr() const { return "features=" + std::to_string(features_); }

}  // namespace custom
