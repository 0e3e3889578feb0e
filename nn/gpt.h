// A decoder-only (GPT-style) Transformer language model: token embedding plus learned positions,
// a stack of pre-norm blocks with causal self-attention, a final LayerNorm and a linear head to
// vocabulary logits. Shapes: ids [B, T] -> logits [B, T, V], T <= block_size.
// Each block also runs cached (forward_cached): new positions attend to the keys and values kept
// from earlier ones, so generating a token costs one position, not the whole prefix again.
#pragma once

#include <memory>
#include <vector>

#include <focus/nn/attention.h>
#include <focus/nn/container.h>
#include <focus/nn/dropout.h>
#include <focus/nn/embedding.h>
#include <focus/nn/layer_norm.h>
#include <focus/nn/linear.h>
#include <focus/nn/positional.h>
#include <focus/nn/sampling.h>

namespace focus::nn {

struct GPTConfig {
  std::int64_t vocab_size = 0;
  std::int64_t block_size = 128;  // longest context (learned positions)
  std::int64_t d_model = 128;
  std::int64_t n_head = 4;
  std::int64_t n_layer = 4;
  double dropout = 0.0;
  DType dtype = kFloat32;
};

// x = x + attn(ln_1(x)) (causal);  x = x + fc2(gelu(fc1(ln_2(x)))), fc1 widening D to 4D.
class GPTBlock : public Module {
 public:
  explicit GPTBlock(const GPTConfig& config);
  Tensor forward(const Tensor& x) const;                           // [B, T, D] -> [B, T, D]
  Tensor forward_cached(const Tensor& x, KVCache& cache) const;    // x continues the cached positions
  std::string extra_repr() const override;

  std::shared_ptr<LayerNorm> ln_1, ln_2;
  std::shared_ptr<MultiHeadAttention> attn;
  std::shared_ptr<Linear> fc1, fc2;
  std::shared_ptr<Dropout> dropout;

 private:
  Tensor mlp(const Tensor& x) const;
  GPTConfig config_;
};

// One KVCache per block, and how many positions they hold.
struct GPTCache {
  std::vector<KVCache> layers;
  std::int64_t length = 0;
};

class GPT : public Module {
 public:
  // Weights ~ N(0, 0.02^2) (GPT-2's initialisation), biases zero.
  explicit GPT(const GPTConfig& config);

  // ids int64 [B, T] -> logits [B, T, V]; position t attends to positions <= t.
  Tensor forward(const Tensor& ids) const;
  // ids [B, t] at positions cache.length .. cache.length + t - 1 -> logits [B, t, V]; appends
  // them to cache. Equal (up to rounding) to the last t rows of forward() over the whole prefix.
  Tensor forward_cached(const Tensor& ids, GPTCache& cache) const;

  // Continues prompt (at least one token) by n_new tokens drawn with sample_logits and returns
  // only the new ones. Uses the cache; when the context reaches block_size it keeps the last
  // block_size / 2 tokens and rebuilds the cache from them. Runs without recording a graph.
  std::vector<std::int64_t> generate(const std::vector<std::int64_t>& prompt, std::int64_t n_new,
                                     const SamplingOptions& options, Generator& gen) const;

  const GPTConfig& config() const { return config_; }
  std::string extra_repr() const override;

  std::shared_ptr<Embedding> tok_embed;
  std::shared_ptr<LearnedPositionalEncoding> pos_embed;
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<ModuleList<GPTBlock>> blocks;
  std::shared_ptr<LayerNorm> ln_f;
  std::shared_ptr<Linear> head;

 private:
  Tensor embed(const Tensor& ids, std::int64_t offset) const;
  GPTConfig config_;
};

}  // namespace focus::nn
