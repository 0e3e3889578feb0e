// Fused, blockwise scaled-dot-product attention in the manner of FlashAttention: the forward
// walks key blocks with a running max and sum per query row and keeps only the output and each
// row's log-sum-exp; the backward recomputes the scores block by block from them. Nothing of size
// Tq x Tk is allocated (except the bias's gradient, when asked for), so memory grows linearly in
// T. Blocks go through BLAS GEMMs.
// docs/attention_kernel.md explains the algorithm; autograd/ops_attention.cpp is the only caller.
#pragma once

#include <focus/tensor/tensor.h>

namespace focus::kernel {

// Shape contract (every function below):
//   q [batch.., Tq, Dh], k [batch.., Tk, Dh], v [batch.., Tk, Dv], one batch shape for all three
//   (broadcast views with stride 0 are fine; B = batch[0], H = the rest, often [B, H]).
//   Tq, Tk, Dh, Dv >= 1. float32 or float64, one dtype for all.
//   scores[i, j] = scale * q_i . k_j (+ bias[i, j]);  weights = softmax over the keys that query i
//   may attend.

// Which keys each query may attend, without a [Tq, Tk] tensor: AttentionMask's features
// (autograd/ops_attention.h), checked by the caller (window >= 0 among them).
struct FlashMask {
  bool is_causal = false;  // query i sees keys j <= i + (Tk - Tq) (bottom-right aligned)
  Tensor key_lengths;      // int64 [B] or [1]: keys j >= key_lengths[b] are hidden; undefined = none
  Tensor keep;             // bool, [batch.., Tq, Tk] (a broadcast view): true = may attend; undefined = all
  std::int64_t window = 0;  // > 0: with p = i + (Tk - Tq), query i sees keys j >= p - window only,
                            // and (when not causal) j <= p + window; key blocks outside are skipped
  Tensor bias{};  // q's dtype, [batch.., Tq, Tk] (a broadcast view, any strides): added to the
                  // scaled scores of each tile before the mask hides any (ALiBi, T5); undefined = none
};

// Dropout on the weights, drawn inside the kernel (PyTorch's dropout_p of scaled_dot_product_attention):
// the weight of (slice s, query i, key j) is kept, times 1 / (1 - p), when lane j % 4 of
// philox4x32({j / 4, i, s, s >> 32}, key) (counter_random.h) is at least p * 2^32, else dropped.
// The same key gives the same mask in the forward, in the backward (which draws it again instead
// of storing it), on any thread, and in attention_dropout_mask, the composed path's copy.
struct AttentionDropout {
  double p = 0;           // in [0, 1); 0: no dropout
  std::uint64_t key = 0;  // one per call, drawn from the caller's Generator
};

// The factors (0 or 1 / (1 - p)) of the whole [batch.., Tq, Tk] weights tensor, contiguous.
Tensor attention_dropout_mask(const AttentionDropout& dropout, const Shape& scores, DType dtype);

struct FlashForward {
  Tensor out;  // [batch.., Tq, Dv], contiguous
  Tensor lse;  // [batch.., Tq]: m + log(l) of each query row (max and sum of exp over its keys);
               // -inf where the row may attend no key, whose output is NaN (as softmax of all -inf)
  Tensor weights;  // [batch.., Tq, Tk] when kept (see below), else undefined; 0 on hidden keys and
                   // on rows that attend no key; before dropout
};

// out = dropout(softmax(scale q k^T, masked)) v, one key block at a time. With keep_weights and Tk at most
// one key block (128 keys), the weights come out too, so the backward can read them instead of
// recomputing the scores: short sequences then skip a GEMM and an exp pass, and the memory stays
// linear in Tq (Tq x at most 128 per slice).
FlashForward flash_attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const FlashMask& mask,
                                     double scale, bool keep_weights = false, const AttentionDropout& dropout = {});

struct FlashGrads {
  Tensor dq, dk, dv;  // [batch.., Tq, Dh], [batch.., Tk, Dh], [batch.., Tk, Dv], contiguous: the
                      // caller sums them over the dims where an input was broadcast
  Tensor dbias;       // [batch.., Tq, Tk], contiguous, only when asked for (want_dbias): the gradient
                      // of the scores dS (before scale), 0 where keys are hidden or tiles skipped;
                      // the caller sums it to the bias's shape. Tq x Tk per slice: the one
                      // quadratic buffer, made only for a bias that needs its gradient.
};

// Gradients of out given dout [batch.., Tq, Dv], from q, k, v, out, lse and (when defined) the
// weights of the forward (the weights before dropout), and the forward's dropout.
// A row that attends no key gets dq = 0 and adds nothing to dk, but makes its slice's dv NaN:
// what the composed path gives (its NaN weights reach dv = P^T dO; masked_fill's gradient stops
// them on the way to the scores).
// With a bias the scores are recomputed with it (the kept weights already hold it).
FlashGrads flash_attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                                    const Tensor& lse, const Tensor& weights, const Tensor& dout, const FlashMask& mask,
                                    double scale, bool want_dbias = false, const AttentionDropout& dropout = {});

// batch followed by [rows, cols]: the shape of a tensor with one [rows, cols] matrix per slice.
Shape with_rows(const Shape& batch, std::int64_t rows, std::int64_t cols);

}  // namespace focus::kernel
