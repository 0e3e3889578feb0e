// The norm a Transformer block holds, as one small interface, and the registry that names the
// norms a program can ask for ("layer", "rms", and any a program registers). A new norm is a
// Module deriving from Norm plus one register_norm call (docs/extending.md, "A new norm").
#pragma once

#include <focus/nn/module.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace focus::nn {

// x [.., D] -> same shape, normalised over the last dim.
class Norm : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& x) const = 0;
};

// What a block tells the norm it makes: the width, TransformerOptions::layer_norm_eps, the dtype.
struct NormConfig {
  std::int64_t d_model = 0;
  double eps = 1e-5;
  DType dtype = kFloat32;
};

using NormFactory = std::function<std::shared_ptr<Norm>(const NormConfig&)>;

// Adds a norm under name. Throws ValueError "register_norm: a norm with that name already exists;
// got 'rms'" or for an empty name or factory. Safe to call from several threads.
void register_norm(const std::string& name, NormFactory make);

// The norm called name, made for config. Built in: "layer" (LayerNorm, torch's) and "rms"
// (RMSNorm). Throws ValueError "norm: unknown name; got 'batch' (known: layer, rms)".
[[nodiscard]] std::shared_ptr<Norm> make_norm(const std::string& name, const NormConfig& config);

// Every registered name, built-in ones first.
[[nodiscard]] std::vector<std::string> norm_names();

}  // namespace focus::nn
