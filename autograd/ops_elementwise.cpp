// Differentiable elementwise ops. Each op: checks, forward kernel, and (when a gradient is
// needed) its backward right below, in terms of differentiable ops so that create_graph works.
// Broadcasting is undone by sum_to in every backward.
#include <focus/autograd/ops_elementwise.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/tensor/kernel.h>

#include <cmath>

namespace focus {

using kernel::BinaryOp;
using kernel::UnaryOp;

// ---- arithmetic -------------------------------------------------------------------------------

// y = a + b;  [..] broadcast [..];  da = sum_to(g), db = sum_to(g)
Tensor add(const Tensor& a, const Tensor& b) {
  check_same_dtype("add", a, b);
  Tensor out = kernel::binary(BinaryOp::Add, a, b);
  if (!needs_grad(a, b)) return out;
  return record("add", out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) -> Grads {
    return {sum_to(g, sa), sum_to(g, sb)};
  });
}

// y = a + s;  da = g
Tensor add(const Tensor& a, Scalar b) {
  Tensor out = kernel::binary(BinaryOp::Add, a, b);
  if (!needs_grad(a)) return out;
  return record("add", out, {a}, [](const Tensor& g) -> Grads { return {g}; });
}

// y = a - b;  da = sum_to(g), db = -sum_to(g)
Tensor sub(const Tensor& a, const Tensor& b) {
  check_same_dtype("sub", a, b);
  Tensor out = kernel::binary(BinaryOp::Sub, a, b);
  if (!needs_grad(a, b)) return out;
  return record("sub", out, {a, b}, [sa = a.shape(), sb = b.shape(), nb = b.requires_grad()](const Tensor& g) -> Grads {
    return {sum_to(g, sa), nb ? neg(sum_to(g, sb)) : Tensor()};
  });
}

// y = a - s;  da = g
Tensor sub(const Tensor& a, Scalar b) {
  Tensor out = kernel::binary(BinaryOp::Sub, a, b);
  if (!needs_grad(a)) return out;
  return record("sub", out, {a}, [](const Tensor& g) -> Grads { return {g}; });
}

// y = s - b;  db = -g
Tensor sub(Scalar a, const Tensor& b) {
  Tensor out = kernel::binary(BinaryOp::Sub, a, b);
  if (!needs_grad(b)) return out;
  return record("sub", out, {b}, [](const Tensor& g) -> Grads { return {neg(g)}; });
}

// y = a * b;  da = sum_to(g * b), db = sum_to(g * a)
Tensor mul(const Tensor& a, const Tensor& b) {
  check_same_dtype("mul", a, b);
  Tensor out = kernel::binary(BinaryOp::Mul, a, b);
  if (!needs_grad(a, b)) return out;
  return record("mul", out, {a, b},
                [a = save(a), b = save(b), na = a.requires_grad(), nb = b.requires_grad()](const Tensor& g) -> Grads {
                  const Tensor& av = a.get("mul");
                  const Tensor& bv = b.get("mul");
                  return {na ? sum_to(g * bv, av.shape()) : Tensor(), nb ? sum_to(g * av, bv.shape()) : Tensor()};
                });
}

// y = a * s;  da = g * s
Tensor mul(const Tensor& a, Scalar b) {
  Tensor out = kernel::binary(BinaryOp::Mul, a, b);
  if (!needs_grad(a)) return out;
  return record("mul", out, {a}, [b](const Tensor& g) -> Grads { return {g * b}; });
}

// y = a / b;  da = sum_to(g / b), db = -sum_to(g * a / b^2)
Tensor div(const Tensor& a, const Tensor& b) {
  check_same_dtype("div", a, b);
  Tensor out = kernel::binary(BinaryOp::Div, a, b);
  if (!needs_grad(a, b)) return out;
  return record("div", out, {a, b},
                [a = save(a), b = save(b), na = a.requires_grad(), nb = b.requires_grad()](const Tensor& g) -> Grads {
                  const Tensor& av = a.get("div");
                  const Tensor& bv = b.get("div");
                  return {na ? sum_to(g / bv, av.shape()) : Tensor(),
                          nb ? neg(sum_to(g * av / (bv * bv), bv.shape())) : Tensor()};
                });
}

// y = a / s;  da = g / s
Tensor div(const Tensor& a, Scalar b) {
  Tensor out = kernel::binary(BinaryOp::Div, a, b);
  if (!needs_grad(a)) return out;
  return record("div", out, {a}, [b](const Tensor& g) -> Grads { return {g / b}; });
}

// y = s / b;  db = -g * s / b^2
Tensor div(Scalar a, const Tensor& b) {
  Tensor out = kernel::binary(BinaryOp::Div, a, b);
  if (!needs_grad(b)) return out;
  return record("div", out, {b}, [a, b = save(b)](const Tensor& g) -> Grads {
    const Tensor& bv = b.get("div");
    return {neg(g * a / (bv * bv))};
  });
}

