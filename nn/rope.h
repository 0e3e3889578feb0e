// Rotary position embedding, RoPE (Su et al. 2021, "RoFormer"): q and k are rotated by an angle
// proportional to their position, so the score q_m . k_n depends on m - n only. A function of q or
// k [.., T, Dh] (applied after the head split, before attention), with no parameters.
// Layout: GPT-NeoX / LLaMA's "rotate_half": dim i pairs with dim i + Dh/2 (not 2i with 2i + 1).
#pragma once

#include <focus/nn/positions.h>

namespace focus::nn {

// x [.., T, Dh] (Dh even) at positions offset..offset+T-1 -> same shape:
//   out[.., t, i]        = x[.., t, i] cos(a) - x[.., t, i + Dh/2] sin(a)
//   out[.., t, i + Dh/2] = x[.., t, i + Dh/2] cos(a) + x[.., t, i] sin(a),
//   a = (offset + t) * base^(-2i / Dh),  i < Dh/2.
// The halves layout is chosen because each half is one contiguous slice (two slices and a cat,
// no strided interleave), and it is the layout of LLaMA and GPT-NeoX checkpoints. Angles are
// computed in float64 from the integer position, so a cached decoding step (offset = the cache's
// length) rotates a position exactly as the full sequence does. Differentiable in x.
// Throws ValueError for an odd Dh, offset < 0 or base <= 1.
[[nodiscard]] Tensor apply_rope(const Tensor& x, std::int64_t offset = 0, double base = 10000.0);

// The "rope" scheme of positions.h: rotates q and k of every self-attention by position.
// Throws ValueError "rope: the head dim (d_model / nhead) must be even; got d_model=12, nhead=4,
// head dim=3" for an odd head dim.
class RotaryPositions : public Positions {
 public:
  RotaryPositions(std::int64_t d_model, std::int64_t nhead, double base = 10000.0);
  Tensor rotate(const Tensor& x, std::int64_t offset) const override { return apply_rope(x, offset, base_); }
  bool inside_attention() const override { return true; }
  std::string extra_repr() const override;

 private:
  std::int64_t head_dim_;
  double base_;
};

}  // namespace focus::nn
