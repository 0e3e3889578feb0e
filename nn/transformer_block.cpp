// The Transformer block, its options as text, and the renaming of old GPT checkpoints.
#include <focus/nn/transformer_block.h>

#include <focus/autograd/ops_elementwise.h>

#include <sstream>

namespace focus::nn {

// ---- options --------------------------------------------------------------------------------------

std::string activation_name(Activation a) { return a == Activation::ReLU ? "relu" : "gelu"; }

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::ReLU;
  if (name == "gelu") return Activation::GELU;
  throw ValueError("activation: expected relu or gelu; got '" + name + "'");
}

void TransformerOptions::validate() const {
  const auto fail = [](const std::string& rule, const std::string& got) {
    throw ValueError("TransformerOptions: " + rule + "; got " + got);
  };
  if (d_model <= 0 || nhead <= 0 || d_model % nhead != 0)
    fail("nhead must be positive and divide d_model", "d_model=" + std::to_string(d_model) + ", nhead=" + std::to_string(nhead));
  if (dim_feedforward <= 0) fail("dim_feedforward must be positive", "dim_feedforward=" + std::to_string(dim_feedforward));
  if (!(dropout >= 0 && dropout < 1)) fail("dropout must be in [0, 1)", "dropout=" + std::to_string(dropout));
  if (activation_dropout && !(*activation_dropout >= 0 && *activation_dropout < 1))
    fail("activation_dropout must be in [0, 1)", "activation_dropout=" + std::to_string(*activation_dropout));
  if (!(layer_norm_eps >= 0)) fail("layer_norm_eps must be >= 0", "layer_norm_eps=" + std::to_string(layer_norm_eps));
  if (max_len <= 0) fail("max_len must be positive", "max_len=" + std::to_string(max_len));
  if (attention.kind != AttentionSpec::Kind::Full && attention.size < 1)
    fail("a local window or linformer rank must be >= 1", "attention=" + attention.str());
  // Names only: making a scheme here would draw a learned table from the default generator.
  const auto known = [&](const char* option, const std::string& name, const std::vector<std::string>& names) {
    std::string list;
    for (const auto& n : names) {
      if (n == name) return;
      list += (list.empty() ? "" : ", ") + n;
    }
    fail(std::string(option) + " must be a known name (" + list + ")", std::string(option) + "=" + name);
  };
  known("norm", norm, norm_names());
  known("positions", positions, positions_names());
}

std::map<std::string, std::string> TransformerOptions::to_metadata(const std::string& p) const {
  std::ostringstream eps;
  eps.precision(17);
  eps << layer_norm_eps;
  return {{p + "d_model", std::to_string(d_model)},
          {p + "nhead", std::to_string(nhead)},
          {p + "dim_feedforward", std::to_string(dim_feedforward)},
          {p + "activation", activation_name(activation)},
          {p + "layer_norm_eps", eps.str()},
          {p + "norm_first", norm_first ? "1" : "0"},
          {p + "norm", norm},
          {p + "positions", positions},
          {p + "attention", attention.str()},
          {p + "max_len", std::to_string(max_len)}};
}

TransformerOptions TransformerOptions::from_metadata(const std::map<std::string, std::string>& meta, const std::string& p,
                                                     TransformerOptions o) {
  const auto text = [&](const std::string& key, std::string& out) {
    if (auto it = meta.find(p + key); it != meta.end()) out = it->second;
  };
  const auto number = [&](const std::string& key, auto& out) {
    auto it = meta.find(p + key);
    if (it == meta.end()) return;
    std::istringstream in(it->second);
    std::remove_reference_t<decltype(out)> v{};
    if (!(in >> v) || !in.eof()) throw FormatError("checkpoint: model setting '" + p + key + "' is not a number; got '" + it->second + "'");
    out = v;
  };
  number("d_model", o.d_model);
  number("nhead", o.nhead);
  number("dim_feedforward", o.dim_feedforward);
  number("layer_norm_eps", o.layer_norm_eps);
  number("max_len", o.max_len);
  std::string activation = activation_name(o.activation), norm_first = o.norm_first ? "1" : "0",
              attention = o.attention.str();
  text("activation", activation);
  text("norm_first", norm_first);
  text("norm", o.norm);
  text("positions", o.positions);
  text("attention", attention);
  try {
    o.activation = parse_activation(activation);
    if (norm_first != "0" && norm_first != "1") throw ValueError("norm_first must be 0 or 1; got '" + norm_first + "'");
    o.norm_first = norm_first == "1";
    o.attention = AttentionSpec::parse(attention);
    o.validate();
  } catch (const ValueError& e) {
    throw FormatError(std::string("checkpoint: model settings (") + p + "*): " + e.what());
  }
  return o;
}

// ---- the block ------------------------------------------------------------------------------------

namespace {

Tensor activate(Activation a, const Tensor& x) { return a == Activation::ReLU ? relu(x) : gelu(x); }

// One residual sublayer, pre- or post-norm.
template <class F>
Tensor residual(bool norm_first, const Norm& norm, const Tensor& x, F sublayer) {
  if (norm_first) return x + sublayer(norm.forward(x));
  return norm.forward(x + sublayer(x));
}

}  // namespace

TransformerBlock::TransformerBlock(const TransformerOptions& o, bool cross_attention, std::shared_ptr<Positions> positions)
    : TransformerBlock("TransformerBlock", o, cross_attention, std::move(positions)) {}

