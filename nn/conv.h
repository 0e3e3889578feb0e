// Conv2d: the layer around focus::conv2d (autograd/ops_conv.h), parameters named and shaped as
// torch.nn.Conv2d's ("weight" [C_out, C_in / groups, kH, kW], "bias" [C_out]) so checkpoints map
// one to one. Conv2dConfig holds every hyperparameter; the short constructor covers square kernels.
#pragma once

#include <array>

#include <focus/autograd/ops_conv.h>
#include <focus/nn/module.h>

namespace focus::nn {

struct Conv2dConfig {
  std::int64_t in_channels, out_channels;
  std::array<std::int64_t, 2> kernel_size;
  std::array<std::int64_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  std::int64_t groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  // Initialised as torch: weight and bias uniform in +-1/sqrt(fan_in), fan_in = C_in / groups kH kW
  // (what torch's kaiming_uniform_(a = sqrt(5)) comes to).
  explicit Conv2d(const Conv2dConfig& config, DType dtype = kFloat32);
  // Square kernel, stride and padding.
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size, std::int64_t stride = 1,
         std::int64_t padding = 0, bool bias = true, DType dtype = kFloat32);
  // [B, C_in, H, W] -> [B, C_out, H_out, W_out]
  Tensor forward(const Tensor& input) const;
  std::string extra_repr() const override;

  const Conv2dConfig& config() const { return config_; }
  Conv2dOptions options() const;
  Tensor weight;
  Tensor bias;  // undefined without bias

 private:
  Conv2dConfig config_;
};

}  // namespace focus::nn
