// Graph pictures: the autograd graph behind a tensor as Graphviz DOT text, for `dot -Tsvg`.
// Each op's backward node is a box labelled with the op name and its output's shape and dtype;
// leaves that require grad are filled boxes (named when their names are given, e.g. a module's
// named_parameters()); inputs that do not require grad appear dashed, one box per use (the graph
// keeps their shape, not their identity). Arrows follow the data: from an op's inputs to the
// op, ending at the tensor the picture was drawn for.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <focus/tensor/tensor.h>

namespace focus {

struct DotOptions {
  std::string graph_name = "focus";
  // Names for leaves, matched by identity (the same tensor, not equal values).
  std::vector<std::pair<std::string, Tensor>> names;
  // Draw inputs that do not require grad (constants, data) as dashed boxes.
  bool show_constants = true;
};

// The graph reachable from root's grad_fn as a DOT digraph. The walk is iterative, so graphs of
// any depth work. Nodes whose saved tensors a backward has released are marked "(released)".
[[nodiscard]] std::string to_dot(const Tensor& root, const DotOptions& options = {});

}  // namespace focus
