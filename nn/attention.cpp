// SelfAttention (the seed's layer) and MultiHeadAttention with its key/value cache.
#include <focus/nn/attention.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_nn.h>
#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>
#include <vector>

namespace focus::nn {

namespace {
// cache's keys and values followed by the new ones k, v [B, H, t, Dh]; the cache then holds them.
// With gradients to record they are joined by cat; without, written into the cache's room (see
// KVCache), which grows to twice what it must hold when full.
std::pair<Tensor, Tensor> append_to_cache(KVCache& cache, const Tensor& k, const Tensor& v) {
  if (needs_grad(k, v, cache.k, cache.v)) {
    cache.room.reset();
    cache.k = cache.k.defined() ? cat({cache.k, k}, 2) : k;
    cache.v = cache.v.defined() ? cat({cache.v, v}, 2) : v;
    return {cache.k, cache.v};
  }
  const std::int64_t held = cache.length(), need = held + k.size(2);
  const bool ours = cache.room && cache.k.is_same(cache.room->last_k);  // cache.k undefined: never
  if (!ours || cache.room->k.size(2) < need || cache.room->k.dtype() != k.dtype() || cache.room->k.size(0) != k.size(0)) {
    auto room = std::make_shared<KVCache::Room>();
    Shape shape = k.shape();
    shape[2] = std::max<std::int64_t>(16, 2 * need);
    room->k = Tensor::empty(shape, k.dtype());
    shape[3] = v.size(3);
    room->v = Tensor::empty(shape, v.dtype());
    if (held > 0) {
      room->k.narrow(2, 0, held).copy_(cache.k);
      room->v.narrow(2, 0, held).copy_(cache.v);
    }
    cache.room = std::move(room);
  }
  cache.room->k.narrow(2, held, k.size(2)).copy_(k);
  cache.room->v.narrow(2, held, v.size(2)).copy_(v);
  cache.k = cache.room->k.narrow(2, 0, need);
  cache.v = cache.room->v.narrow(2, 0, need);
  cache.room->last_k = cache.k;
  return {cache.k, cache.v};
}

void check_input(const char* op, const Tensor& x, std::int64_t features) {
  if (x.dim() != 3 || x.size(-1) != features)
    throw ShapeError(std::string(op) + ": input must be [B, T, " + std::to_string(features) + "]; got " +
                     focus::to_string(x.shape()));
}
}  // namespace

// ---- SelfAttention --------------------------------------------------------------------------------

SelfAttention::SelfAttention(std::int64_t in_features, std::int64_t units, DType dtype)
    : Module("SelfAttention"), in_features_(in_features), units_(units) {
  Wq = register_module("Wq", std::make_shared<Dense>(in_features, units, true, dtype));
  Wk = register_module("Wk", std::make_shared<Dense>(in_features, units, true, dtype));
  Wv = register_module("Wv", std::make_shared<Dense>(in_features, units, true, dtype));
  fc = register_module("fc", std::make_shared<Dense>(units, units, true, dtype));
}

// x [B, T, in] -> q, k, v [B, T, units] -> weights [B, T, T] -> context [B, T, units] -> fc
Tensor SelfAttention::forward(const Tensor& x, Tensor* weights) const {
  return with_module_path([&] {
    check_input("SelfAttention", x, in_features_);
    const Tensor q = Wq->forward(x), k = Wk->forward(x), v = Wv->forward(x);
    const Tensor context = scaled_dot_product_attention(q, k, v, {}, {}, weights);
    return fc->forward(context);
  });
}

std::string SelfAttention::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) + ", units=" + std::to_string(units_);
}

// ---- MultiHeadAttention -----------------------------------------------------------------------------

MultiHeadAttention::MultiHeadAttention(std::int64_t d_model, std::int64_t num_heads, double dropout, bool bias,
                                       DType dtype)
    : Module("MultiHeadAttention"), d_model_(d_model), num_heads_(num_heads), dropout_(dropout) {
  if (num_heads <= 0 || d_model <= 0 || d_model % num_heads != 0)
    throw ValueError("MultiHeadAttention: d_model must be a positive multiple of num_heads; got d_model=" +
                     std::to_string(d_model) + ", num_heads=" + std::to_string(num_heads));
  if (!(dropout >= 0 && dropout < 1))
    throw ValueError("MultiHeadAttention: dropout must be in [0, 1); got " + std::to_string(dropout));
  head_dim_ = d_model / num_heads;
  q_proj = register_module("q_proj", std::make_shared<Linear>(d_model, d_model, bias, dtype));
  k_proj = register_module("k_proj", std::make_shared<Linear>(d_model, d_model, bias, dtype));
  v_proj = register_module("v_proj", std::make_shared<Linear>(d_model, d_model, bias, dtype));
  out_proj = register_module("out_proj", std::make_shared<Linear>(d_model, d_model, bias, dtype));
}

