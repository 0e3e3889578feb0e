// Tensor's autograd methods (declared in tensor/tensor.h): requires_grad, .grad, backward,
// detach, hooks.
#include <focus/autograd/engine.h>
#include <focus/autograd/node.h>

namespace focus {

namespace {
AutogradMeta& meta_of(const Tensor& t) {
  auto& m = t.unsafe_impl()->autograd;
  if (!m) m = std::make_shared<AutogradMeta>();
  return *m;
}
}  // namespace

bool Tensor::requires_grad() const {
  const auto& m = impl().autograd;
  return m && m->requires_grad;
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  if (requires_grad && !is_floating(dtype()))
    throw DTypeError("requires_grad_: only floating tensors can require gradients; got " +
                     std::string(dtype_name(dtype())));
  if (!requires_grad && grad_fn())
    throw AutogradError("requires_grad_: cannot turn off requires_grad on a non-leaf tensor (use detach())");
  meta_of(*this).requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const { return grad_fn() == nullptr; }

Tensor Tensor::grad() const {
  const auto& m = impl().autograd;
  return m ? m->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  if (grad.defined() && !(grad.shape() == shape()))
    throw ShapeError("set_grad: gradient shape must match the tensor's; got grad=" + focus::to_string(grad.shape()) +
                     ", tensor=" + focus::to_string(shape()));
  if (grad.defined() && grad.dtype() != dtype())
    throw DTypeError("set_grad: gradient dtype must match the tensor's; got grad=" + std::string(dtype_name(grad.dtype())) +
                     ", tensor=" + std::string(dtype_name(dtype())));
  meta_of(*this).grad = grad;
}

void Tensor::zero_grad() const {
  if (const auto& m = impl().autograd) m->grad = Tensor();
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  focus::backward({*this}, {gradient}, retain_graph, create_graph);
}

Tensor Tensor::detach() const {
  const TensorImpl& i = impl();
  return view_of(i.storage, i.shape, i.strides, i.offset, i.dtype);
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  const auto& m = impl().autograd;
  return m ? m->grad_fn : none;
}

void Tensor::retain_grad() const {
  if (!requires_grad()) throw AutogradError("retain_grad: tensor does not require grad");
  meta_of(*this).retains_grad = true;
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  if (!requires_grad()) throw AutogradError("register_hook: tensor does not require grad");
  meta_of(*this).hooks.push_back(std::move(hook));
}

}  // namespace focus
