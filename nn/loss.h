// Loss modules over the functional losses (autograd/ops_nn.h), as torch.nn's.
#pragma once

#include <focus/autograd/ops_nn.h>
#include <focus/nn/module.h>

namespace focus::nn {

class CrossEntropyLoss : public Module {
 public:
  explicit CrossEntropyLoss(CrossEntropyOptions options = {}) : Module("CrossEntropyLoss"), options_(options) {}
  // logits [N, C], targets int64 [N]
  Tensor forward(const Tensor& logits, const Tensor& targets) const {
    return with_module_path([&] { return cross_entropy(logits, targets, options_); });
  }
  std::string extra_repr() const override;

 private:
  CrossEntropyOptions options_;
};

class NLLLoss : public Module {
 public:
  explicit NLLLoss(CrossEntropyOptions options = {}) : Module("NLLLoss"), options_(options) {}
  Tensor forward(const Tensor& log_probs, const Tensor& targets) const {
    return with_module_path([&] { return nll_loss(log_probs, targets, options_); });
  }

 private:
  CrossEntropyOptions options_;
};

class MSELoss : public Module {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : Module("MSELoss"), reduction_(reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) const {
    return with_module_path([&] { return mse_loss(input, target, reduction_); });
  }

 private:
  Reduction reduction_;
};

}  // namespace focus::nn