Tensor MultiHeadAttention::split_heads(const Tensor& x) const {
  return x.reshape({x.size(0), x.size(1), num_heads_, head_dim_}).transpose(1, 2);
}

Tensor MultiHeadAttention::merge_heads(const Tensor& x) const {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), d_model_});
}

// ---- AttentionSpec --------------------------------------------------------------------------------

AttentionSpec AttentionSpec::parse(const std::string& text) {
  const auto bad = [&] {
    return ValueError("attention: expected full, local:W or linformer:K with W, K >= 1; got '" + text + "'");
  };
  if (text == "full") return {};
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw bad();
  const std::string name = text.substr(0, colon), number = text.substr(colon + 1);
  AttentionSpec spec;
  if (name == "local") spec.kind = Kind::Local;
  else if (name == "linformer") spec.kind = Kind::Linformer;
  else throw bad();
  if (number.empty() || number.size() > 9 || number.find_first_not_of("0123456789") != std::string::npos) throw bad();
  spec.size = std::stoll(number);
  if (spec.size < 1) throw bad();
  return spec;
}

std::string AttentionSpec::str() const {
  switch (kind) {
    case Kind::Local: return "local:" + std::to_string(size);
    case Kind::Linformer: return "linformer:" + std::to_string(size);
    default: return "full";
  }
}

void MultiHeadAttention::set_attention(const AttentionSpec& spec, std::int64_t max_len) {
  if (spec.kind != AttentionSpec::Kind::Full && spec.size < 1)
    throw ValueError("MultiHeadAttention: " + spec.str() + " needs a size >= 1; got " + std::to_string(spec.size));
  if (linformer) throw ValueError("MultiHeadAttention: set_attention runs once; got a second call with " + spec.str());
  spec_ = spec;
  if (spec.kind == AttentionSpec::Kind::Linformer)
    linformer = register_module("linformer", std::make_shared<LinformerProjection>(spec.size, max_len, q_proj->weight.dtype()));
}

// ---- the attention step ----------------------------------------------------------------------------

namespace {
// Padding with a window: a padded query far past its sequence's end would see no key at all (a
// NaN row, whose NaN reaches every dv of its slice). So each padded query also sees itself:
// keep[b, 0, i, j] = j < len[b] or (i >= len[b] and j == i). Real queries never see padding.
// [B, 1, T, T]: the price of padding plus a window, which only short padded batches pay.
Tensor padded_window_keep(const Tensor& lengths, std::int64_t tq, std::int64_t tk) {
  const auto len = lengths.to_vector<std::int64_t>();
  const std::int64_t B = static_cast<std::int64_t>(len.size());
  Tensor out = zeros({B, 1, tq, tk}, kBool);
  bool* keep = static_cast<bool*>(out.storage()->data());
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < tq; ++i)
      for (std::int64_t j = 0; j < tk; ++j)
        keep[(b * tq + i) * tk + j] = j < len[b] || (i + (tk - tq) >= len[b] && j == i + (tk - tq));
  return out;
}
}  // namespace

Tensor MultiHeadAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v, AttentionMask mask,
                                  std::int64_t q_pos, std::int64_t k_pos, Tensor* weights) const {
  // A sequence of length 0 leaves its queries nothing to attend to: softmax over no keys is 0 / 0.
  if (mask.key_lengths.defined() && mask.key_lengths.dtype() == kInt64 && mask.key_lengths.numel() > 0) {
    const auto lengths = mask.key_lengths.to_vector<std::int64_t>();
    if (*std::min_element(lengths.begin(), lengths.end()) < 1)
      throw ValueError("MultiHeadAttention: key_lengths must be >= 1 (an empty sequence has no keys to attend to); got " +
                       focus::to_string(mask.key_lengths.shape()) + " with a length " +
                       std::to_string(*std::min_element(lengths.begin(), lengths.end())));
  }
  Tensor keys = k, values = v;
  if (positions_) {
    // A scheme adds to the scores by position alone (bias), by content too (score_bias), or not at all.
    for (const Tensor& b : {positions_->bias(q.size(2), k.size(2), q_pos, k_pos), positions_->score_bias(q, k, q_pos, k_pos)})
      if (b.defined()) mask.bias = mask.bias.defined() ? mask.bias + b : b;
  }
  if (spec_.kind == AttentionSpec::Kind::Local && mask.window == 0) {
    mask.window = spec_.size;
    if (mask.key_lengths.defined() && !mask.attn_mask.defined()) {
      mask.attn_mask = padded_window_keep(mask.key_lengths, q.size(2), k.size(2));
      mask.key_lengths = Tensor();
    }
  }
  if (linformer) {
    if (mask.is_causal || mask.attn_mask.defined())
      throw ValueError("MultiHeadAttention: linformer mixes every position into each summary, so it takes no causal or "
                       "explicit mask; got " + std::string(mask.is_causal ? "is_causal" : "attn_mask"));
    std::tie(keys, values) = linformer->project(k, v, mask.key_lengths);
    mask.key_lengths = Tensor();  // padding is out of the summaries already
  }
  Tensor w;
  const bool want = weights || store_attention_weights;
  AttentionOptions opt;
  opt.dropout_p = is_training() ? dropout_ : 0.0;
  const Tensor context = scaled_dot_product_attention(q, keys, values, mask, opt, want ? &w : nullptr);
  if (weights) *weights = w;
  if (store_attention_weights) last_attention_weights = w.detach();
  return out_proj->forward(merge_heads(context));
}