// y = -x;  dx = -g
Tensor neg(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Neg, x);
  if (!needs_grad(x)) return out;
  return record("neg", out, {x}, [](const Tensor& g) -> Grads { return {neg(g)}; });
}

// y = x^p (p a number);  dx = g * p * x^(p-1)
Tensor pow(const Tensor& x, Scalar exponent) {
  Tensor out = kernel::pow_scalar(x, exponent);
  if (!needs_grad(x)) return out;
  return record("pow", out, {x}, [x = save(x), exponent](const Tensor& g) -> Grads {
    if (exponent == 0) return {g * 0.0};
    return {g * pow(x.get("pow"), exponent - 1) * exponent};
  });
}

namespace {

// max/min of two tensors: the gradient goes to the chosen side, half to each on ties.
Tensor extremum(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  check_same_dtype(name, a, b);
  Tensor out = kernel::binary(op, a, b);
  if (!needs_grad(a, b)) return out;
  return record(name, out, {a, b}, [name, a = save(a), b = save(b), op](const Tensor& g) -> Grads {
    const Tensor& av = a.get(name);
    const Tensor& bv = b.get(name);
    const Tensor a_wins = kernel::to_dtype(kernel::binary(op == BinaryOp::Maximum ? BinaryOp::Gt : BinaryOp::Lt, av, bv), g.dtype());
    const Tensor tie = kernel::to_dtype(kernel::binary(BinaryOp::Eq, av, bv), g.dtype());
    const Tensor share_a = kernel::axpby(a_wins, 1.0, tie, 0.5);
    return {sum_to(g * share_a, av.shape()), sum_to(g * (1.0 - share_a), bv.shape())};
  });
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum("maximum", BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum("minimum", BinaryOp::Minimum, a, b); }

// ---- maths ------------------------------------------------------------------------------------
// The backward of ops whose derivative is best written with the output (exp, tanh, sigmoid)
// uses the saved output when gradients are plain values, and recomputes it from the input under
// create_graph, where the derivative must itself be differentiable.

// y = e^x;  dx = g * y
Tensor exp(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Exp, x);
  if (!needs_grad(x)) return out;
  return record("exp", out, {x}, [x = save(x), y = save_output(out)](const Tensor& g) -> Grads {
    return {g * (GradMode::is_enabled() ? exp(x.get("exp")) : y.get("exp"))};
  });
}

// y = ln x;  dx = g / x
Tensor log(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Log, x);
  if (!needs_grad(x)) return out;
  return record("log", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {g / x.get("log")}; });
}

// y = sqrt(x);  dx = g / (2 sqrt(x))
Tensor sqrt(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Sqrt, x);
  if (!needs_grad(x)) return out;
  return record("sqrt", out, {x}, [x = save(x), y = save_output(out)](const Tensor& g) -> Grads {
    return {g / ((GradMode::is_enabled() ? sqrt(x.get("sqrt")) : y.get("sqrt")) * 2.0)};
  });
}

// y = 1 / sqrt(x);  dx = -g * y^3 / 2
Tensor rsqrt(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Rsqrt, x);
  if (!needs_grad(x)) return out;
  return record("rsqrt", out, {x}, [x = save(x), y = save_output(out)](const Tensor& g) -> Grads {
    const Tensor r = GradMode::is_enabled() ? rsqrt(x.get("rsqrt")) : y.get("rsqrt");
    return {g * r * r * r * -0.5};
  });
}

// y = sin x;  dx = g cos x
Tensor sin(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Sin, x);
  if (!needs_grad(x)) return out;
  return record("sin", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {g * cos(x.get("sin"))}; });
}

// y = cos x;  dx = -g sin x
Tensor cos(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Cos, x);
  if (!needs_grad(x)) return out;
  return record("cos", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {neg(g * sin(x.get("cos")))}; });
}

// y = tanh x;  dx = g (1 - y^2)
Tensor tanh(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Tanh, x);
  if (!needs_grad(x)) return out;
  return record("tanh", out, {x}, [x = save(x), y = save_output(out)](const Tensor& g) -> Grads {
    const Tensor t = GradMode::is_enabled() ? tanh(x.get("tanh")) : y.get("tanh");
    return {g * (1.0 - t * t)};
  });
}

// y = 1 / (1 + e^-x);  dx = g y (1 - y)
Tensor sigmoid(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Sigmoid, x);
  if (!needs_grad(x)) return out;
  return record("sigmoid", out, {x}, [x = save(x), y = save_output(out)](const Tensor& g) -> Grads {
    const Tensor s = GradMode::is_enabled() ? sigmoid(x.get("sigmoid")) : y.get("sigmoid");
    return {g * s * (1.0 - s)};
  });
}

// y = max(x, 0);  dx = g where x > 0
namespace {
// relu's gradient g * (x > 0), differentiable in g (the step in x has derivative 0 almost
// everywhere), so relu has second derivatives.
Tensor relu_backward(const Tensor& g, const Tensor& x) {
  Tensor out = kernel::relu_backward(g, x);
  if (!needs_grad(g)) return out;
  return record("relu_backward", out, {g}, [x = save(x)](const Tensor& gg) -> Grads {
    return {relu_backward(gg, x.get("relu_backward"))};
  });
}
}  // namespace

