// Scaled dot-product attention, the functional core of every attention layer:
//   Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + mask) V
// (the seed article's formula 4.1 divides softmax(Q K^T) by itself; this is the standard form).
// Masks say where a query MAY attend (true = attend, as PyTorch's functional SDPA): an explicit
// bool mask, a causal flag, and per-sequence key lengths, so padding needs no T x T tensor.
#pragma once

#include <focus/tensor/random.h>
#include <focus/tensor/tensor.h>

namespace focus {

struct AttentionMask {
  Tensor attn_mask;     // bool, broadcast to [..., Tq, Tk]; true = may attend
  bool is_causal = false;  // query i may attend keys j <= i + (Tk - Tq): aligned at the end, so a
                           // query block that continues a cached prefix is masked correctly
  Tensor key_lengths;   // int64 [B]: keys at positions >= key_lengths[b] are padding
  bool empty() const { return !attn_mask.defined() && !is_causal && !key_lengths.defined(); }
};

struct AttentionOptions {
  double dropout_p = 0;        // dropout on the weights (training only: pass 0 in eval)
  Generator* gen = nullptr;    // for that dropout; default generator when null
  double scale = 0;            // 0 means 1/sqrt(d)
};

// q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] -> [..., Tq, dv]; batch dims broadcast.
// With key_lengths, q's first dim is the batch B. If weights is given it receives the
// attention weights [..., Tq, Tk] (before dropout).
[[nodiscard]] Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                  const AttentionMask& mask = {},
                                                  const AttentionOptions& options = {}, Tensor* weights = nullptr);

// The "may attend" mask for shapes [Tq, Tk] (causal) combined with key lengths [B] and an
// explicit mask, broadcastable to [B, ..., Tq, Tk] for a rank-`rank` scores tensor; undefined
// when nothing is masked.
Tensor attention_keep_mask(const AttentionMask& mask, std::int64_t tq, std::int64_t tk, int rank);

}  // namespace focus
