// The one configurable Transformer block that the encoder layer, the decoder layer and the GPT
// block are made of, and its options: PyTorch's names (d_model, nhead, dim_feedforward, dropout,
// activation, layer_norm_eps, norm_first) plus focus's three choices, each by name:
//   norm       "layer" (torch's LayerNorm) or "rms" (RMSNorm), or any registered (norm.h);
//   positions  "none", "sinusoidal", "learned", "relative", "rope", "alibi", "xl" (positions.h);
//   attention  "full", "local:W" or "linformer:K" for the self-attention (attention.h).
// Sub-modules keep torch.nn.Transformer*Layer's names (self_attn, multihead_attn, linear1,
// linear2, norm1..3, dropout, dropout1..3), so its checkpoints and PyTorch's line up.
//   Post-norm:  x = norm(x + sublayer(x)).   Pre-norm (norm_first):  x = x + sublayer(norm(x)).
#pragma once

#include <map>
#include <optional>
#include <memory>
#include <string>

#include <focus/nn/attention.h>
#include <focus/nn/dropout.h>
#include <focus/nn/linear.h>
#include <focus/nn/norm.h>
#include <focus/nn/positions.h>

namespace focus::nn {

enum class Activation { ReLU, GELU };

struct TransformerOptions {
  std::int64_t d_model = 512;
  std::int64_t nhead = 8;
  std::int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  // Dropout after the activation inside the feed-forward net; unset: dropout, as torch (HF's
  // activation_dropout). GPT-2 has none there (0).
  std::optional<double> activation_dropout = std::nullopt;
  Activation activation = Activation::ReLU;
  double layer_norm_eps = 1e-5;
  bool norm_first = false;  // pre-norm when true
  DType dtype = kFloat32;
  std::string norm = "layer";
  std::string positions = "none";  // torch's layers add none: a model adds its own or names one here
  AttentionSpec attention = {};    // the self-attention's keys: full, local:W, linformer:K
  std::int64_t max_len = 512;      // longest sequence: learned position tables, linformer's E and F

  // Checks every option, naming it: ValueError "TransformerOptions: nhead must divide d_model;
  // got d_model=10, nhead=4" (also unknown norm or positions names, via their registries).
  void validate() const;
  // The options as text under prefix ("model." -> "model.d_model", ..., "model.attention"), and
  // back: from_metadata reads what is there over `defaults`, so files written before an option
  // existed load with the value they were trained with. FormatError naming the key and value.
  std::map<std::string, std::string> to_metadata(const std::string& prefix) const;
  static TransformerOptions from_metadata(const std::map<std::string, std::string>& meta, const std::string& prefix,
                                          TransformerOptions defaults);
};

std::string activation_name(Activation a);
Activation parse_activation(const std::string& name);  // "relu", "gelu"; ValueError otherwise

// A self-attention sublayer, an optional cross-attention sublayer (a decoder's) and the
// feed-forward net linear2(dropout(act(linear1(x)))), each residual and normed.
class TransformerBlock : public Module {
 public:
  // positions: the stack's scheme, shared by its blocks and registered by the stack. When null,
  // a scheme that acts inside attention is made here (causal when cross_attention) and registered
  // as "positions". Absolute schemes act on the stack's input, never inside a block.
  TransformerBlock(const TransformerOptions& options, bool cross_attention,
                   std::shared_ptr<Positions> positions = nullptr);

  // x [B, T, D] -> [B, T, D]. self_mask: causal and/or key lengths; memory [B, S, D] and its
  // mask only with cross-attention.
  Tensor forward(const Tensor& x, const AttentionMask& self_mask = {}, const Tensor& memory = {},
                 const AttentionMask& memory_mask = {}) const;
  // New positions x [B, t, D] continuing self_cache; cross_cache holds memory's keys and values.
  Tensor forward_cached(const Tensor& x, KVCache& self_cache, const Tensor& memory = {}, KVCache* cross_cache = nullptr,
                        const AttentionMask& memory_mask = {}) const;
  std::string extra_repr() const override;
  const TransformerOptions& options() const { return options_; }

  std::shared_ptr<MultiHeadAttention> self_attn, multihead_attn;  // multihead_attn: null without cross-attention
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2, dropout3;
  std::shared_ptr<Norm> norm1, norm2, norm3;  // norm3: null without cross-attention
  std::shared_ptr<Positions> positions;       // the scheme used (maybe the stack's)

 protected:
  TransformerBlock(std::string type_name, const TransformerOptions& options, bool cross_attention,
                   std::shared_ptr<Positions> positions);
  // GPT checkpoints written before this block named its parts ln_1, attn, ln_2, fc1, fc2.
  void upgrade_state_dict(StateDict& dict, const std::string& prefix) const override;

 private:
  template <class SelfAttend, class CrossAttend>
  Tensor run(const Tensor& x, SelfAttend self_attend, CrossAttend cross_attend) const;
  Tensor feed_forward(const Tensor& x) const;
  TransformerOptions options_;
};

}  // namespace focus::nn
