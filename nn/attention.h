// Attention layers.
// SelfAttention: the seed article's AttentionLayer rebuilt: three Dense layers make Q, K, V from
// the same input, weights = softmax(Q K^T / sqrt(units)), context = weights V, then a final
// Dense. [B, T, in_features] -> [B, T, units].
// MultiHeadAttention: d_model split into num_heads heads of d_model / num_heads, separate
// q_proj, k_proj, v_proj, out_proj; self- or cross-attention, padding and causal masks, per-head
// weights on request, and a key/value cache for decoding one token at a time. As a block's
// self-attention it also takes a position scheme (positions.h: rotation of q and k, or a score
// bias) and an AttentionSpec: full, local:W (a sliding window) or linformer:K (low rank).
#pragma once

#include <memory>
#include <string>

#include <focus/autograd/ops_attention.h>
#include <focus/nn/linear.h>
#include <focus/nn/linformer.h>
#include <focus/nn/module.h>
#include <focus/nn/positions.h>

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

// Keys and values already computed for a decoder's earlier positions: [B, H, T_cached, Dh], the
// keys already turned by their position when the scheme rotates. Local attention keeps only the
// last W positions: start is the absolute position of the first one kept.
// Outside autograd a cache grows in place: k and v are then views of larger buffers (`room`), and
// a new position is written after the last one, not joined by copying everything held (which made
// decoding's copies grow with the square of the length). Copies of a cache share the buffers; only
// the copy holding the latest views writes into them, any other (a beam that went its own way, a
// cache whose k was replaced) moves to buffers of its own first.
struct KVCache {
  Tensor k, v;
  std::int64_t start = 0;
  std::int64_t length() const { return k.defined() ? k.size(2) : 0; }  // positions held
  std::int64_t end() const { return start + length(); }                 // the next position

  struct Room {
    Tensor k, v;    // [B, H, capacity, Dh]
    Tensor last_k;  // the views last handed out (k above is a view of the buffer)
  };
  std::shared_ptr<Room> room;
};

// Which keys a self-attention reads. Written "full", "local:W" (each query sees the W keys before
// it and itself, and in an encoder also the W after it; time and memory linear in T) or
// "linformer:K" (keys and values projected along the sequence to K rows: non-causal only).
struct AttentionSpec {
  enum class Kind { Full, Local, Linformer };
  Kind kind = Kind::Full;
  std::int64_t size = 0;  // W or K
  // Throws ValueError "attention: expected full, local:W or linformer:K with W, K >= 1; got 'local:0'".
  static AttentionSpec parse(const std::string& text);
  std::string str() const;
  bool operator==(const AttentionSpec&) const = default;
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

  // For self-attention in a block: the scheme that rotates q and k or biases the scores (shared:
  // the stack registers it once), and the keys read. Linformer registers "linformer" (E, F
  // [K, max_len]) and refuses causal masks and cached decoding.
  void set_positions(std::shared_ptr<const Positions> positions) { positions_ = std::move(positions); }
  void set_attention(const AttentionSpec& spec, std::int64_t max_len);
  const AttentionSpec& attention() const { return spec_; }

  std::string extra_repr() const override;
  std::int64_t num_heads() const { return num_heads_; }
  std::int64_t head_dim() const { return head_dim_; }

  // When on, every forward keeps its weights [B, H, Tq, Tk] in last_attention_weights, for
  // pictures and inspection.
  bool store_attention_weights = false;
  mutable Tensor last_attention_weights;

  std::shared_ptr<Linear> q_proj, k_proj, v_proj, out_proj;
  std::shared_ptr<LinformerProjection> linformer;  // null unless linformer:K

 private:
  Tensor split_heads(const Tensor& x) const;  // [B, T, D] -> [B, H, T, Dh]
  Tensor merge_heads(const Tensor& x) const;  // [B, H, T, Dh] -> [B, T, D]
  // q [B, H, Tq, Dh] at positions q_pos.., k and v [B, H, Tk, Dh] at k_pos.. (q and k turned
  // already): adds the scheme's bias and the window to mask, then attention and out_proj.
  Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, AttentionMask mask, std::int64_t q_pos,
                std::int64_t k_pos, Tensor* weights) const;

  std::int64_t d_model_, num_heads_, head_dim_;
  double dropout_;
  std::shared_ptr<const Positions> positions_;
  AttentionSpec spec_;
};

}  // namespace focus::nn
