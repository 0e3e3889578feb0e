// Attention layers.
// SelfAttention: the seed article's AttentionLayer rebuilt: three Dense layers make Q, K, V from
// the same input, weights = softmax(Q K^T / sqrt(units)), context = weights V, then a final
// Dense. [B, T, in_features] -> [B, T, units].
// MultiHeadAttention: d_model split into num_heads heads of d_model / num_heads, separate
// q_proj, k_proj, v_proj, out_proj; self- or cross-attention, padding and causal masks, per-head
// weights on request, and a key/value cache for decoding one token at a time.
#pragma once

#include <memory>

#include <focus/autograd/ops_attention.h>
#include <focus/nn/linear.h>
#include <focus/nn/module.h>

namespace focus::nn {

class SelfAttention : public Module {
 public:
  SelfAttention(std::int64_t in_features, std::int64_t units, DType dtype = kFloat32);
  // x [B, T, in_features] -> [B, T, units]; weights (if given) receives [B, T, T].
  Tensor forward(const Tensor& x, Tensor* weights = nullptr) const;
  std::string extra_repr() const override;

  std::shared_ptr<Dense> Wq, Wk, Wv, fc;

 private:
  std::int64_t in_features_, units_;
};

// Keys and values already computed for a decoder's earlier positions: [B, H, T_cached, Dh].
struct KVCache {
  Tensor k, v;
  std::int64_t length() const { return k.defined() ? k.size(2) : 0; }
};

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(std::int64_t d_model, std::int64_t num_heads, double dropout = 0.0, bool bias = true,
                     DType dtype = kFloat32);

  // query [B, Tq, D], key and value [B, Tk, D] -> [B, Tq, D]. weights (if given) receives the
  // per-head attention weights [B, H, Tq, Tk].
  Tensor forward(const Tensor& query, const Tensor& key, const Tensor& value, const AttentionMask& mask = {},
                 Tensor* weights = nullptr) const;

  // Self-attention for new positions x [B, t, D] that continue the cached ones: their keys and
  // values are appended to cache, and they attend to everything cached so far (and causally
  // among themselves).
  Tensor forward_cached_self(const Tensor& x, KVCache& cache, Tensor* weights = nullptr) const;
  // Cross-attention to memory [B, S, D] whose keys and values are computed on the first call
  // and reused from cache after that. mask carries memory's key_lengths.
  Tensor forward_cached_cross(const Tensor& query, const Tensor& memory, KVCache& cache,
                              const AttentionMask& mask = {}, Tensor* weights = nullptr) const;

  std::string extra_repr() const override;
  std::int64_t num_heads() const { return num_heads_; }
  std::int64_t head_dim() const { return head_dim_; }

  // When on, every forward keeps its weights [B, H, Tq, Tk] in last_attention_weights, for
  // pictures and inspection.
  bool store_attention_weights = false;
  mutable Tensor last_attention_weights;

  std::shared_ptr<Linear> q_proj, k_proj, v_proj, out_proj;

 private:
  Tensor split_heads(const Tensor& x) const;  // [B, T, D] -> [B, H, T, Dh]
  Tensor merge_heads(const Tensor& x) const;  // [B, H, T, Dh] -> [B, T, D]
  Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMask& mask, Tensor* weights) const;

  std::int64_t d_model_, num_heads_, head_dim_;
  double dropout_;
};

}  // namespace focus::nn