TransformerBlock::TransformerBlock(std::string type_name, const TransformerOptions& o, bool cross,
                                   std::shared_ptr<Positions> shared)
    : Module(std::move(type_name)), options_(o) {
  o.validate();
  const auto attention = [&] { return std::make_shared<MultiHeadAttention>(o.d_model, o.nhead, o.dropout, true, o.dtype); };
  const auto norm = [&] { return make_norm(o.norm, {o.d_model, o.layer_norm_eps, o.dtype}); };
  self_attn = register_module("self_attn", attention());
  if (cross) multihead_attn = register_module("multihead_attn", attention());
  linear1 = register_module("linear1", std::make_shared<Linear>(o.d_model, o.dim_feedforward, true, o.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.activation_dropout.value_or(o.dropout)));
  linear2 = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward, o.d_model, true, o.dtype));
  norm1 = register_module("norm1", norm());
  norm2 = register_module("norm2", norm());
  if (cross) norm3 = register_module("norm3", norm());
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
  if (cross) dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout));
  positions = std::move(shared);
  if (!positions) {
    auto own = make_positions(o.positions, {o.d_model, o.nhead, o.max_len, cross, o.dtype});
    if (own->inside_attention()) positions = register_module("positions", own);
  }
  if (positions && positions->inside_attention()) self_attn->set_positions(positions);
  if (o.attention.kind == AttentionSpec::Kind::Linformer && positions && positions->inside_attention())
    throw ValueError("TransformerBlock: linformer's summaries have no positions for '" + o.positions +
                     "' to act on; got positions=" + o.positions + ", attention=" + o.attention.str());
  self_attn->set_attention(o.attention, o.max_len);
}

Tensor TransformerBlock::feed_forward(const Tensor& x) const {
  return linear2->forward(dropout->forward(activate(options_.activation, linear1->forward(x))));
}

template <class SelfAttend, class CrossAttend>
Tensor TransformerBlock::run(const Tensor& x, SelfAttend self_attend, CrossAttend cross_attend) const {
  const bool nf = options_.norm_first;
  Tensor h = residual(nf, *norm1, x, [&](const Tensor& in) { return dropout1->forward(self_attend(in)); });
  if (multihead_attn) h = residual(nf, *norm2, h, [&](const Tensor& in) { return dropout2->forward(cross_attend(in)); });
  const Norm& last = multihead_attn ? *norm3 : *norm2;
  const Dropout& last_dropout = multihead_attn ? *dropout3 : *dropout2;
  return residual(nf, last, h, [&](const Tensor& in) { return last_dropout.forward(feed_forward(in)); });
}

Tensor TransformerBlock::forward(const Tensor& x, const AttentionMask& self_mask, const Tensor& memory,
                                 const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    if (multihead_attn && !memory.defined())
      throw ValueError(type_name() + ": a block with cross-attention needs the memory; got none");
    return run(
        x, [&](const Tensor& h) { return self_attn->forward(h, h, h, self_mask); },
        [&](const Tensor& h) { return multihead_attn->forward(h, memory, memory, memory_mask); });
  });
}

Tensor TransformerBlock::forward_cached(const Tensor& x, KVCache& self_cache, const Tensor& memory, KVCache* cross_cache,
                                        const AttentionMask& memory_mask) const {
  return with_module_path([&] {
    if (multihead_attn && (!cross_cache || (!memory.defined() && !cross_cache->k.defined())))
      throw ValueError(type_name() + ": a block with cross-attention needs the memory and its cache; got none");
    return run(
        x, [&](const Tensor& h) { return self_attn->forward_cached_self(h, self_cache); },
        [&](const Tensor& h) { return multihead_attn->forward_cached_cross(h, memory, *cross_cache, memory_mask); });
  });
}

std::string TransformerBlock::extra_repr() const {
  const TransformerOptions& o = options_;
  std::ostringstream os;
  os << "d_model=" << o.d_model << ", nhead=" << o.nhead << ", dim_feedforward=" << o.dim_feedforward
     << ", dropout=" << o.dropout << ", activation=" << activation_name(o.activation)
     << ", norm_first=" << (o.norm_first ? "true" : "false");
  if (o.norm != "layer") os << ", norm=" << o.norm;
  if (o.positions != "none") os << ", positions=" << o.positions;
  if (o.attention.kind != AttentionSpec::Kind::Full) os << ", attention=" << o.attention.str();
  return os.str();
}

void TransformerBlock::upgrade_state_dict(StateDict& dict, const std::string& prefix) const {
  static const std::pair<const char*, const char*> renames[] = {
      {"ln_1.", "norm1."}, {"attn.", "self_attn."}, {"ln_2.", "norm2."}, {"fc1.", "linear1."}, {"fc2.", "linear2."}};
  StateDict out;
  bool changed = false;
  for (const auto& [name, t] : dict) {
    std::string n = name;
    if (n.starts_with(prefix))
      for (const auto& [from, to] : renames)
        if (n.compare(prefix.size(), std::string(from).size(), from) == 0) {
          n = prefix + to + n.substr(prefix.size() + std::string(from).size());
          changed = true;
          break;
        }
    out.emplace(n, t);
  }
  if (changed) dict = std::move(out);
}

}  // namespace focus::nn
