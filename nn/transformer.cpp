// Transformer layers. Post-norm:  x = norm(x + sublayer(x)).  Pre-norm:  x = x + sublayer(norm(x)).
// sublayer is self-attention, cross-attention or the feed-forward net linear2(act(linear1(x))),
// each followed by dropout.
#include <focus/nn/transformer.h>

#include <focus/autograd/ops_elementwise.h>

#include <sstream>

namespace focus::nn {

namespace {

void check_options(const TransformerOptions& o) {
  if (o.dim_feedforward <= 0)
    throw ValueError("Transformer: dim_feedforward must be positive; got " + std::to_string(o.dim_feedforward));
}

std::string options_repr(const TransformerOptions& o) {
  std::ostringstream os;
  os << "d_model=" << o.d_model << ", nhead=" << o.nhead << ", dim_feedforward=" << o.dim_feedforward
     << ", dropout=" << o.dropout << ", activation=" << (o.activation == Activation::ReLU ? "relu" : "gelu")
     << ", norm_first=" << (o.norm_first ? "true" : "false");
  return os.str();
}

Tensor activate(Activation a, const Tensor& x) { return a == Activation::ReLU ? relu(x) : gelu(x); }

// One residual sublayer, pre- or post-norm.
template <class F>
Tensor residual(bool norm_first, const LayerNorm& norm, const Tensor& x, F sublayer) {
  if (norm_first) return x + sublayer(norm.forward(x));
  return norm.forward(x + sublayer(x));
}

}  // namespace

// ---- encoder layer -------------------------------------------------------------------------------

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerOptions& o)
    : Module("TransformerEncoderLayer"), options_(o) {
  check_options(o);
  self_attn = register_module("self_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.nhead, o.dropout, true, o.dtype));
  linear1 = register_module("linear1", std::make_shared<Linear>(o.d_model, o.dim_feedforward, true, o.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout));
  linear2 = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward, o.d_model, true, o.dtype));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(Shape{o.d_model}, o.layer_norm_eps, true, o.dtype));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(Shape{o.d_model}, o.layer_norm_eps, true, o.dtype));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
}

Tensor TransformerEncoderLayer::feed_forward(const Tensor& x) const {
  return linear2->forward(dropout->forward(activate(options_.activation, linear1->forward(x))));
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const AttentionMask& mask) const {
  return with_module_path([&] {
    Tensor x = residual(options_.norm_first, *norm1, src, [&](const Tensor& h) {
      return dropout1->forward(self_attn->forward(h, h, h, mask));
    });
    return residual(options_.norm_first, *norm2, x, [&](const Tensor& h) { return dropout2->forward(feed_forward(h)); });
  });
}

std::string TransformerEncoderLayer::extra_repr() const { return options_repr(options_); }

// ---- decoder layer -------------------------------------------------------------------------------

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerOptions& o)
    : Module("TransformerDecoderLayer"), options_(o) {
  check_options(o);
  self_attn = register_module("self_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.nhead, o.dropout, true, o.dtype));
  multihead_attn =
      register_module("multihead_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.nhead, o.dropout, true, o.dtype));
  linear1 = register_module("linear1", std::make_shared<Linear>(o.d_model, o.dim_feedforward, true, o.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout));
  linear2 = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward, o.d_model, true, o.dtype));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(Shape{o.d_model}, o.layer_norm_eps, true, o.dtype));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(Shape{o.d_model}, o.layer_norm_eps, true, o.dtype));
  norm3 = register_module("norm3", std::make_shared<LayerNorm>(Shape{o.d_model}, o.layer_norm_eps, true, o.dtype));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
  dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout));
}

Tensor TransformerDecoderLayer::feed_forward(const Tensor& x) const {
  return linear2->forward(dropout->forward(activate(options_.activation, linear1->forward(x))));
}

