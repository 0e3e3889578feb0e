// The decoder-only Transformer: blocks, the cached path, and generation.
#include <focus/nn/gpt.h>

#include <focus/autograd/grad_mode.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/nn/init.h>
#include <focus/tensor/factory.h>

#include <algorithm>
#include <sstream>

namespace focus::nn {

namespace {
void check_config(const GPTConfig& c) {
  if (c.vocab_size <= 0 || c.block_size <= 0 || c.n_layer <= 0)
    throw ValueError("GPT: vocab_size, block_size and n_layer must be positive; got vocab_size=" +
                     std::to_string(c.vocab_size) + ", block_size=" + std::to_string(c.block_size) +
                     ", n_layer=" + std::to_string(c.n_layer));
}
}  // namespace

// ---- block ---------------------------------------------------------------------------------------

TransformerOptions GPTConfig::block_options() const {
  TransformerOptions o;
  o.d_model = d_model;
  o.nhead = n_head;
  o.dim_feedforward = 4 * d_model;
  o.dropout = dropout;
  o.activation_dropout = 0.0;  // GPT-2 drops out after linear2, not inside the MLP
  o.activation = Activation::GELU;
  o.norm_first = norm_first;
  o.dtype = dtype;
  o.norm = norm;
  o.positions = positions;
  o.attention = attention;
  o.max_len = block_size;
  return o;
}

GPTBlock::GPTBlock(const GPTConfig& c, std::shared_ptr<Positions> positions)
    : TransformerBlock("GPTBlock", c.block_options(), false, std::move(positions)) {}

Tensor GPTBlock::forward(const Tensor& x) const {
  AttentionMask causal;
  causal.is_causal = true;
  return TransformerBlock::forward(x, causal);
}

Tensor GPTBlock::forward_cached(const Tensor& x, KVCache& cache) const { return TransformerBlock::forward_cached(x, cache); }

// ---- model ---------------------------------------------------------------------------------------

GPT::GPT(const GPTConfig& c) : Module("GPT"), config_(c) {
  check_config(c);
  const TransformerOptions o = c.block_options();
  o.validate();
  if (c.attention.kind == AttentionSpec::Kind::Linformer)
    throw ValueError("GPT: linformer mixes later positions into every summary, so a causal model cannot use it; got "
                     "attention=" + c.attention.str());
  tok_embed = register_module("tok_embed", std::make_shared<Embedding>(c.vocab_size, c.d_model, -1, c.dtype));
  positions = register_module("positions", make_positions(c.positions, {c.d_model, c.n_head, c.block_size, true, c.dtype}));
  dropout = register_module("dropout", std::make_shared<Dropout>(c.dropout));
  blocks = register_module("blocks", std::make_shared<ModuleList<GPTBlock>>());
  for (std::int64_t i = 0; i < c.n_layer; ++i) blocks->push_back(std::make_shared<GPTBlock>(c, positions));
  ln_f = register_module("ln_f", make_norm(c.norm, {c.d_model, 1e-5, c.dtype}));
  head = register_module("head", std::make_shared<Linear>(c.d_model, c.vocab_size, true, c.dtype));
  // Small weights keep every residual branch near zero at the start, so the stack begins close
  // to the identity and trains at a high learning rate; the norms keep their ones and zeros.
  // A position scheme's vectors (a registered scheme's per-head rates) keep their own values.
  for (auto& [name, p] : named_parameters()) {
    if (name.find("norm") != std::string::npos || name.starts_with("ln_f")) continue;
    if (p.dim() > 1) init::normal_(p, 0.0, 0.02);
    else if (!name.starts_with("positions.")) init::zeros_(p);
  }
}

void GPT::upgrade_state_dict(StateDict& dict, const std::string& prefix) const {
  const std::string old_name = prefix + "pos_embed.weight";
  if (!dict.contains(old_name) || dict.contains(prefix + "positions.weight")) return;
  StateDict out;
  for (const auto& [name, t] : dict) out.emplace(name == old_name ? prefix + "positions.weight" : name, t);
  dict = std::move(out);
}

Tensor GPT::embed(const Tensor& ids, std::int64_t offset) const {
  if (ids.dim() != 2) throw ShapeError("GPT: ids must be [B, T]; got " + focus::to_string(ids.shape()));
  if (offset + ids.size(1) > config_.block_size)
    throw ValueError("GPT: positions must stay below block_size=" + std::to_string(config_.block_size) + "; got " +
                     std::to_string(offset + ids.size(1)) + " positions");
  return dropout->forward(positions->embed(tok_embed->forward(ids), offset));
}

Tensor GPT::forward(const Tensor& ids) const {
  return with_module_path([&] {
    Tensor x = embed(ids, 0);
    for (const auto& block : *blocks) x = block->forward(x);
    return head->forward(ln_f->forward(x));
  });
}

Tensor GPT::forward_cached(const Tensor& ids, GPTCache& cache) const {
  return with_module_path([&] {
    cache.layers.resize(blocks->size());
    Tensor x = embed(ids, cache.length);
    for (std::size_t i = 0; i < blocks->size(); ++i) x = (*blocks)[i]->forward_cached(x, cache.layers[i]);
    cache.length += ids.size(1);
    return head->forward(ln_f->forward(x));
  });
}

std::vector<std::int64_t> GPT::generate(const std::vector<std::int64_t>& prompt, std::int64_t n_new,
                                        const SamplingOptions& options, Generator& gen) const {
  if (prompt.empty()) throw ValueError("GPT::generate: the prompt must hold at least one token; got 0");
  NoGradGuard no_grad;
  std::vector<std::int64_t> context = prompt, out;
  const auto keep = std::max<std::int64_t>(1, config_.block_size / 2);
  if (static_cast<std::int64_t>(context.size()) > config_.block_size)
    context.erase(context.begin(), context.end() - keep);
  // Prefill: the whole prompt in one call; its last row predicts the first new token.
  GPTCache cache;
  Tensor logits = forward_cached(tensor(context, {1, static_cast<std::int64_t>(context.size())}), cache);
  while (static_cast<std::int64_t>(out.size()) < n_new) {
    const Tensor last = logits.select(1, logits.size(1) - 1);  // [1, V]
    const std::int64_t next = sample_logits(last, options, gen).to_vector<std::int64_t>()[0];
    out.push_back(next);
    context.push_back(next);
    if (cache.length < config_.block_size) {
      logits = forward_cached(tensor(std::vector<std::int64_t>{next}, {1, 1}), cache);
    } else {  // the context is full: start again from its most recent half
      context.erase(context.begin(), context.end() - keep);
      cache = GPTCache{};
      logits = forward_cached(tensor(context, {1, static_cast<std::int64_t>(context.size())}), cache);
    }
  }
  return out;
}

std::string GPT::extra_repr() const {
  std::ostringstream os;
  os << "vocab_size=" << config_.vocab_size << ", block_size=" << config_.block_size << ", d_model=" << config_.d_model
     << ", n_head=" << config_.n_head << ", n_layer=" << config_.n_layer << ", dropout=" << config_.dropout;
  if (config_.norm != "layer") os << ", norm=" << config_.norm;
  if (config_.positions != "learned") os << ", positions=" << config_.positions;
  if (config_.attention.kind != AttentionSpec::Kind::Full) os << ", attention=" << config_.attention.str();
  return os.str();
}

}  // namespace focus::nn
