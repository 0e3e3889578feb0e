// The backward walk (Kahn's algorithm over the graph reachable from the outputs). First each
// output's node is seeded with its gradient (ones for a one-element output, else the caller's);
// then
//   1. count, for every reachable node, the edges that point at it;
//   2-3. repeatedly take a node whose every consumer has run, call its closure with the summed
//      gradient, and pass each input gradient along its edge: summed into the next node's slot,
//      or into a per-leaf sum; last, each leaf's sum goes through its hooks into .grad.
// Gradients are only ever added, never assigned, so a value used twice receives both
// contributions. Both loops are explicit stacks, so graph depth never touches the C++ call stack.
#include <focus/autograd/engine.h>

#include <focus/autograd/anomaly.h>

#include <focus/autograd/grad_mode.h>
#include <focus/autograd/node.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/tensor/kernel.h>

#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace focus {

namespace {

// Where grad() wants gradients delivered instead of .grad.
struct Capture {
  std::unordered_map<const Node*, std::size_t> by_node;
  std::unordered_map<const AutogradMeta*, std::size_t> by_leaf;
  std::vector<Tensor> results;
};

void add_into(Tensor& slot, Tensor g) {
  if (!slot.defined()) slot = std::move(g);
  else slot = add(slot, g);  // records only under create_graph
}

Tensor run_hooks(const AutogradMeta& meta, Tensor g) {
  for (const auto& hook : meta.hooks) {
    Tensor r = hook(g);
    if (!r.defined()) continue;
    if (!(r.shape() == g.shape()) || r.dtype() != g.dtype())
      throw AutogradError("backward: a hook must return a gradient of the tensor's shape and dtype; got " +
                          to_string(r.shape()) + " " + std::string(dtype_name(r.dtype())) + " for " +
                          to_string(g.shape()) + " " + std::string(dtype_name(g.dtype())));
    g = std::move(r);
  }
  return g;
}

// Accumulate into .grad: take ownership of a gradient nobody else holds, copy otherwise (a
// gradient may alias another tensor's, e.g. add passes the same one to both inputs).
// Backward calls running at once on several threads may reach the same leaf (a parameter shared
// by their models); their gradients are summed under this one lock, so none is lost. Taken once
// per leaf per backward, after the walk: uncontended, it costs tens of nanoseconds.
std::mutex leaf_grad_mutex;

void accumulate_grad(AutogradMeta& meta, Tensor g, bool create_graph) {
  const std::lock_guard lock(leaf_grad_mutex);
  if (!meta.grad.defined()) {
    const bool sole_owner = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous();
    meta.grad = create_graph || sole_owner ? std::move(g) : kernel::clone(g);
  } else if (create_graph || meta.grad.requires_grad()) {
    meta.grad = add(meta.grad, g);
  } else {
    meta.grad.storage()->bump_version("backward (grad accumulation)");
    kernel::binary_(kernel::BinaryOp::Add, meta.grad, g);
  }
}

// Gradients reaching leaves during one walk, summed per leaf and delivered (hooks, then .grad)
// after the walk, so a leaf's hooks see its total gradient once, as a non-leaf's do.
struct LeafGrads {
  std::unordered_map<const AutogradMeta*, std::size_t> index;
  std::vector<std::pair<std::shared_ptr<AutogradMeta>, Tensor>> sums;  // in order of first arrival
  void add(const std::shared_ptr<AutogradMeta>& leaf, Tensor g) {
    auto [it, fresh] = index.try_emplace(leaf.get(), sums.size());
    if (fresh) sums.emplace_back(leaf, Tensor());
    add_into(sums[it->second].second, std::move(g));
  }
};

void deliver_to_leaf(const std::shared_ptr<AutogradMeta>& leaf, Tensor g, bool create_graph, Capture* cap) {
  g = run_hooks(*leaf, std::move(g));
  if (cap) {
    if (auto it = cap->by_leaf.find(leaf.get()); it != cap->by_leaf.end()) add_into(cap->results[it->second], g);
    return;
  }
  accumulate_grad(*leaf, std::move(g), create_graph);
}

void check_gradient(const char* where, const std::string& name, const Tensor& g, const Shape& shape, DType dt) {
  if (!(g.shape() == shape))
    throw ShapeError(std::string(where) + ": " + name + ": gradient shape must match the tensor's; got grad=" +
                     to_string(g.shape()) + ", tensor=" + to_string(shape));
  if (g.dtype() != dt)
    throw DTypeError(std::string(where) + ": " + name + ": gradient dtype must match the tensor's; got grad=" +
                     std::string(dtype_name(g.dtype())) + ", tensor=" + std::string(dtype_name(dt)));
}

Tensor seed_gradient(const Tensor& out, const Tensor& given) {
  if (given.defined()) {
    check_gradient("backward", "output", given, out.shape(), out.dtype());
    return given;
  }
  if (out.numel() != 1)
    throw AutogradError("backward: a gradient can be implied only for one-element outputs; got shape " +
                        to_string(out.shape()) + " (pass the output's gradient)");
  Tensor one = Tensor::empty(out.shape(), out.dtype());
  kernel::fill_(one, 1.0);
  return one;
}

void run_backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                  bool retain_graph, bool create_graph, Capture* cap) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw ValueError("backward: grad_outputs must have one entry per output; got " +
                     std::to_string(grad_outputs.size()) + " for " + std::to_string(outputs.size()));
  AutoGradMode mode(create_graph);

  std::unordered_map<Node*, Tensor> grads;
  LeafGrads leaf_grads;
  std::vector<Node*> roots;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    if (!out.requires_grad())
      throw AutogradError("backward: output " + std::to_string(i) +
                          " does not require grad and has no grad_fn (shape " + to_string(out.shape()) + ")");
    Tensor g = seed_gradient(out, i < grad_outputs.size() ? grad_outputs[i] : Tensor());
    const auto& meta = out.unsafe_impl()->autograd;
    if (meta->grad_fn) {
      add_into(grads[meta->grad_fn.get()], std::move(g));
      roots.push_back(meta->grad_fn.get());
    } else {
      leaf_grads.add(meta, std::move(g));
    }
  }

  // 1. Dependencies: how many edges from reachable nodes point at each node.
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen(roots.begin(), roots.end());
  std::vector<Node*> stack(seen.begin(), seen.end());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next_edges()) {
      if (!e.node) continue;
      ++deps[e.node.get()];
      if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }

  // 2-3. Walk nodes whose consumers have all run.
  std::vector<Node*> ready;
  for (Node* r : seen)
    if (deps[r] == 0) ready.push_back(r);
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    Tensor g;
    if (auto it = grads.find(n); it != grads.end()) {
      g = std::move(it->second);
      grads.erase(it);
    }
    Grads in;
    if (g.defined()) {
      check_gradient("backward", n->name(), g, n->output_shape(), n->output_dtype());
      if (auto meta = n->output_meta.lock()) {
        g = run_hooks(*meta, std::move(g));
        if (meta->retains_grad && !cap) accumulate_grad(*meta, g, create_graph);
      }
      if (cap)
        if (auto it = cap->by_node.find(n); it != cap->by_node.end()) add_into(cap->results[it->second], g);
      if (is_anomaly_enabled()) anomaly::check_incoming_grad(n->name(), g);
      in = n->apply(g);
      if (in.size() != n->next_edges().size())
        throw AutogradError("backward: " + n->name() + ": returned " + std::to_string(in.size()) +
                            " gradients for " + std::to_string(n->next_edges().size()) + " inputs");
    }
    const auto& edges = n->next_edges();
    for (std::size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      const bool has = i < in.size() && in[i].defined() && e.active();
      if (has) check_gradient("backward", n->name(), in[i], e.shape, e.dtype);
      if (e.leaf && has) {
        leaf_grads.add(e.leaf, std::move(in[i]));
      } else if (e.node) {
        if (has) add_into(grads[e.node.get()], std::move(in[i]));
        if (--deps[e.node.get()] == 0) ready.push_back(e.node.get());
      }
    }
    // create_graph implies retain_graph (as in PyTorch): the recorded gradients refer to this
    // graph's saved tensors, so a backward through them walks it again.
    if (!retain_graph && !create_graph) n->release();
  }
  for (auto& [leaf, g] : leaf_grads.sums) deliver_to_leaf(leaf, std::move(g), create_graph, cap);
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph) {
  run_backward(outputs, grad_outputs, retain_graph, create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  Capture cap;
  cap.results.resize(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad())
      throw AutogradError("grad: input " + std::to_string(i) + " does not require grad");
    const auto& meta = inputs[i].unsafe_impl()->autograd;
    if (meta->grad_fn) cap.by_node[meta->grad_fn.get()] = i;
    else cap.by_leaf[meta.get()] = i;
  }
  run_backward(outputs, grad_outputs, retain_graph, create_graph, &cap);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!cap.results[i].defined() && !allow_unused)
      throw AutogradError("grad: input " + std::to_string(i) +
                          " is not reached from the outputs (pass allow_unused=true to get an undefined gradient)");
  return cap.results;
}

}  // namespace focus
