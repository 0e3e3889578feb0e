// record(): the one place a node is made and attached to an op's output.
#include <focus/autograd/function.h>

#include <focus/autograd/anomaly.h>

namespace focus {

bool needs_grad_any(const std::vector<Tensor>& ts) {
  if (!GradMode::is_enabled()) return false;
  for (const auto& t : ts)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor record(std::string_view name, Tensor out, const std::vector<Tensor>& inputs, BackwardFn backward) {
  // An input made its own output would point its node at itself: a cycle that never frees.
  if (out.grad_fn())
    throw AutogradError("record: " + std::string(name) + ": the output already has a grad_fn (" +
                        out.grad_fn()->name() + "); an op must return a fresh tensor");
  for (const auto& in : inputs)
    if (in.defined() && in.is_same(out))
      throw AutogradError("record: " + std::string(name) +
                          ": the output is one of the inputs; an op must return a fresh tensor (a view or a copy)");
  if (is_anomaly_enabled()) {
    anomaly::check_output(name, out, inputs);
    // The backward checks its own gradients, naming the scope the op was created in.
    backward = [inner = std::move(backward), op = std::string(name), where = current_anomaly_scope()](const Tensor& g) {
      Grads grads = inner(g);
      anomaly::check_input_grads(op, grads, where);
      return grads;
    };
  }
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const auto& in : inputs) {
    Edge e;
    if (in.defined()) {
      e.shape = in.shape();
      e.dtype = in.dtype();
      if (auto* meta = in.unsafe_impl()->autograd.get(); meta && meta->requires_grad) {
        if (meta->grad_fn) e.node = meta->grad_fn;
        else e.leaf = in.unsafe_impl()->autograd;
      }
    }
    edges.push_back(std::move(e));
  }
  auto node = std::make_shared<Node>(std::string(name), std::move(edges), std::move(backward), out.shape(),
                                     out.dtype());
  auto& meta = out.unsafe_impl()->autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = node;
  node->output_meta = meta;
  return out;
}

const Tensor& SavedTensor::get(std::string_view op) const {
  if (t_.defined() && t_.storage()->version() != version_)
    throw AutogradError("backward: " + std::string(op) +
                        ": a tensor saved for the gradient was modified in place by " +
                        t_.storage()->last_writer() + " (version " +
                        std::to_string(t_.storage()->version()) + ", saved at version " +
                        std::to_string(version_) + "); clone it before modifying it");
  return t_;
}

}  // namespace focus
