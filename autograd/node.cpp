// Node lifetime. Destroying the head of a long chain would otherwise destroy the next node from
// inside this destructor, and so on: 100,000 nested destructors overflow the stack. Instead each
// dying node hands what it owns (its edges and its closure, which may hold the last references to
// earlier nodes) to a thread-local list that the outermost destructor drains in a loop.
#include <focus/autograd/node.h>

#include <atomic>

namespace focus {

namespace {

std::atomic<std::int64_t> live_nodes{0};

struct Remains {
  std::vector<Edge> edges;
  BackwardFn backward;
};

thread_local std::vector<Remains> pending;
thread_local bool draining = false;

}  // namespace

Node::Node(std::string name, std::vector<Edge> edges, BackwardFn backward, Shape output_shape,
           DType output_dtype)
    : name_(std::move(name)),
      edges_(std::move(edges)),
      backward_(std::move(backward)),
      output_shape_(output_shape),
      output_dtype_(output_dtype) {
  ++live_nodes;
}

Node::~Node() {
  --live_nodes;
  pending.push_back({std::move(edges_), std::move(backward_)});
  if (draining) return;  // an outer destructor is draining the list
  draining = true;
  while (!pending.empty()) {
    Remains r = std::move(pending.back());
    pending.pop_back();
    // r dies here; any node it held last dies too and pushes its own remains.
  }
  draining = false;
}

Grads Node::apply(const Tensor& grad_output) {
  if (released_)
    throw AutogradError("backward: " + name_ +
                        ": the graph was already released by an earlier backward; pass "
                        "retain_graph=true to the first backward to run backward twice");
  return backward_(grad_output);
}

void Node::release() {
  // Move out first: destroying the closure may destroy nodes, which must not see a half-reset one.
  BackwardFn dead = std::move(backward_);
  backward_ = nullptr;
  released_ = true;
}

std::int64_t Node::live_count() { return live_nodes.load(); }

}  // namespace focus
