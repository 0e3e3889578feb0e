// The autograd graph. A Node is the backward of one op: a closure that maps the gradient of the
// op's output to one gradient per input, plus an edge per input saying where that gradient goes
// (the input's own Node, or the leaf whose .grad accumulates it). Edges point from outputs to
// inputs only, and a closure never holds its own output, so the graph has no cycles and is freed
// as soon as the last tensor that reaches it is gone.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <focus/tensor/tensor.h>

namespace focus {

// Autograd state of a tensor; created the first time the tensor joins the graph.
struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;            // keep .grad on a non-leaf
  Tensor grad;                          // accumulated gradient (leaves, or retain_grad)
  std::shared_ptr<Node> grad_fn;        // null for leaves
  std::vector<std::function<Tensor(const Tensor&)>> hooks;
};

using Grads = std::vector<Tensor>;
// Receives the gradient of the op's output; returns one gradient per input, in input order
// (undefined where an input does not need one).
using BackwardFn = std::function<Grads(const Tensor& grad_output)>;

struct Edge {
  std::shared_ptr<Node> node;          // the input's backward, if it has one
  std::shared_ptr<AutogradMeta> leaf;  // else the leaf that accumulates, if it requires grad
  Shape shape;                         // the input's shape: its gradient must have it
  DType dtype = kFloat32;
  bool active() const { return node || leaf; }
};

class Node {
 public:
  Node(std::string name, std::vector<Edge> edges, BackwardFn backward, Shape output_shape,
       DType output_dtype);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<Edge>& next_edges() const { return edges_; }
  const Shape& output_shape() const { return output_shape_; }
  DType output_dtype() const { return output_dtype_; }

  // Runs the backward closure; throws AutogradError if the graph was released.
  Grads apply(const Tensor& grad_output);
  // Drops the closure and with it every tensor it saved.
  void release();
  bool released() const { return released_; }

  // The output tensor's autograd state (weak: the output owns this node, not the reverse), for
  // hooks and retain_grad on non-leaf tensors.
  std::weak_ptr<AutogradMeta> output_meta;

  // How many nodes exist right now in this process: tests use it to see graphs freed.
  static std::int64_t live_count();

 private:
  std::string name_;
  std::vector<Edge> edges_;
  BackwardFn backward_;
  Shape output_shape_;
  DType output_dtype_;
  bool released_ = false;
};

}  // namespace focus
