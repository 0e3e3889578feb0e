// The translation model and its cached decoder.
#include "model.h"

#include <cmath>
#include <sstream>

namespace translate {

namespace {
std::int64_t read_int(const std::map<std::string, std::string>& meta, const std::string& key, std::int64_t lo,
                      std::int64_t hi) {
  auto it = meta.find(key);
  if (it == meta.end()) throw FormatError("checkpoint: missing model setting '" + key + "'");
  std::size_t used = 0;
  std::int64_t v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != it->second.size() || v < lo || v > hi)
    throw FormatError("checkpoint: model setting '" + key + "' must be an integer in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]; got '" + it->second + "'");
  return v;
}
}  // namespace

std::map<std::string, std::string> ModelConfig::to_metadata() const {
  return {{"model.src_vocab", std::to_string(src_vocab)}, {"model.tgt_vocab", std::to_string(tgt_vocab)},
          {"model.d_model", std::to_string(d_model)},     {"model.heads", std::to_string(heads)},
          {"model.layers", std::to_string(layers)},       {"model.ff", std::to_string(ff)},
          {"model.max_len", std::to_string(max_len)},     {"model.norm_first", norm_first ? "1" : "0"},
          {"model.positions", positions},                 {"model.norm", norm},
          {"model.attention", attention.str()},           {"model.dtype", std::string(dtype_name(dtype))},
          {"model.share_layers", share_layers ? "1" : "0"}};
}

ModelConfig ModelConfig::from_metadata(const std::map<std::string, std::string>& meta) {
  ModelConfig c;
  c.src_vocab = read_int(meta, "model.src_vocab", 5, 10'000'000);
  c.tgt_vocab = read_int(meta, "model.tgt_vocab", 5, 10'000'000);
  c.d_model = read_int(meta, "model.d_model", 1, 65536);
  c.heads = read_int(meta, "model.heads", 1, 1024);
  c.layers = read_int(meta, "model.layers", 1, 64);
  c.ff = read_int(meta, "model.ff", 1, 1 << 20);
  c.max_len = read_int(meta, "model.max_len", 1, 1 << 20);
  c.norm_first = read_int(meta, "model.norm_first", 0, 1) == 1;
  if (meta.count("model.share_layers")) c.share_layers = read_int(meta, "model.share_layers", 0, 1) == 1;  // older files: 0
  c.dropout = 0;  // inference; training resumes with its own flag value
  if (c.d_model % c.heads != 0) throw FormatError("checkpoint: model.d_model must be a multiple of model.heads");
  // Files from before these settings existed trained with sinusoidal positions, LayerNorm, full attention.
  const nn::TransformerOptions o = nn::TransformerOptions::from_metadata(meta, "model.", c.transformer_options());
  c.positions = o.positions, c.norm = o.norm, c.attention = o.attention;
  // translate's blocks are ReLU with LayerNorm's default eps; a file (PyTorch's, say) asking for
  // more would load into a model that computes something else.
  if (o.activation != nn::Activation::ReLU || o.layer_norm_eps != 1e-5) {
    std::ostringstream got;
    got << "model.activation=" << nn::activation_name(o.activation) << ", model.layer_norm_eps=" << o.layer_norm_eps;
    throw FormatError("checkpoint: translate's model takes model.activation=relu and model.layer_norm_eps=1e-05 only; got " +
                      got.str());
  }
  if (auto it = meta.find("model.dtype"); it != meta.end()) {  // older files: float32
    if (it->second != "float32" && it->second != "float64")
      throw FormatError("checkpoint: model setting 'model.dtype' must be float32 or float64; got '" + it->second + "'");
    c.dtype = it->second == "float64" ? kFloat64 : kFloat32;
  }
  return c;
}

nn::TransformerOptions ModelConfig::transformer_options() const {
  nn::TransformerOptions o;
  o.d_model = d_model;
  o.nhead = heads;
  o.dim_feedforward = ff;
  o.dropout = dropout;
  o.norm_first = norm_first;
  o.positions = positions;
  o.norm = norm;
  o.attention = attention;
  o.max_len = max_len + 2;  // with <s> and </s>
  o.dtype = dtype;
  return o;
}