Tensor relu(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Relu, x);
  if (!needs_grad(x)) return out;
  return record("relu", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {relu_backward(g, x.get("relu"))}; });
}

namespace {
// d gelu(x) / dx = Phi(x) + x phi(x), as a differentiable op of its own (its derivative is
// phi(x) (2 - x^2)), so gelu has second derivatives.
Tensor gelu_grad(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::GeluGrad, x);
  if (!needs_grad(x)) return out;
  return record("gelu_grad", out, {x}, [x = save(x)](const Tensor& g) -> Grads {
    const Tensor& xv = x.get("gelu_grad");
    const Tensor phi = exp(xv * xv * -0.5) * 0.39894228040143267794;
    return {g * phi * (2.0 - xv * xv)};
  });
}
}  // namespace

// y = x Phi(x) (exact, erf-based);  dx = g (Phi(x) + x phi(x))
Tensor gelu(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Gelu, x);
  if (!needs_grad(x)) return out;
  return record("gelu", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {g * gelu_grad(x.get("gelu"))}; });
}

// y = |x|;  dx = g sign(x)
Tensor abs(const Tensor& x) {
  Tensor out = kernel::unary(UnaryOp::Abs, x);
  if (!needs_grad(x)) return out;
  return record("abs", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {g * kernel::unary(UnaryOp::Sign, x.get("abs"))}; });
}

// y = sign(x): piecewise constant, so no gradient flows (as in torch, where it is zero).
Tensor sign(const Tensor& x) { return kernel::unary(UnaryOp::Sign, x); }

// y = min(max(x, lo), hi);  dx = g where lo <= x <= hi
Tensor clamp(const Tensor& x, Scalar lo, Scalar hi) {
  Tensor out = kernel::clamp(x, lo, hi);
  if (!needs_grad(x)) return out;
  return record("clamp", out, {x}, [x = save(x), lo, hi](const Tensor& g) -> Grads {
    const Tensor& xv = x.get("clamp");
    Tensor inside = kernel::scalar_tensor(1.0, kBool);
    if (!std::isnan(lo)) inside = kernel::binary(BinaryOp::LogicalAnd, inside, kernel::binary(BinaryOp::Ge, xv, lo));
    if (!std::isnan(hi)) inside = kernel::binary(BinaryOp::LogicalAnd, inside, kernel::binary(BinaryOp::Le, xv, hi));
    return {g * kernel::to_dtype(inside, g.dtype())};
  });
}

Tensor clamp_min(const Tensor& x, Scalar lo) { return clamp(x, lo, std::nan("")); }
Tensor clamp_max(const Tensor& x, Scalar hi) { return clamp(x, std::nan(""), hi); }

// ---- comparisons and logic ----------------------------------------------------------------------
namespace {
Tensor compare(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_same_dtype(kernel::binary_op_name(op), a, b);
  return kernel::binary(op, a, b);
}
}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ge, a, b); }
Tensor eq(const Tensor& a, Scalar b) { return kernel::binary(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, Scalar b) { return kernel::binary(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, Scalar b) { return kernel::binary(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, Scalar b) { return kernel::binary(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, Scalar b) { return kernel::binary(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, Scalar b) { return kernel::binary(BinaryOp::Ge, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return compare(BinaryOp::LogicalAnd, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return compare(BinaryOp::LogicalOr, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return compare(BinaryOp::LogicalXor, a, b); }
Tensor logical_not(const Tensor& x) { return kernel::unary(UnaryOp::LogicalNot, x); }

// ---- selection ----------------------------------------------------------------------------------

// y = cond ? a : b;  da = sum_to(g where cond), db = sum_to(g where !cond)
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_dtype("where (condition)", cond, kBool);
  check_same_dtype("where", a, b);
  Tensor out = kernel::where(cond, a, b);
  if (!needs_grad(a, b)) return out;
  return record("where", out, {a, b}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& g) -> Grads {
    const Tensor zero = kernel::scalar_tensor(0.0, g.dtype());
    return {sum_to(where(cond, g, zero), sa), sum_to(where(cond, zero, g), sb)};
  });
}

// y = mask ? value : x;  dx = g where !mask
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  check_dtype("masked_fill (mask)", mask, kBool);
  if (!broadcasts_to(mask.shape(), x.shape()))
    throw ShapeError("masked_fill: mask must broadcast to the tensor's shape; got tensor=" + to_string(x.shape()) +
                     ", mask=" + to_string(mask.shape()));
  Tensor out = kernel::where(mask, kernel::scalar_tensor(value, x.dtype()), x);
  if (!needs_grad(x)) return out;
  return record("masked_fill", out, {x}, [mask](const Tensor& g) -> Grads { return {masked_fill(g, mask, 0.0)}; });
}

}  // namespace focus