template <class SelfAttend, class CrossAttend>
Tensor TransformerDecoderLayer::block(const Tensor& tgt, SelfAttend self_attend, CrossAttend cross_attend) const {
  const bool nf = options_.norm_first;
  Tensor x = residual(nf, *norm1, tgt, [&](const Tensor& h) { return dropout1->forward(self_attend(h)); });
  x = residual(nf, *norm2, x, [&](const Tensor& h) { return dropout2->forward(cross_attend(h)); });
  return residual(nf, *norm3, x, [&](const Tensor& h) { return dropout3->forward(feed_forward(h)); });
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory, const AttentionMask& tgt_mask,
                                        const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    return block(
        tgt, [&](const Tensor& h) { return self_attn->forward(h, h, h, tgt_mask); },
        [&](const Tensor& h) { return multihead_attn->forward(h, memory, memory, memory_mask); });
  });
}

Tensor TransformerDecoderLayer::forward_cached(const Tensor& tgt, const Tensor& memory, KVCache& self_cache,
                                               KVCache& cross_cache, const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    return block(
        tgt, [&](const Tensor& h) { return self_attn->forward_cached_self(h, self_cache); },
        [&](const Tensor& h) { return multihead_attn->forward_cached_cross(h, memory, cross_cache, memory_mask); });
  });
}

std::string TransformerDecoderLayer::extra_repr() const { return options_repr(options_); }

// ---- stacks --------------------------------------------------------------------------------------

TransformerEncoder::TransformerEncoder(const TransformerOptions& o, int num_layers, bool final_norm)
    : Module("TransformerEncoder") {
  if (num_layers < 1) throw ValueError("TransformerEncoder: num_layers must be >= 1; got " + std::to_string(num_layers));
  layers = register_module("layers", std::make_shared<ModuleList<TransformerEncoderLayer>>());
  for (int i = 0; i < num_layers; ++i) layers->push_back(std::make_shared<TransformerEncoderLayer>(o));
  if (final_norm) norm = register_module("norm", std::make_shared<LayerNorm>(Shape{o.d_model}, o.layer_norm_eps, true, o.dtype));
}

Tensor TransformerEncoder::forward(const Tensor& src, const AttentionMask& mask) const {
  return with_module_path([&] {
    Tensor x = src;
    for (const auto& layer : *layers) x = layer->forward(x, mask);
    return norm ? norm->forward(x) : x;
  });
}

TransformerDecoder::TransformerDecoder(const TransformerOptions& o, int num_layers, bool final_norm)
    : Module("TransformerDecoder") {
  if (num_layers < 1) throw ValueError("TransformerDecoder: num_layers must be >= 1; got " + std::to_string(num_layers));
  layers = register_module("layers", std::make_shared<ModuleList<TransformerDecoderLayer>>());
  for (int i = 0; i < num_layers; ++i) layers->push_back(std::make_shared<TransformerDecoderLayer>(o));
  if (final_norm) norm = register_module("norm", std::make_shared<LayerNorm>(Shape{o.d_model}, o.layer_norm_eps, true, o.dtype));
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const AttentionMask& tgt_mask,
                                   const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    Tensor x = tgt;
    for (const auto& layer : *layers) x = layer->forward(x, memory, tgt_mask, memory_mask);
    return norm ? norm->forward(x) : x;
  });
}

Tensor TransformerDecoder::forward_cached(const Tensor& tgt, const Tensor& memory, DecoderCache& cache,
                                          const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    cache.self_attn.resize(layers->size());
    cache.cross_attn.resize(layers->size());
    Tensor x = tgt;
    for (std::size_t i = 0; i < layers->size(); ++i)
      x = (*layers)[i]->forward_cached(x, memory, cache.self_attn[i], cache.cross_attn[i], memory_mask);
    cache.length += tgt.size(1);
    return norm ? norm->forward(x) : x;
  });
}

// ---- encoder-decoder -----------------------------------------------------------------------------

Transformer::Transformer(const TransformerOptions& o, int num_encoder_layers, int num_decoder_layers)
    : Module("Transformer") {
  encoder = register_module("encoder", std::make_shared<TransformerEncoder>(o, num_encoder_layers));
  decoder = register_module("decoder", std::make_shared<TransformerDecoder>(o, num_decoder_layers));
}

Tensor Transformer::forward(const Tensor& src, const Tensor& tgt, const AttentionMask& src_mask,
                            const AttentionMask& tgt_mask, const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    return decoder->forward(tgt, encoder->forward(src, src_mask), tgt_mask, memory_mask);
  });
}

}  // namespace focus::nn
