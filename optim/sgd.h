// SGD: stochastic gradient descent with optional momentum (heavy-ball or Nesterov), dampening and
// L2 weight decay, step for step as torch.optim.SGD. One fused pass over each parameter's elements.
#pragma once

#include <limits>

#include <focus/optim/optimizer.h>

namespace focus::optim {

struct SGDOptions {
  double lr = std::numeric_limits<double>::quiet_NaN();  // required, as in torch
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;  // L2: added to the gradient as weight_decay * p
  bool nesterov = false;
};

// With g the gradient, d = g + weight_decay * p, and buf the momentum buffer (state
// "momentum_buffer", kept only when momentum != 0):
//   buf = d on the first step, else momentum * buf + (1 - dampening) * d
//   step direction: d when momentum == 0; buf; or d + momentum * buf with nesterov
//   p -= lr * direction
// lr and weight_decay are per group (options give the first group's); momentum, dampening and
// nesterov are shared. Throws ValueError for lr < 0, momentum < 0, weight_decay < 0, or nesterov
// without momentum > 0 and dampening == 0.
class SGD : public Optimizer {
 public:
  SGD(NamedParams params, SGDOptions options);
  SGD(const std::vector<Tensor>& params, SGDOptions options) : SGD(name_params(params), options) {}

  const SGDOptions& options() const { return options_; }

 protected:
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> buffer_names() const override;

 private:
  SGDOptions options_;
};

}  // namespace focus::optim
