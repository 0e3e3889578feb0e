// KERPLE's logarithmic position bias (Chi et al. 2022, "KERPLE: Kernelized Relative Positional
// Embedding for Length Extrapolation"), written outside focus as a position scheme: head h adds
// -r1_h * log(1 + r2_h * |i - j|) to its attention scores, with r1, r2 > 0 learned per head.
// docs/extending.md, "A new position scheme", walks through this file and kerple.cpp.
#pragma once

#include <focus/nn/positions.h>

#include <cstdint>
#include <string>

namespace custom {

// bias [H, Tq, Tk] = -r1[h] * log(1 + r2[h] * |(q_offset + i) - (k_offset + j)|)
// with r1 = exp(log_r1), r2 = exp(log_r2), both [H]: the exponential keeps them positive whatever
// step the optimizer takes. Queries sit at positions q_offset.., keys at k_offset.. (absolute), so
// a cached decoding step gets the rows of the full sequence's bias. The distance is symmetric: a
// causal stack masks the future itself (AttentionMask::is_causal), an encoder sees both sides.
// backward (exp's, mul's and log's own): d log_r1[h] = sum over (i, j) of g * bias,
// d log_r2[h] = sum over (i, j) of g * -r1 * r2 * d / (1 + r2 * d).
[[nodiscard]] focus::Tensor kerple_log_bias(const focus::Tensor& log_r1, const focus::Tensor& log_r2, std::int64_t tq,
                                            std::int64_t tk, std::int64_t q_offset = 0, std::int64_t k_offset = 0);

// The scheme: two parameters of [nhead] and a bias. embed() and rotate() keep Positions' defaults,
// which leave their input alone.
class KerplePositions : public focus::nn::Positions {
 public:
  // r1 = r2 = 1 (log_r1 = log_r2 = 0) to start: where GPT's initialisation puts them anyway.
  explicit KerplePositions(std::int64_t nhead, focus::DType dtype = focus::kFloat32);
  focus::Tensor bias(std::int64_t tq, std::int64_t tk, std::int64_t q_offset, std::int64_t k_offset) const override;
  // The bias acts inside attention: every self-attention of the stack asks for it.
  bool inside_attention() const override { return true; }
  std::string extra_repr() const override;

  focus::Tensor log_r1, log_r2;  // [nhead]
};

}  // namespace custom
