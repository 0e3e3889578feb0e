// The backward engine: an iterative topological walk of the graph from the outputs, handing each
// node the sum of the gradients that reached it, and accumulating into the leaves' .grad.
#pragma once

#include <vector>

#include <focus/tensor/tensor.h>

namespace focus {

// Backpropagates from outputs, each seeded with its grad_outputs entry (undefined or missing:
// ones, allowed only for one-element outputs). Accumulates into .grad of the leaves reached.
// Unless retain_graph, the graph's saved tensors are released as the walk passes them.
// With create_graph the gradients are themselves recorded, so they can be differentiated again;
// it implies retain_graph, since the recorded gradients lead back into this graph.
// A leaf's hooks run once per backward, on the sum of every gradient that reached it.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

// d(outputs)/d(inputs) weighted by grad_outputs, returned rather than accumulated into .grad
// (torch.autograd.grad). An input the outputs do not depend on is an error unless allow_unused,
// in which case its entry is undefined.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

}  // namespace focus
