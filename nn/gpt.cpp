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

GPTBlock::GPTBlock(const GPTConfig& c) : Module("GPTBlock"), config_(c) {
  ln_1 = register_module("ln_1", std::make_shared<LayerNorm>(Shape{c.d_model}, 1e-5, true, c.dtype));
  attn = register_module("attn", std::make_shared<MultiHeadAttention>(c.d_model, c.n_head, c.dropout, true, c.dtype));
  ln_2 = register_module("ln_2", std::make_shared<LayerNorm>(Shape{c.d_model}, 1e-5, true, c.dtype));
  fc1 = register_module("fc1", std::make_shared<Linear>(c.d_model, 4 * c.d_model, true, c.dtype));
  fc2 = register_module("fc2", std::make_shared<Linear>(4 * c.d_model, c.d_model, true, c.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(c.dropout));
}

Tensor GPTBlock::mlp(const Tensor& x) const { return dropout->forward(fc2->forward(gelu(fc1->forward(x)))); }

Tensor GPTBlock::forward(const Tensor& x) const {
  return with_module_path([&] {
    AttentionMask causal;
    causal.is_causal = true;
    const Tensor h = ln_1->forward(x);
    const Tensor y = x + dropout->forward(attn->forward(h, h, h, causal));
    return y + mlp(ln_2->forward(y));
  });
}

Tensor GPTBlock::forward_cached(const Tensor& x, KVCache& cache) const {
  return with_module_path([&] {
    const Tensor y = x + dropout->forward(attn->forward_cached_self(ln_1->forward(x), cache));
    return y + mlp(ln_2->forward(y));
  });
}

std::string GPTBlock::extra_repr() const {
  return "d_model=" + std::to_string(config_.d_model) + ", n_head=" + std::to_string(config_.n_head);
}

// ---- model ---------------------------------------------------------------------------------------

GPT::GPT(const GPTConfig& c) : Module("GPT"), config_(c) {
  check_config(c);
  tok_embed = register_module("tok_embed", std::make_shared<Embedding>(c.vocab_size, c.d_model, -1, c.dtype));
  pos_embed = register_module("pos_embed", std::make_shared<LearnedPositionalEncoding>(c.block_size, c.d_model, c.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(c.dropout));
  blocks = register_module("blocks", std::make_shared<ModuleList<GPTBlock>>());
  for (std::int64_t i = 0; i < c.n_layer; ++i) blocks->push_back(std::make_shared<GPTBlock>(c));
  ln_f = register_module("ln_f", std::make_shared<LayerNorm>(Shape{c.d_model}, 1e-5, true, c.dtype));
  head = register_module("head", std::make_shared<Linear>(c.d_model, c.vocab_size, true, c.dtype));
  // Small weights keep every residual branch near zero at the start, so the stack begins close
  // to the identity and trains at a high learning rate; LayerNorm keeps its ones and zeros.
  for (auto& [name, p] : named_parameters()) {
    if (name.find("ln_") != std::string::npos) continue;
    if (p.dim() > 1) init::normal_(p, 0.0, 0.02);
    else init::zeros_(p);
  }
}

Tensor GPT::embed(const Tensor& ids, std::int64_t offset) const {
  if (ids.dim() != 2) throw ShapeError("GPT: ids must be [B, T]; got " + focus::to_string(ids.shape()));
  if (offset + ids.size(1) > config_.block_size)
    throw ValueError("GPT: positions must stay below block_size=" + std::to_string(config_.block_size) + "; got " +
                     std::to_string(offset + ids.size(1)) + " positions");
  return dropout->forward(pos_embed->forward(tok_embed->forward(ids), offset));
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
  return os.str();
}

}  // namespace focus::nn
