// Transformer-XL's relative attention (Dai et al. 2019, "Transformer-XL", section 3.3), the
// relative positional encoding with which Csordas, Irie and Schmidhuber (2021, "The Devil is in
// the Detail") report length generalisation on SCAN. The score of query i and key j becomes
//   (q_i + u) . k_j + (q_i + v) . (W_r R_{j-i}),  all over sqrt(Dh),
// with R_d the sinusoid of the signed distance d = key position - query position, W_r a learned
// projection [D, D] split into heads, and u, v learned [H, Dh] biases. Unlike "relative" (T5's
// table) the position term depends on the query's content, so the scheme acts through
// Positions::score_bias, which sees q and k; q . k itself stays attention's own product.
// One module per stack, shared by its layers (Transformer-XL shares u and v; W_r is shared here
// too, where Transformer-XL gives each layer its own).
#pragma once

#include <focus/nn/linear.h>
#include <focus/nn/positions.h>

namespace focus::nn {

// The sinusoids [count, d_model] of the signed distances first..first+count-1: row d holds
// sin(d w_0) .. sin(d w_{D/2-1}), cos(d w_0) .. cos(d w_{D/2-1}), w_i = 10000^(-2i/D), computed in
// float64. Throws ValueError for an odd or non-positive d_model, or count < 0.
[[nodiscard]] Tensor relative_sinusoids(std::int64_t d_model, std::int64_t first, std::int64_t count,
                                        DType dtype = kFloat32);

// The "xl" scheme of positions.h. Parameters: r_proj (W_r, a Linear without bias), u and v
// [nhead, Dh], initialised to zero (Transformer-XL's code does the same for u and v).
// Throws ValueError when nhead does not divide d_model or d_model is odd.
class RelativeXLPositions : public Positions {
 public:
  RelativeXLPositions(std::int64_t d_model, std::int64_t nhead, DType dtype = kFloat32);
  // q [B, H, Tq, Dh] at q_offset.., k [B, H, Tk, Dh] at k_offset.. -> the terms above other than
  // q . k, over sqrt(Dh): [B, H, Tq, Tk]. Differentiable in q, k and the parameters.
  Tensor score_bias(const Tensor& q, const Tensor& k, std::int64_t q_offset, std::int64_t k_offset) const override;
  bool inside_attention() const override { return true; }
  std::string extra_repr() const override;

  std::shared_ptr<Linear> r_proj;
  Tensor u, v;

 private:
  std::int64_t d_model_, nhead_;
};

}  // namespace focus::nn
