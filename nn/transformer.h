// Transformer encoder and decoder layers and stacks, as torch.nn.Transformer*Layer (batch first),
// made of the one TransformerBlock (transformer_block.h): the same sub-module names, post-norm
// (the paper's, torch's default) or pre-norm (norm_first), ReLU or GELU, and the final norm
// torch.nn.Transformer puts after each stack. Each stack owns one position scheme, shared by its
// layers: absolute ones are added to the stack's input, the others act inside every
// self-attention. The decoder also decodes step by step with a cache of keys and values.
// A stack can also share one layer's weights across its depth (share_layers): the Universal
// Transformer (Dehghani et al. 2019) without adaptive halting, one layer applied num_layers
// times. With relative positions it is what Csordás et al. 2021 find generalises to longer
// sequences on SCAN.
#pragma once

#include <memory>
#include <vector>

#include <focus/nn/container.h>
#include <focus/nn/transformer_block.h>

namespace focus::nn {

// An encoder layer: self-attention (not causal; mask usually carries key_lengths) and the
// feed-forward net. forward(src [B, S, D], mask) -> [B, S, D].
class TransformerEncoderLayer : public TransformerBlock {
 public:
  explicit TransformerEncoderLayer(const TransformerOptions& options, std::shared_ptr<Positions> positions = nullptr)
      : TransformerBlock("TransformerEncoderLayer", options, false, std::move(positions)) {}
};

// Per-layer caches for step-by-step decoding.
struct DecoderCache {
  std::vector<KVCache> self_attn, cross_attn;
  std::int64_t length = 0;  // positions decoded so far
};

// A decoder layer: self-attention, cross-attention to the encoder's memory, feed-forward.
class TransformerDecoderLayer : public TransformerBlock {
 public:
  explicit TransformerDecoderLayer(const TransformerOptions& options, std::shared_ptr<Positions> positions = nullptr)
      : TransformerBlock("TransformerDecoderLayer", options, true, std::move(positions)) {}
  // tgt [B, T, D], memory [B, S, D] -> [B, T, D]. tgt_mask: usually causal (+ target key_lengths);
  // memory_mask: the source key_lengths.
  Tensor forward(const Tensor& tgt, const Tensor& memory, const AttentionMask& tgt_mask = {},
                 const AttentionMask& memory_mask = {}) const {
    return TransformerBlock::forward(tgt, tgt_mask, memory, memory_mask);
  }
  // New positions tgt [B, t, D] continuing self_cache; cross_cache holds memory's keys/values.
  Tensor forward_cached(const Tensor& tgt, const Tensor& memory, KVCache& self_cache, KVCache& cross_cache,
                        const AttentionMask& memory_mask = {}) const {
    return TransformerBlock::forward_cached(tgt, self_cache, memory, &cross_cache, memory_mask);
  }
};

class TransformerEncoder : public Module {
 public:
  // Throws ValueError for num_layers < 1 or any bad option (TransformerOptions::validate).
  // share_layers: `layers` holds one layer, applied num_layers times.
  TransformerEncoder(const TransformerOptions& options, int num_layers, bool final_norm = true, bool share_layers = false);
  // src [B, S, D] -> [B, S, D]: positions->embed(src, 0), the layers, the final norm.
  Tensor forward(const Tensor& src, const AttentionMask& mask = {}) const;
  // Layers applied: num_layers when shared, else layers->size() (a layer pushed into `layers`
  // later runs too).
  int depth() const { return shared_depth_ > 0 ? shared_depth_ : static_cast<int>(layers->size()); }
  bool shares_layers() const { return shared_depth_ > 0; }
  // The layer applied i-th, 0 <= i < depth(): (*layers)[i], or the one shared layer.
  const TransformerEncoderLayer& layer(int i) const { return *(*layers)[shares_layers() ? 0 : i]; }

  std::shared_ptr<Positions> positions;  // the stack's scheme ("none" by default, as torch)
  std::shared_ptr<ModuleList<TransformerEncoderLayer>> layers;
  std::shared_ptr<Norm> norm;  // null without final_norm

 private:
  int shared_depth_ = 0;  // times the one shared layer is applied; 0: not shared
};

class TransformerDecoder : public Module {
 public:
  // The decoder's self-attention is causal: linformer:K is refused here (ValueError).
  // share_layers as the encoder's.
  TransformerDecoder(const TransformerOptions& options, int num_layers, bool final_norm = true, bool share_layers = false);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const AttentionMask& tgt_mask = {},
                 const AttentionMask& memory_mask = {}) const;
  // Decodes new positions tgt [B, t, D] (embedded, without positions) after cache.length
  // earlier ones; updates cache. Equal to the last t rows of forward() over the whole prefix.
  // The cache holds one entry per layer applied (depth()), shared layers included.
  Tensor forward_cached(const Tensor& tgt, const Tensor& memory, DecoderCache& cache,
                        const AttentionMask& memory_mask = {}) const;
  int depth() const { return shared_depth_ > 0 ? shared_depth_ : static_cast<int>(layers->size()); }
  bool shares_layers() const { return shared_depth_ > 0; }
  const TransformerDecoderLayer& layer(int i) const { return *(*layers)[shares_layers() ? 0 : i]; }

  std::shared_ptr<Positions> positions;
  std::shared_ptr<ModuleList<TransformerDecoderLayer>> layers;
  std::shared_ptr<Norm> norm;

 private:
  int shared_depth_ = 0;  // times the one shared layer is applied; 0: not shared
};

// Encoder-decoder as torch.nn.Transformer (batch_first): encoder and decoder stacks, each with
// its final norm. linformer:K applies to the encoder; the decoder's causal self-attention stays full.
class Transformer : public Module {
 public:
  Transformer(const TransformerOptions& options, int num_encoder_layers, int num_decoder_layers, bool share_layers = false);
  Tensor forward(const Tensor& src, const Tensor& tgt, const AttentionMask& src_mask = {},
                 const AttentionMask& tgt_mask = {}, const AttentionMask& memory_mask = {}) const;

  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<TransformerDecoder> decoder;
};

}  // namespace focus::nn
