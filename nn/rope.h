// Rotary position embedding, RoPE (Su et al. 2021, "RoFormer"): q and k are rotated by an angle
// proportional to their position, so the score q_m . k_n depends on m - n only. A function of q or
// k [.., T, Dh] (applied after the head split, before attention), with no parameters.
// Layout: GPT-NeoX / LLaMA's "rotate_half": dim i pairs with dim i + Dh/2 (not 2i with 2i + 1).
#pragma once

#include <focus/tensor/tensor.h>

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

}  // namespace focus::nn
