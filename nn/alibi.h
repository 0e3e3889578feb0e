// ALiBi, attention with linear biases (Press et al. 2022, "Train Short, Test Long"): no position
// embedding at all; each head h adds -slope_h * distance to its attention scores, so far keys are
// penalised linearly and the model extrapolates to longer sequences than it trained on.
// Functions only: the slopes are fixed, and the bias goes to attention as AttentionMask::bias.
#pragma once

#include <focus/nn/positions.h>

namespace focus::nn {

// The paper's per-head slopes [nhead]: for a power of two n, the geometric sequence
// 2^(-8/n), 2^(-16/n), .., 2^(-8) (start and ratio 2^(-8/n)). For other n, with m the largest
// power of two below n: the m slopes for m heads, then every other slope of the sequence for 2m
// heads (the 1st, 3rd, ..), n - m of them. Throws ValueError for nhead <= 0.
[[nodiscard]] Tensor alibi_slopes(std::int64_t nhead, DType dtype = kFloat32);

// The additive bias [H, Tq, Tk] = -slopes[h] * |(q_offset + i) - (k_offset + j)| for queries at
// positions q_offset..q_offset+Tq-1 and keys at k_offset..k_offset+Tk-1 (a cached decoding step:
// q_offset = the cache's length, k_offset = 0). slopes [H], floating; differentiable in slopes.
// Causal (the paper's case): only j <= i is ever attended, where this is -slope (i - j); the
// future is masked by AttentionMask's is_causal, not here (the bias of a masked score does not
// matter). Not causal (an encoder): the same symmetric |i - j|, keys before and after a query
// penalised alike, as the bidirectional ALiBi used in encoders.
// Throws ValueError for a negative size or offset, ShapeError for slopes that are not [H].
[[nodiscard]] Tensor alibi_bias(const Tensor& slopes, std::int64_t tq, std::int64_t tk, std::int64_t q_offset = 0,
                                std::int64_t k_offset = 0);

// The "alibi" scheme of positions.h: the bias above with alibi_slopes(nhead), a buffer that is
// not saved (the slopes are fixed by the head count).
class ALiBiPositions : public Positions {
 public:
  explicit ALiBiPositions(std::int64_t nhead, DType dtype = kFloat32);
  Tensor bias(std::int64_t tq, std::int64_t tk, std::int64_t q_offset, std::int64_t k_offset) const override {
    return alibi_bias(slopes_, tq, tk, q_offset, k_offset);
  }
  bool inside_attention() const override { return true; }
  std::string extra_repr() const override { return "nhead=" + std::to_string(slopes_.size(0)); }

 private:
  Tensor slopes_;
};

}  // namespace focus::nn
