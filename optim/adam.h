// Adam and AdamW, step for step as torch.optim.Adam and torch.optim.AdamW: moment estimates with
// bias correction, optional AMSGrad; Adam adds weight decay to the gradient (L2), AdamW shrinks
// the parameter before the update (decoupled). One fused pass over each parameter's elements.
#pragma once

#include <utility>

#include <focus/optim/optimizer.h>

namespace focus::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;  // L2: added to the gradient as weight_decay * p
  bool amsgrad = false;
};

// AdamOptions with torch.optim.AdamW's default weight decay, which here is decoupled.
struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p *= 1 - lr * weight_decay before the update
  bool amsgrad = false;
};

// With t the parameter's step count (state "step", from 1), g the gradient and (b1, b2) = betas:
//   AdamW only:  p = p * (1 - lr * weight_decay)
//   Adam only:   g = g + weight_decay * p
//   m = b1 * m + (1 - b1) * g                   state "exp_avg"
//   v = b2 * v + (1 - b2) * g * g               state "exp_avg_sq"
//   amsgrad:     v_max = max(v_max, v)          state "max_exp_avg_sq"; v_max replaces v below
//   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// lr and weight_decay are per group (options give the first group's); the rest are shared.
// Throws ValueError for lr < 0, eps < 0, a beta outside [0, 1), weight_decay < 0.
class Adam : public Optimizer {
 public:
  Adam(NamedParams params, AdamOptions options = {});
  Adam(const std::vector<Tensor>& params, AdamOptions options = {}) : Adam(name_params(params), options) {}

  const AdamOptions& options() const { return options_; }

 protected:
  // For AdamW: op names the optimizer in messages.
  Adam(std::string op, NamedParams params, AdamOptions options, bool decoupled_weight_decay);
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> buffer_names() const override;

 private:
  AdamOptions options_;
  bool decoupled_weight_decay_;
};

// Adam with decoupled weight decay; options() reports its options as AdamOptions.
class AdamW : public Adam {
 public:
  AdamW(NamedParams params, AdamWOptions options = {});
  AdamW(const std::vector<Tensor>& params, AdamWOptions options = {}) : AdamW(name_params(params), options) {}
};

}  // namespace focus::optim
