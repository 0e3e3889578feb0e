// Activation layers as modules (for Sequential): ReLU, GELU, Tanh, Sigmoid, Softmax(dim).
#pragma once

#include <focus/nn/module.h>

namespace focus::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) const;
};

class GELU : public Module {
 public:
  GELU() : Module("GELU") {}
  Tensor forward(const Tensor& x) const;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) const;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) const;
};

class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim = -1) : Module("Softmax"), dim_(dim) {}
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override { return "dim=" + std::to_string(dim_); }

 private:
  std::int64_t dim_;
};

}  // namespace focus::nn
