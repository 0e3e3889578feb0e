// Transformer encoder and decoder layers and stacks, as torch.nn.Transformer*Layer (batch first):
// the same sub-module names (self_attn, multihead_attn, linear1, linear2, norm1..3), post-norm
// (the paper's, torch's default) or pre-norm (norm_first), ReLU or GELU, and the final LayerNorm
// torch.nn.Transformer puts after each stack. The decoder also decodes step by step with a cache
// of keys and values, so each new token costs one position, not the whole prefix again.
#pragma once

#include <memory>
#include <vector>

#include <focus/nn/attention.h>
#include <focus/nn/container.h>
#include <focus/nn/dropout.h>
#include <focus/nn/layer_norm.h>
#include <focus/nn/linear.h>

namespace focus::nn {

enum class Activation { ReLU, GELU };

struct TransformerOptions {
  std::int64_t d_model = 512;
  std::int64_t nhead = 8;
  std::int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  Activation activation = Activation::ReLU;
  double layer_norm_eps = 1e-5;
  bool norm_first = false;  // pre-norm when true
  DType dtype = kFloat32;
};

class TransformerEncoderLayer : public Module {
 public:
  explicit TransformerEncoderLayer(const TransformerOptions& options);
  // src [B, S, D] -> [B, S, D]; mask usually carries the source key_lengths.
  Tensor forward(const Tensor& src, const AttentionMask& mask = {}) const;
  std::string extra_repr() const override;

  std::shared_ptr<MultiHeadAttention> self_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2;
  std::shared_ptr<LayerNorm> norm1, norm2;

 private:
  Tensor feed_forward(const Tensor& x) const;
  TransformerOptions options_;
};

// Per-layer caches for step-by-step decoding.
struct DecoderCache {
  std::vector<KVCache> self_attn, cross_attn;
  std::int64_t length = 0;  // positions decoded so far
};

class TransformerDecoderLayer : public Module {
 public:
  explicit TransformerDecoderLayer(const TransformerOptions& options);
  // tgt [B, T, D], memory [B, S, D] -> [B, T, D]. tgt_mask: usually causal + target key_lengths;
  // memory_mask: the source key_lengths.
  Tensor forward(const Tensor& tgt, const Tensor& memory, const AttentionMask& tgt_mask = {},
                 const AttentionMask& memory_mask = {}) const;
  // New positions tgt [B, t, D] continuing self_cache; cross_cache holds memory's keys/values.
  Tensor forward_cached(const Tensor& tgt, const Tensor& memory, KVCache& self_cache, KVCache& cross_cache,
                        const AttentionMask& memory_mask = {}) const;
  std::string extra_repr() const override;

  std::shared_ptr<MultiHeadAttention> self_attn, multihead_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2, dropout3;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;

 private:
  Tensor feed_forward(const Tensor& x) const;
  template <class SelfAttend, class CrossAttend>
  Tensor block(const Tensor& tgt, SelfAttend self_attend, CrossAttend cross_attend) const;
  TransformerOptions options_;
};

class TransformerEncoder : public Module {
 public:
  TransformerEncoder(const TransformerOptions& options, int num_layers, bool final_norm = true);
  Tensor forward(const Tensor& src, const AttentionMask& mask = {}) const;

  std::shared_ptr<ModuleList<TransformerEncoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;  // null without final_norm
};

class TransformerDecoder : public Module {
 public:
  TransformerDecoder(const TransformerOptions& options, int num_layers, bool final_norm = true);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const AttentionMask& tgt_mask = {},
                 const AttentionMask& memory_mask = {}) const;
  // Decodes new positions tgt [B, t, D] (embedded, positions already added) after cache.length
  // earlier ones; updates cache. Equal to the last t rows of forward() over the whole prefix.
  Tensor forward_cached(const Tensor& tgt, const Tensor& memory, DecoderCache& cache,
                        const AttentionMask& memory_mask = {}) const;

  std::shared_ptr<ModuleList<TransformerDecoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;
};

// Encoder-decoder as torch.nn.Transformer (batch_first): encoder and decoder stacks, each with
// its final LayerNorm.
class Transformer : public Module {
 public:
  Transformer(const TransformerOptions& options, int num_encoder_layers, int num_decoder_layers);
  Tensor forward(const Tensor& src, const Tensor& tgt, const AttentionMask& src_mask = {},
                 const AttentionMask& tgt_mask = {}, const AttentionMask& memory_mask = {}) const;

  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<TransformerDecoder> decoder;
};

}  // namespace focus::nn
