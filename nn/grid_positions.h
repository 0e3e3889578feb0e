// "sinusoidal2d": fixed 2-D sin/cos positions for a Vision Transformer's square grid of patches
// (as MAE and Beyer et al. 2022's simple ViT use them). Position 0 is the class token and gets
// zeros; positions 1..g*g are the patches row by row, g = sqrt(max_len - 1). The first D/2 widths
// encode the patch's row, the other D/2 its column, each as the 1-D table of "Attention Is All You
// Need" at width D/2. A non-persistent buffer, like "sinusoidal".
#pragma once

#include <focus/nn/positions.h>

namespace focus::nn {

class GridSinusoidalPositions : public Positions {
 public:
  // Throws ValueError unless d_model is a multiple of 4 and max_len - 1 is a positive square.
  GridSinusoidalPositions(std::int64_t d_model, std::int64_t max_len, DType dtype = kFloat32);
  // x [B, T, D] -> x + table[offset : offset + T]
  Tensor embed(const Tensor& x, std::int64_t offset) const override;
  std::string extra_repr() const override;
  std::int64_t grid() const { return grid_; }

 private:
  std::int64_t d_model_, max_len_, grid_;
  Tensor table_;
};

}  // namespace focus::nn
