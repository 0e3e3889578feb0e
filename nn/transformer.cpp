// Transformer stacks: each makes its position scheme once and hands it to every layer.
#include <focus/nn/transformer.h>

namespace focus::nn {

namespace {

std::shared_ptr<Positions> stack_positions(const TransformerOptions& o, bool causal) {
  o.validate();
  return make_positions(o.positions, {o.d_model, o.nhead, o.max_len, causal, o.dtype});
}

std::shared_ptr<Norm> final_norm_of(const TransformerOptions& o) {
  return make_norm(o.norm, {o.d_model, o.layer_norm_eps, o.dtype});
}

}  // namespace

TransformerEncoder::TransformerEncoder(const TransformerOptions& o, int num_layers, bool final_norm, bool share_layers)
    : Module("TransformerEncoder"), shared_depth_(share_layers ? num_layers : 0) {
  if (num_layers < 1) throw ValueError("TransformerEncoder: num_layers must be >= 1; got " + std::to_string(num_layers));
  positions = register_module("positions", stack_positions(o, false));
  layers = register_module("layers", std::make_shared<ModuleList<TransformerEncoderLayer>>());
  for (int i = 0; i < (share_layers ? 1 : num_layers); ++i)
    layers->push_back(std::make_shared<TransformerEncoderLayer>(o, positions));
  if (final_norm) norm = register_module("norm", final_norm_of(o));
}

Tensor TransformerEncoder::forward(const Tensor& src, const AttentionMask& mask) const {
  return with_module_path([&] {
    Tensor x = positions->embed(src, 0);
    for (int i = 0, n = depth(); i < n; ++i) x = layer(i).forward(x, mask);
    return norm ? norm->forward(x) : x;
  });
}

TransformerDecoder::TransformerDecoder(const TransformerOptions& o, int num_layers, bool final_norm, bool share_layers)
    : Module("TransformerDecoder"), shared_depth_(share_layers ? num_layers : 0) {
  if (num_layers < 1) throw ValueError("TransformerDecoder: num_layers must be >= 1; got " + std::to_string(num_layers));
  if (o.attention.kind == AttentionSpec::Kind::Linformer)
    throw ValueError("TransformerDecoder: linformer mixes later positions into every summary, so a causal decoder cannot "
                     "use it; got attention=" + o.attention.str());
  positions = register_module("positions", stack_positions(o, true));
  layers = register_module("layers", std::make_shared<ModuleList<TransformerDecoderLayer>>());
  for (int i = 0; i < (share_layers ? 1 : num_layers); ++i)
    layers->push_back(std::make_shared<TransformerDecoderLayer>(o, positions));
  if (final_norm) norm = register_module("norm", final_norm_of(o));
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const AttentionMask& tgt_mask,
                                   const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    Tensor x = positions->embed(tgt, 0);
    for (int i = 0, n = depth(); i < n; ++i) x = layer(i).forward(x, memory, tgt_mask, memory_mask);
    return norm ? norm->forward(x) : x;
  });
}

Tensor TransformerDecoder::forward_cached(const Tensor& tgt, const Tensor& memory, DecoderCache& cache,
                                          const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    cache.self_attn.resize(static_cast<std::size_t>(depth()));
    cache.cross_attn.resize(static_cast<std::size_t>(depth()));
    Tensor x = positions->embed(tgt, cache.length);
    for (int i = 0, n = depth(); i < n; ++i)
      x = layer(i).forward_cached(x, memory, cache.self_attn[static_cast<std::size_t>(i)],
                                  cache.cross_attn[static_cast<std::size_t>(i)], memory_mask);
    cache.length += tgt.size(1);
    return norm ? norm->forward(x) : x;
  });
}

Transformer::Transformer(const TransformerOptions& o, int num_encoder_layers, int num_decoder_layers, bool share_layers)
    : Module("Transformer") {
  encoder = register_module("encoder", std::make_shared<TransformerEncoder>(o, num_encoder_layers, true, share_layers));
  TransformerOptions d = o;
  if (d.attention.kind == AttentionSpec::Kind::Linformer) d.attention = {};  // the decoder's attention is causal
  decoder = register_module("decoder", std::make_shared<TransformerDecoder>(d, num_decoder_layers, true, share_layers));
}

Tensor Transformer::forward(const Tensor& src, const Tensor& tgt, const AttentionMask& src_mask,
                            const AttentionMask& tgt_mask, const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    return decoder->forward(tgt, encoder->forward(src, src_mask), tgt_mask, memory_mask);
  });
}

}  // namespace focus::nn
