// Scaled dot-product attention, the functional core of every attention layer:
//   Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + mask) V
// (the seed article's formula 4.1 divides softmax(Q K^T) by itself; this is the standard form).
// Masks say where a query MAY attend (true = attend, as PyTorch's functional SDPA): an explicit
// bool mask, a causal flag, a sliding window and per-sequence key lengths, so neither padding nor
// local attention needs a T x T tensor. An additive bias (ALiBi, T5's relative positions) shifts
// the scores before the mask:
//   softmax(Q K^T / sqrt(d) + bias, masked) V
#pragma once

#include <focus/tensor/random.h>
#include <focus/tensor/tensor.h>

namespace focus {

struct AttentionMask {
  Tensor attn_mask;     // bool, broadcast to [..., Tq, Tk]; true = may attend
  bool is_causal = false;  // query i may attend keys j <= i + (Tk - Tq): aligned at the end, so a
                           // query block that continues a cached prefix is masked correctly
  Tensor key_lengths;   // int64 [B]: keys at positions >= key_lengths[b] are padding
  Tensor bias;          // q's dtype, broadcast to [..., Tq, Tk] (e.g. [H, Tq, Tk]); added to the
                        // scaled scores before the mask; differentiable. The fused kernel adds it
                        // tile by tile (its gradient is then one [.., Tq, Tk] buffer, summed to
                        // the bias's shape, made only when the bias requires grad).
  std::int64_t window = 0;  // sliding window W (local attention), 0 = none. With p = i + (Tk - Tq)
                            // query i's position among the keys (as is_causal aligns it), query i
                            // may attend keys j with p - W <= j <= p when causal (the W keys before
                            // it and itself), and |p - j| <= W when not (W before, W after). W >= Tk
                            // hides nothing. Combines with the other features; W < 0 is a ValueError.
  bool empty() const {
    return !attn_mask.defined() && !is_causal && !key_lengths.defined() && !bias.defined() && window == 0;
  }
};

// How scaled_dot_product_attention computes. Fused: the blockwise kernel of
// tensor/attention_kernel.h, whose memory is linear in T (it never forms the [.., Tq, Tk] weights).
// Composed: matmul, masked_fill, softmax, dropout, matmul, each a node of the graph.
enum class AttentionPath {
  Auto,      // fused, unless the weights are asked for (then composed)
  Fused,     // throws ValueError when the weights are asked for
  Composed,  // always composed (tests compare the two paths with it)
};

struct AttentionOptions {
  // Dropout on the weights (training only: pass 0 in eval), in [0, 1). Each call draws one 64-bit
  // key from gen; the mask is a function of that key and each weight's position
  // (kernel::AttentionDropout), so both paths drop the same weights for the same generator state,
  // at any thread count, and the fused backward draws the mask again instead of storing it.
  double dropout_p = 0;
  Generator* gen = nullptr;    // for that dropout; default generator when null
  double scale = 0;            // 0 means 1/sqrt(d)
  AttentionPath path = AttentionPath::Auto;
};

// q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] -> [..., Tq, dv]; batch dims broadcast.
// With key_lengths, q's first dim is the batch B. If weights is given it receives the
// attention weights [..., Tq, Tk] (before dropout), and the composed path runs.
// A query row that may attend no key gives NaN, on either path (softmax of all -inf).
// The fused path saves q, k, v (and a bias), the output and one log-sum-exp per query row; its
// backward under create_graph is written with differentiable ops instead (it then forms the
// [.., Tq, Tk] weights, as the composed path does), so second derivatives work on both paths.
// Sizes the kernel does not take (an empty dim, v or k of higher rank than q) run composed.
[[nodiscard]] Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                  const AttentionMask& mask = {},
                                                  const AttentionOptions& options = {}, Tensor* weights = nullptr);

// The "may attend" mask for shapes [Tq, Tk] (causal, window) combined with key lengths [B] and an
// explicit mask, broadcastable to [B, ..., Tq, Tk] for a rank-`rank` scores tensor; undefined
// when nothing is masked. The fused kernel applies the same rule without forming it.
Tensor attention_keep_mask(const AttentionMask& mask, std::int64_t tq, std::int64_t tk, int rank);

}  // namespace focus
