// The compute kernels behind the differentiable ops: plain functions on tensors, no autograd.
// Inputs may be any strided view; outputs are fresh contiguous tensors unless a name ends in
// "_into" or "_" (writes into its first argument). Shape and dtype checks that need the op's
// name are done by the caller (autograd/ops_*), so kernels assume valid input.
// Other kernel families: reduce.h, matmul.h, index.h, nn_kernels.h, random.h.
#pragma once

#include <focus/tensor/tensor.h>

namespace focus::kernel {

// ---- layout and copies ------------------------------------------------------------------------
Tensor contiguous(const Tensor& t);          // t itself if already contiguous
Tensor clone(const Tensor& t);               // always new memory, contiguous
Tensor to_dtype(const Tensor& t, DType dt);  // t itself if dtype matches; bool <-> numbers as C++
// Copies src (broadcast to dst's shape, converted to dst's dtype) into dst's elements.
void copy_into(const Tensor& dst, const Tensor& src);
void fill_(const Tensor& dst, Scalar value);
Tensor scalar_tensor(Scalar value, DType dt);  // rank 0

// ---- elementwise ------------------------------------------------------------------------------
enum class BinaryOp {
  // arithmetic (numeric dtypes; result has the input dtype)
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  // comparisons (any dtype; result is bool)
  Eq, Ne, Lt, Le, Gt, Ge,
  // logical (bool in, bool out)
  LogicalAnd, LogicalOr, LogicalXor,
};
const char* binary_op_name(BinaryOp op);

// out = op(a, b) with NumPy broadcasting. Dtypes must match (checked by the caller).
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor binary(BinaryOp op, const Tensor& a, Scalar b);
Tensor binary(BinaryOp op, Scalar a, const Tensor& b);
// a = op(a, b) in place; b broadcasts to a's shape.
void binary_(BinaryOp op, const Tensor& a, const Tensor& b);

enum class UnaryOp {
  Neg, Abs, Sign,                                   // numeric
  Exp, Log, Sqrt, Rsqrt, Sin, Cos, Tanh, Sigmoid,   // floating
  Relu, Gelu, GeluGrad,                             // floating; GeluGrad is d gelu(x) / dx
  LogicalNot,                                       // bool
};
const char* unary_op_name(UnaryOp op);
Tensor unary(UnaryOp op, const Tensor& x);

// Parameterised elementwise ops.
Tensor pow_scalar(const Tensor& x, Scalar exponent);
Tensor clamp(const Tensor& x, Scalar lo, Scalar hi);  // NaN bound = no bound on that side
// cond ? a : b, all three broadcast together; cond is bool.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// relu's gradient: g where x > 0, else 0 (0 also where g is NaN or Inf, as PyTorch's
// threshold_backward). One pass, instead of a comparison, a cast and a product.
Tensor relu_backward(const Tensor& g, const Tensor& x);
// a * alpha + b * beta (one pass; used by optimizers and gradient accumulation).
Tensor axpby(const Tensor& a, Scalar alpha, const Tensor& b, Scalar beta);

// Shapes: an input shape broadcast against another, as the kernels see it.
Tensor broadcast_to(const Tensor& t, const Shape& shape);  // a stride-0 view; caller checked

}  // namespace focus::kernel
