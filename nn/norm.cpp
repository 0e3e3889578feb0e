// The norm registry: "layer" and "rms" built in, then the registered ones.
#include <focus/nn/norm.h>

#include <focus/nn/layer_norm.h>
#include <focus/nn/registry.h>
#include <focus/nn/rms_norm.h>

namespace focus::nn {

namespace {
NamedRegistry<NormFactory>& registry() {
  static NamedRegistry<NormFactory> r(
      "norm", {{"layer", [](const NormConfig& c) -> std::shared_ptr<Norm> {
                  return std::make_shared<LayerNorm>(Shape{c.d_model}, c.eps, true, c.dtype);
                }},
               {"rms", [](const NormConfig& c) -> std::shared_ptr<Norm> {
                  return std::make_shared<RMSNorm>(Shape{c.d_model}, c.eps, true, c.dtype);
                }}});
  return r;
}
}  // namespace

void register_norm(const std::string& name, NormFactory make) { registry().add(name, std::move(make)); }

std::shared_ptr<Norm> make_norm(const std::string& name, const NormConfig& config) {
  return registry().find(name)(config);
}

std::vector<std::string> norm_names() { return registry().names(); }

}  // namespace focus::nn
