// BatchNorm2d, as torch.nn.BatchNorm2d: per-channel normalisation of [B, C, H, W] with a learned
// scale (weight, ones) and shift (bias, zeros). The running statistics are buffers, saved in
// state_dict under PyTorch's names (running_mean, running_var, num_batches_tracked), so a
// checkpoint carries what eval() normalises with.
#pragma once

#include <focus/nn/module.h>

namespace focus::nn {

class BatchNorm2d : public Module {
 public:
  // Without track_running_stats there are no buffers and the batch's statistics are used in eval too.
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, DType dtype = kFloat32);
  // train(): the batch's statistics, and the running ones updated; eval(): the running ones.
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

  std::int64_t num_features() const { return num_features_; }
  Tensor weight, bias;                  // [C]; undefined without affine
  Tensor running_mean, running_var;     // [C]; undefined without track_running_stats
  Tensor num_batches_tracked;           // int64 []: training forwards seen

 private:
  std::int64_t num_features_;
  double eps_, momentum_;
};

}  // namespace focus::nn
