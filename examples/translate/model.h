// The translation model: token embeddings (scaled by sqrt(d_model)), an encoder-decoder
// nn::Transformer whose stacks add the position scheme (sinusoidal by default), and a linear
// layer to target-vocabulary logits. Shapes:
//   src [B, S] -> memory [B, S, D];  tgt_in [B, T] + memory -> logits [B, T, V_tgt]
// IncrementalDecoder (for greedy and beam search) decodes one position at a time with a cache.
#pragma once

#include <focus/data/batching.h>
#include <focus/focus.h>

#include <map>
#include <string>

namespace translate {

using namespace focus;

struct ModelConfig {
  std::int64_t src_vocab = 0, tgt_vocab = 0;
  std::int64_t d_model = 128, heads = 4, layers = 2, ff = 512;
  double dropout = 0.1;
  std::int64_t max_len = 256;  // longest source or target the positions cover
  bool norm_first = true;      // pre-norm: stable at the learning rates a short run wants
  bool share_layers = false;   // each stack applies one layer `layers` times (a Universal Transformer)
  std::string positions = "sinusoidal", norm = "layer";  // nn::TransformerOptions' names
  nn::AttentionSpec attention;                           // the encoder's self-attention (and a local decoder's)
  DType dtype = kFloat32;  // training is float32; float64 models come from import or conversion

  nn::TransformerOptions transformer_options() const;

  std::map<std::string, std::string> to_metadata() const;
  static ModelConfig from_metadata(const std::map<std::string, std::string>& meta);  // validates
};

class Translator : public nn::Module {
 public:
  explicit Translator(const ModelConfig& config);

  Tensor encode(const Tensor& src, const Tensor& src_lengths) const;  // [B, S] -> [B, S, D]
  Tensor forward(const data::Batch& batch) const;                     // logits [B, T, V]
  // Logits for tgt_in given memory (teacher forcing).
  Tensor decode(const Tensor& tgt_in, const Tensor& tgt_lengths, const Tensor& memory, const Tensor& src_lengths) const;
  const ModelConfig& config() const { return config_; }

  std::shared_ptr<nn::Embedding> src_embed, tgt_embed;
  std::shared_ptr<nn::Transformer> transformer;
  std::shared_ptr<nn::Linear> generator;

 private:
  Tensor embed(const nn::Embedding& table, const Tensor& ids, std::int64_t offset) const;
  ModelConfig config_;
  friend class CachedDecoder;
};

// Decodes N rows against a fixed memory, keeping the decoder's keys and values between steps.
class CachedDecoder : public nn::IncrementalDecoder {
 public:
  CachedDecoder(const Translator& model, Tensor memory, Tensor src_lengths);
  Tensor step(const Tensor& tokens) override;
  void select_rows(const Tensor& rows) override;

 private:
  const Translator& model_;
  Tensor memory_, src_lengths_;
  nn::DecoderCache cache_;
};

}  // namespace translate