// query [B, Tq, D] -> q [B, H, Tq, Dh]; key/value [B, Tk, D] -> [B, H, Tk, Dh]; -> [B, Tq, D]
Tensor MultiHeadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                   const AttentionMask& mask, Tensor* weights) const {
  return with_module_path([&] {
    check_input("MultiHeadAttention (query)", query, d_model_);
    check_input("MultiHeadAttention (key)", key, d_model_);
    check_input("MultiHeadAttention (value)", value, d_model_);
    if (key.size(0) != query.size(0) || !(key.shape() == value.shape()))
      throw ShapeError("MultiHeadAttention: query, key and value must share B, and key and value their shape; got query=" +
                       focus::to_string(query.shape()) + ", key=" + focus::to_string(key.shape()) + ", value=" + focus::to_string(value.shape()));
    Tensor q = split_heads(q_proj->forward(query)), k = split_heads(k_proj->forward(key));
    if (positions_) q = positions_->rotate(q, 0), k = positions_->rotate(k, 0);
    return attend(q, k, split_heads(v_proj->forward(value)), mask, 0, 0, weights);
  });
}

// New positions x [B, t, D] at cache.end().. : their keys (turned) and values join the cache,
// they attend causally (a single position sees everything kept), and a window trims the cache
// to the last W positions, all the next position may see.
Tensor MultiHeadAttention::forward_cached_self(const Tensor& x, KVCache& cache, Tensor* weights) const {
  return with_module_path([&] {
    check_input("MultiHeadAttention (cached self)", x, d_model_);
    if (linformer)
      throw ValueError("MultiHeadAttention: linformer has no cached decoding (each summary mixes every position); got " +
                       spec_.str());
    const std::int64_t pos = cache.end();
    Tensor q = split_heads(q_proj->forward(x)), k = split_heads(k_proj->forward(x)), v = split_heads(v_proj->forward(x));
    if (positions_) q = positions_->rotate(q, pos), k = positions_->rotate(k, pos);
    if (cache.k.defined() && cache.k.size(0) != x.size(0))
      throw ShapeError("MultiHeadAttention: the cache holds a different batch; got cache=" + focus::to_string(cache.k.shape()) +
                       ", input=" + focus::to_string(x.shape()));
    std::tie(k, v) = append_to_cache(cache, k, v);
    AttentionMask mask;
    mask.is_causal = x.size(1) > 1;
    const Tensor out = attend(q, k, v, mask, pos, cache.start, weights);
    const std::int64_t drop = spec_.kind == AttentionSpec::Kind::Local ? std::max<std::int64_t>(0, k.size(2) - spec_.size) : 0;
    if (drop > 0) {  // the window moved on: keep its last W positions (a fresh join next time)
      cache.k = k.slice(2, drop, k.size(2));
      cache.v = v.slice(2, drop, v.size(2));
      cache.start += drop;
    }
    return out;
  });
}

Tensor MultiHeadAttention::forward_cached_cross(const Tensor& query, const Tensor& memory, KVCache& cache,
                                                const AttentionMask& mask, Tensor* weights) const {
  return with_module_path([&] {
    check_input("MultiHeadAttention (cached cross)", query, d_model_);
    if (!cache.k.defined()) {
      check_input("MultiHeadAttention (memory)", memory, d_model_);
      cache.k = split_heads(k_proj->forward(memory));
      cache.v = split_heads(v_proj->forward(memory));
    }
    return attend(split_heads(q_proj->forward(query)), cache.k, cache.v, mask, 0, 0, weights);
  });
}

std::string MultiHeadAttention::extra_repr() const {
  std::ostringstream os;
  os << "d_model=" << d_model_ << ", num_heads=" << num_heads_ << ", dropout=" << dropout_;
  if (spec_.kind != AttentionSpec::Kind::Full) os << ", attention=" << spec_.str();
  return os.str();
}

}  // namespace focus::nn
