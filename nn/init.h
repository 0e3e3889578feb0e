// Initialisers, named and computed as torch.nn.init: fans from the weight's shape ([out, in, ...]),
// gains per nonlinearity. Each fills a tensor in place (grad-free) from a Generator (default
// when null). apply_by_name() runs one on every parameter whose dotted name matches.
#pragma once

#include <functional>
#include <string>

#include <focus/nn/module.h>
#include <focus/tensor/random.h>

namespace focus::nn::init {

enum class FanMode { FanIn, FanOut };

struct Fans {
  std::int64_t fan_in, fan_out;
};
Fans fans(const Tensor& t);  // needs rank >= 2 (rank 1: fan_in = fan_out = size)
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

void zeros_(Tensor& t);
void ones_(Tensor& t);
void constant_(Tensor& t, double value);
void uniform_(Tensor& t, double a = 0, double b = 1, Generator* gen = nullptr);
void normal_(Tensor& t, double mean = 0, double std = 1, Generator* gen = nullptr);
void xavier_uniform_(Tensor& t, double gain = 1, Generator* gen = nullptr);
void xavier_normal_(Tensor& t, double gain = 1, Generator* gen = nullptr);
void kaiming_uniform_(Tensor& t, double a = 0, FanMode mode = FanMode::FanIn,
                      const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
void kaiming_normal_(Tensor& t, double a = 0, FanMode mode = FanMode::FanIn,
                     const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);

// Calls fn on every parameter of m whose dotted name ends with the dotted suffix (e.g. "weight"
// matches "fc.weight" but not "fc.in_weight"; "q_proj.weight"); an empty suffix matches all. Returns how many it touched.
int apply_by_name(Module& m, const std::string& suffix, const std::function<void(Tensor&)>& fn);

}  // namespace focus::nn::init
