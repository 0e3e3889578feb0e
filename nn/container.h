// Containers: Sequential chains modules that map one tensor to one tensor; ModuleList holds
// modules under the names "0", "1", ... for a model that calls them itself.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <focus/nn/module.h>

namespace focus::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  // Any module with `Tensor forward(const Tensor&) const`.
  template <class M>
  Sequential& push_back(std::shared_ptr<M> m) {
    register_module(std::to_string(steps_.size()), m);
    steps_.push_back([m](const Tensor& x) { return m->forward(x); });
    return *this;
  }
  Tensor forward(const Tensor& x) const;
  std::size_t size() const { return steps_.size(); }

 private:
  std::vector<std::function<Tensor(const Tensor&)>> steps_;
};

template <class M>
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  void push_back(std::shared_ptr<M> m) {
    register_module(std::to_string(items_.size()), m);
    items_.push_back(std::move(m));
  }
  std::size_t size() const { return items_.size(); }
  const std::shared_ptr<M>& operator[](std::size_t i) const { return items_.at(i); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<std::shared_ptr<M>> items_;
};

}  // namespace focus::nn
