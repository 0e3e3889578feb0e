// Low-rank attention, Linformer (Wang et al. 2020): the keys and values of a sequence of T
// positions are projected along the sequence to K rows by learned matrices E and F [K, max_len]
// (their first T columns), so a query attends K summaries instead of T keys: time and memory
// O(T K) instead of O(T^2). For self-attention without a causal mask (an encoder): every summary
// mixes all positions, so a query would see the future. Padding keys (key_lengths) are zeroed
// before the projection, so they add nothing to any summary.
//   LinformerProjection proj(64, 512);            // K = 64 summaries of sequences up to 512
//   auto [k2, v2] = proj.project(k, v, lengths);   // [B, H, T, Dh] -> [B, H, 64, Dh]
//   out = scaled_dot_product_attention(q, k2, v2); // no mask: the summaries have no positions
#pragma once

#include <focus/nn/module.h>

#include <utility>

namespace focus::nn {

class LinformerProjection : public Module {
 public:
  // E and F initialised as a Linear from max_len to k: uniform in +-1/sqrt(max_len). Throws
  // ValueError "LinformerProjection: k and max_len must be >= 1; got k=0, max_len=512".
  LinformerProjection(std::int64_t k, std::int64_t max_len, DType dtype = kFloat32);

  // k and v [B, H, T, Dh] (or [.., T, Dh]) -> (E[:, :T] k, F[:, :T] v), each [.., K, Dh]. With
  // key_lengths (int64 [B]), key and value rows t >= key_lengths[b] are zeroed first. Throws
  // ValueError "linformer: the sequence is longer than max_len; got T=600, max_len=512".
  std::pair<Tensor, Tensor> project(const Tensor& k, const Tensor& v, const Tensor& key_lengths = {}) const;

  std::int64_t k() const { return k_; }
  std::int64_t max_len() const { return max_len_; }
  std::string extra_repr() const override;

  Tensor E, F;  // [K, max_len]

 private:
  std::int64_t k_, max_len_;
};

}  // namespace focus::nn
