// Tensor's in-place methods. They write through the tensor's view, bump its storage's version
// (so a backward that saved this storage notices) and are not recorded in the graph: while grad
// mode is on they refuse tensors that require grad, as gradients through them would be wrong.
#include <focus/autograd/grad_mode.h>
#include <focus/tensor/kernel.h>

namespace focus {

namespace {

// Shared preamble: may op write into t? Bumps the version when it may.
void begin_inplace(const char* op, const Tensor& t) {
  if (GradMode::is_enabled() && t.requires_grad())
    throw AutogradError(std::string(op) +
                        ": in-place ops on a tensor that requires grad are not recorded; use the out-of-place "
                        "op, or wrap the update in NoGradGuard (as optimizers do); got shape " +
                        to_string(t.shape()));
  // A broadcast view (stride 0) would have several of its elements written to one address.
  for (int d = 0; d < t.dim(); ++d)
    if (t.strides()[d] == 0 && t.shape()[d] > 1)
      throw ValueError(std::string(op) + ": cannot write in place to a broadcast (expanded) tensor, whose elements " +
                       "share memory; got shape=" + to_string(t.shape()) + ", strides=" + to_string(t.strides()) +
                       " (clone it first)");
  t.storage()->bump_version(op);
}

void check_into(const char* op, const Tensor& self, const Tensor& other) {
  check_same_dtype(op, self, other);
  if (!broadcasts_to(other.shape(), self.shape()))
    throw ShapeError(std::string(op) + ": the other tensor must broadcast to this tensor's shape; got self=" +
                     to_string(self.shape()) + ", other=" + to_string(other.shape()));
}

}  // namespace

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::fill_(Scalar value) {
  begin_inplace("fill_", *this);
  kernel::fill_(*this, value);
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  if (!broadcasts_to(src.shape(), shape()))
    throw ShapeError("copy_: source must broadcast to this tensor's shape; got self=" + focus::to_string(shape()) +
                     ", src=" + focus::to_string(src.shape()));
  begin_inplace("copy_", *this);
  kernel::copy_into(*this, src);
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, Scalar alpha) {
  check_into("add_", *this, other);
  begin_inplace("add_", *this);
  if (alpha == 1) kernel::binary_(kernel::BinaryOp::Add, *this, other);
  else kernel::binary_(kernel::BinaryOp::Add, *this, kernel::binary(kernel::BinaryOp::Mul, other, alpha));
  return *this;
}

Tensor& Tensor::add_(Scalar other) {
  begin_inplace("add_", *this);
  kernel::binary_(kernel::BinaryOp::Add, *this, kernel::scalar_tensor(other, dtype()));
  return *this;
}

Tensor& Tensor::sub_(const Tensor& other) {
  check_into("sub_", *this, other);
  begin_inplace("sub_", *this);
  kernel::binary_(kernel::BinaryOp::Sub, *this, other);
  return *this;
}

Tensor& Tensor::mul_(const Tensor& other) {
  check_into("mul_", *this, other);
  begin_inplace("mul_", *this);
  kernel::binary_(kernel::BinaryOp::Mul, *this, other);
  return *this;
}

Tensor& Tensor::mul_(Scalar other) {
  begin_inplace("mul_", *this);
  kernel::binary_(kernel::BinaryOp::Mul, *this, kernel::scalar_tensor(other, dtype()));
  return *this;
}

Tensor& Tensor::div_(Scalar other) {
  begin_inplace("div_", *this);
  kernel::binary_(kernel::BinaryOp::Div, *this, kernel::scalar_tensor(other, dtype()));
  return *this;
}

Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  check_dtype("masked_fill_ (mask)", mask, kBool);
  if (!broadcasts_to(mask.shape(), shape()))
    throw ShapeError("masked_fill_: mask must broadcast to this tensor's shape; got self=" + focus::to_string(shape()) +
                     ", mask=" + focus::to_string(mask.shape()));
  begin_inplace("masked_fill_", *this);
  kernel::copy_into(*this, kernel::where(mask, kernel::scalar_tensor(value, dtype()), *this));
  return *this;
}

}  // namespace focus