Translator::Translator(const ModelConfig& c) : Module("Translator"), config_(c) {
  const nn::TransformerOptions o = c.transformer_options();
  src_embed = register_module("src_embed", std::make_shared<nn::Embedding>(c.src_vocab, c.d_model, 0, c.dtype));
  tgt_embed = register_module("tgt_embed", std::make_shared<nn::Embedding>(c.tgt_vocab, c.d_model, 0, c.dtype));
  transformer = register_module("transformer", std::make_shared<nn::Transformer>(o, c.layers, c.layers, c.share_layers));
  generator = register_module("generator", std::make_shared<nn::Linear>(c.d_model, c.tgt_vocab, true, c.dtype));
  // Glorot-uniform for every matrix, as the Annotated Transformer (position tables keep their
  // own initialisation); the padding rows stay zero.
  for (auto& [name, p] : named_parameters())
    if (p.dim() > 1 && name.find("positions.") == std::string::npos) nn::init::xavier_uniform_(p);
  for (auto* table : {src_embed.get(), tgt_embed.get()}) {
    Tensor row = table->weight.detach().select(0, 0);
    nn::init::zeros_(row);
  }
}

Tensor Translator::embed(const nn::Embedding& table, const Tensor& ids, std::int64_t offset) const {
  const std::int64_t T = ids.size(1);
  if (offset + T > config_.max_len + 2)
    throw ValueError("sequence of " + std::to_string(offset + T) + " tokens is longer than the model allows (" +
                     std::to_string(config_.max_len) + ")");
  return table.forward(ids) * std::sqrt(static_cast<double>(config_.d_model));  // the stacks add positions
}

Tensor Translator::encode(const Tensor& src, const Tensor& src_lengths) const {
  return with_module_path([&] {  // errors name the layer: "transformer.encoder.layers.0.self_attn: ..."
    AttentionMask mask;
    mask.key_lengths = src_lengths;
    return transformer->encoder->forward(embed(*src_embed, src, 0), mask);
  });
}

Tensor Translator::decode(const Tensor& tgt_in, const Tensor& tgt_lengths, const Tensor& memory,
                          const Tensor& src_lengths) const {
  return with_module_path([&] {
    AttentionMask self_mask, memory_mask;
    self_mask.is_causal = true;
    (void)tgt_lengths;  // padded target positions come after every real one: causality already hides them
    memory_mask.key_lengths = src_lengths;
    const Tensor h = transformer->decoder->forward(embed(*tgt_embed, tgt_in, 0), memory, self_mask, memory_mask);
    return generator->forward(h);
  });
}

Tensor Translator::forward(const data::Batch& b) const {
  return decode(b.tgt_in, b.tgt_lengths, encode(b.src, b.src_lengths), b.src_lengths);
}

CachedDecoder::CachedDecoder(const Translator& model, Tensor memory, Tensor src_lengths)
    : model_(model), memory_(std::move(memory)), src_lengths_(std::move(src_lengths)) {}

Tensor CachedDecoder::step(const Tensor& tokens) {
  const std::int64_t N = tokens.size(0);
  const Tensor x = model_.embed(*model_.tgt_embed, tokens.reshape({N, 1}), cache_.length);
  AttentionMask memory_mask;
  memory_mask.key_lengths = src_lengths_;
  const Tensor h = model_.transformer->decoder->forward_cached(x, memory_, cache_, memory_mask);
  return log_softmax(model_.generator->forward(h).reshape({N, -1}), -1);
}

void CachedDecoder::select_rows(const Tensor& rows) {
  memory_ = index_select(memory_, 0, rows);
  src_lengths_ = index_select(src_lengths_, 0, rows);
  for (auto* caches : {&cache_.self_attn, &cache_.cross_attn})
    for (auto& kv : *caches)
      if (kv.k.defined()) {
        kv.k = index_select(kv.k, 0, rows);
        kv.v = index_select(kv.v, 0, rows);
      }
}

}  // namespace translate
