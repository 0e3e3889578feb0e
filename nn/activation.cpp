// Activation modules: thin wrappers over the differentiable functions.
#include <focus/nn/activation.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_nn.h>

namespace focus::nn {

Tensor ReLU::forward(const Tensor& x) const { return with_module_path([&] { return relu(x); }); }
Tensor GELU::forward(const Tensor& x) const { return with_module_path([&] { return gelu(x); }); }
Tensor Tanh::forward(const Tensor& x) const { return with_module_path([&] { return tanh(x); }); }
Tensor Sigmoid::forward(const Tensor& x) const { return with_module_path([&] { return sigmoid(x); }); }
Tensor Softmax::forward(const Tensor& x) const { return with_module_path([&] { return softmax(x, dim_); }); }

}  // namespace focus::nn
