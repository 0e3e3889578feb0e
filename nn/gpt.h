// A decoder-only (GPT-style) Transformer language model: token embedding, a position scheme
// (learned absolute positions by default), a stack of pre-norm blocks with causal
// self-attention, a final norm and a linear head to vocabulary logits.
// Shapes: ids [B, T] -> logits [B, T, V], T <= block_size.
// Each block is the one TransformerBlock (transformer_block.h) without cross-attention, with GELU
// and dim_feedforward = 4 d_model. It also runs cached (forward_cached): new positions attend to
// the keys and values kept from earlier ones, so generating a token costs one position.
#pragma once

#include <memory>
#include <vector>

#include <focus/nn/container.h>
#include <focus/nn/dropout.h>
#include <focus/nn/embedding.h>
#include <focus/nn/linear.h>
#include <focus/nn/sampling.h>
#include <focus/nn/transformer_block.h>

namespace focus::nn {

// GPT-2's vocabulary (n_head, n_layer, block_size), as nanoGPT; block_options() maps it onto
// TransformerOptions (n_head -> nhead, block_size -> max_len).
struct GPTConfig {
  std::int64_t vocab_size = 0;
  std::int64_t block_size = 128;  // longest context
  std::int64_t d_model = 128;
  std::int64_t n_head = 4;
  std::int64_t n_layer = 4;
  double dropout = 0.0;
  DType dtype = kFloat32;
  std::string norm = "layer";
  std::string positions = "learned";
  AttentionSpec attention = {};  // full or local:W (linformer is not causal: refused)
  bool norm_first = true;   // GPT-2's pre-norm

  TransformerOptions block_options() const;
};

// x = x + dropout1(attn(norm1(x))) (causal);  x = x + dropout2(linear2(gelu(linear1(norm2(x))))).
class GPTBlock : public TransformerBlock {
 public:
  explicit GPTBlock(const GPTConfig& config, std::shared_ptr<Positions> positions = nullptr);
  Tensor forward(const Tensor& x) const;                         // [B, T, D] -> [B, T, D]
  Tensor forward_cached(const Tensor& x, KVCache& cache) const;  // x continues the cached positions
};

// One KVCache per block, and how many positions they hold.
struct GPTCache {
  std::vector<KVCache> layers;
  std::int64_t length = 0;
};

class GPT : public Module {
 public:
  // Weights ~ N(0, 0.02^2) (GPT-2's initialisation), biases zero, norms ones.
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
  std::shared_ptr<Positions> positions;  // "positions.weight" when learned (older files: "pos_embed.weight")
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<ModuleList<GPTBlock>> blocks;
  std::shared_ptr<Norm> ln_f;
  std::shared_ptr<Linear> head;

 protected:
  void upgrade_state_dict(StateDict& dict, const std::string& prefix) const override;

 private:
  Tensor embed(const Tensor& ids, std::int64_t offset) const;
  GPTConfig config_;
};

}  // namespace focus::nn
