// transformer block: the one configurable block (nn/transformer_block.h) with every position
// scheme, local and linformer attention and both norms: cached decoding equals the full forward
// (float64, 1e-12), gradcheck through the block, options as checkpoint text, older GPT files,
// the registries, and the errors for bad options.
#include <doctest/doctest.h>

#include <focus/focus.h>

#include <cmath>
#include <string>
#include <vector>

using namespace focus;

namespace {

const std::vector<std::string> kSchemes = {"none", "sinusoidal", "learned", "relative", "rope", "alibi", "xl"};

nn::GPTConfig gpt_config(const std::string& positions, const std::string& attention, const std::string& norm = "layer") {
  nn::GPTConfig c;
  c.vocab_size = 13;
  c.block_size = 24;
  c.d_model = 8;
  c.n_head = 2;
  c.n_layer = 2;
  c.dtype = kFloat64;
  c.positions = positions;
  c.attention = nn::AttentionSpec::parse(attention);
  c.norm = norm;
  return c;
}

// Every parameter moved off its initial value, so zeros and ones hide nothing.
void perturb(nn::Module& m, double scale = 0.3) {
  NoGradGuard ng;
  for (auto& p : m.parameters()) p.add_(randn(p.shape(), p.dtype()) * scale);
}

double max_diff(const Tensor& a, const Tensor& b) { return max(abs(a - b)).item<double>(); }

nn::TransformerOptions small_options(const std::string& positions, const std::string& attention) {
  nn::TransformerOptions o;
  o.d_model = 8;
  o.nhead = 2;
  o.dim_feedforward = 12;
  o.dropout = 0;
  o.dtype = kFloat64;
  o.norm_first = true;
  o.positions = positions;
  o.attention = nn::AttentionSpec::parse(attention);
  o.max_len = 32;
  return o;
}

}  // namespace

TEST_CASE("transformer block: GPT cached decoding equals the full forward for every scheme and window (float64)") {
  for (const auto& scheme : kSchemes)
    for (const std::string attention : {"full", "local:3"}) {
      CAPTURE(scheme);
      CAPTURE(attention);
      manual_seed(5);
      nn::GPT model(gpt_config(scheme, attention));
      perturb(model, 0.1);
      model.eval();
      NoGradGuard ng;
      const Tensor ids = randint(0, 13, {2, 11});
      const Tensor full = model.forward(ids);
      nn::GPTCache cache;
      std::vector<Tensor> parts{model.forward_cached(ids.slice(1, 0, 5), cache)};
      for (std::int64_t t = 5; t < 11; ++t) parts.push_back(model.forward_cached(ids.slice(1, t, t + 1), cache));
      const double diff = max_diff(cat(parts, 1), full);
      MESSAGE(scheme << " " << attention << ": max |cached - full| = " << diff);
      CHECK(diff < 1e-12);
      if (attention == "local:3") {  // the cache keeps the last W positions only
        CHECK(cache.layers[0].length() == 3);
        CHECK(cache.layers[0].start == 8);
      } else {
        CHECK(cache.layers[0].length() == 11);
      }
    }
}

TEST_CASE("transformer block: encoder-decoder cached decoding equals the full decoder for every scheme (float64)") {
  for (const auto& scheme : kSchemes)
    for (const std::string attention : {"full", "local:2"}) {
      CAPTURE(scheme);
      CAPTURE(attention);
      manual_seed(6);
      nn::Transformer model(small_options(scheme, attention), 1, 2);
      perturb(model, 0.1);
      model.eval();
      NoGradGuard ng;
      const Tensor src = randn({2, 7, 8}, kFloat64), tgt = randn({2, 6, 8}, kFloat64);
      AttentionMask src_mask, causal;
      src_mask.key_lengths = tensor(std::vector<std::int64_t>{7, 4});
      causal.is_causal = true;
      const Tensor memory = model.encoder->forward(src, src_mask);
      const Tensor full = model.decoder->forward(tgt, memory, causal, src_mask);
      nn::DecoderCache cache;
      std::vector<Tensor> parts;
      for (std::int64_t t = 0; t < 6; ++t) parts.push_back(model.decoder->forward_cached(tgt.slice(1, t, t + 1), memory, cache, src_mask));
      const double diff = max_diff(cat(parts, 1), full);
      MESSAGE(scheme << " " << attention << ": max |cached - full| = " << diff);
      CHECK(diff < 1e-12);
      CHECK(std::isfinite(sum(memory).item<double>()));  // padding beyond a window sees itself, not NaN
    }
}

TEST_CASE("transformer block: gradcheck through an encoder layer with each scheme, norm and attention (float64)") {
  struct Case {
    std::string positions, attention, norm;
  };
  const std::vector<Case> cases = {{"relative", "full", "layer"}, {"rope", "local:2", "rms"}, {"alibi", "full", "rms"},
                                   {"alibi", "local:1", "layer"}, {"xl", "full", "layer"}, {"xl", "local:2", "rms"},
                                   {"none", "linformer:3", "layer"}};
  for (const auto& c : cases) {
    CAPTURE(c.positions);
    CAPTURE(c.attention);
    manual_seed(7);
    nn::TransformerOptions o = small_options(c.positions, c.attention);
    o.norm = c.norm;
    o.max_len = 5;
    nn::TransformerEncoderLayer layer(o);
    perturb(layer);
    const Tensor x = randn({2, 5, 8}, kFloat64).requires_grad_();
    AttentionMask mask;
    mask.key_lengths = tensor(std::vector<std::int64_t>{5, 3});
    std::vector<Tensor> inputs{x};
    for (auto& p : layer.parameters()) inputs.push_back(p);
    const auto r = gradcheck([&](const std::vector<Tensor>& v) { return layer.forward(v[0], mask); }, inputs);
    CHECK_MESSAGE(r.ok, r.message);
  }
}

TEST_CASE("transformer block: a stack shares one scheme, T5's table is the stack's, saved once") {
  nn::TransformerEncoder encoder(small_options("relative", "full"), 2);
  std::vector<std::string> names;
  for (const auto& entry : encoder.state_dict()) names.push_back(entry.first);
  CHECK(names.front() == "positions.weight");
  CHECK(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.find("positions") != std::string::npos; }) == 1);
  CHECK((*encoder.layers)[0]->positions == (*encoder.layers)[1]->positions);
  const std::string printed = encoder.to_string();
  CHECK(printed.find("positions=relative") != std::string::npos);
}

TEST_CASE("transformer block: a shared stack applies one layer depth times, cached decoding equals the full forward") {
  manual_seed(11);
  const nn::TransformerOptions o = small_options("xl", "full");
  nn::Transformer model(o, 3, 3, true);
  perturb(model);
  CHECK(model.encoder->layers->size() == 1);
  CHECK(model.decoder->layers->size() == 1);
  CHECK(model.encoder->depth() == 3);
  CHECK(model.decoder->depth() == 3);
  CHECK(model.encoder->shares_layers());
  CHECK(&model.decoder->layer(2) == (*model.decoder->layers)[0].get());
  // One layer's parameters (and the stack's positions and final norm) per stack.
  nn::Transformer separate(o, 3, 3);
  const auto count = [](const nn::Module& m) { return m.parameters().size(); };
  const std::size_t per_layer_enc = count(*(*separate.encoder->layers)[0]);
  CHECK(count(*model.encoder) + 2 * per_layer_enc == count(*separate.encoder));

  NoGradGuard ng;
  const Tensor src = randn({2, 5, 8}, kFloat64), tgt = randn({2, 6, 8}, kFloat64);
  AttentionMask src_mask, causal;
  src_mask.key_lengths = tensor(std::vector<std::int64_t>{5, 3});
  causal.is_causal = true;
  // The encoder is its one layer, three times, then the final norm.
  Tensor x = model.encoder->positions->embed(src, 0);
  for (int i = 0; i < 3; ++i) x = (*model.encoder->layers)[0]->forward(x, src_mask);
  const Tensor memory = model.encoder->forward(src, src_mask);
  CHECK(max_diff(memory, model.encoder->norm->forward(x)) == 0.0);

  const Tensor full = model.decoder->forward(tgt, memory, causal, src_mask);
  nn::DecoderCache cache;
  std::vector<Tensor> steps;
  for (std::int64_t t = 0; t < 6; ++t)
    steps.push_back(model.decoder->forward_cached(tgt.narrow(1, t, 1), memory, cache, src_mask));
  CHECK(cache.self_attn.size() == 3);
  CHECK(max_diff(cat(steps, 1), full) < 1e-12);
}

TEST_CASE("transformer block: a layer pushed into a built stack runs, a shared stack of depth 1 is still shared") {
  manual_seed(13);
  const nn::TransformerOptions o = small_options("none", "full");
  nn::TransformerEncoder encoder(o, 1);
  CHECK_FALSE(encoder.shares_layers());
  encoder.layers->push_back(std::make_shared<nn::TransformerEncoderLayer>(o, encoder.positions));
  CHECK(encoder.depth() == 2);
  NoGradGuard ng;
  const Tensor src = randn({2, 4, 8}, kFloat64);
  const Tensor by_hand = encoder.norm->forward((*encoder.layers)[1]->forward((*encoder.layers)[0]->forward(src)));
  CHECK(max_diff(encoder.forward(src), by_hand) == 0.0);

  nn::TransformerDecoder shared(o, 1, true, true);
  CHECK(shared.shares_layers());
  CHECK(shared.depth() == 1);
}

TEST_CASE("transformer block: gradcheck through a shared encoder stack (float64)") {
  manual_seed(12);
  nn::TransformerEncoder encoder(small_options("xl", "full"), 2, true, true);
  perturb(encoder);
  const Tensor x = randn({2, 4, 8}, kFloat64).requires_grad_();
  AttentionMask mask;
  mask.key_lengths = tensor(std::vector<std::int64_t>{4, 2});
  std::vector<Tensor> inputs{x};
  for (auto& p : encoder.parameters()) inputs.push_back(p);
  const auto r = gradcheck([&](const std::vector<Tensor>& v) { return encoder.forward(v[0], mask); }, inputs);
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("transformer block: default options keep torch's layer names and nothing else") {
  nn::TransformerDecoderLayer layer(small_options("none", "full"));
  std::string names;
  for (const auto& entry : layer.state_dict()) names += entry.first.substr(0, entry.first.find('.')) + " ";
  CHECK(names.find("positions") == std::string::npos);
  CHECK(names.find("norm3") != std::string::npos);
}

TEST_CASE("transformer block: options as checkpoint text, with older files' defaults") {
  nn::TransformerOptions o = small_options("rope", "local:16");
  o.norm = "rms";
  o.activation = nn::Activation::GELU;
  o.layer_norm_eps = 1e-6;
  const auto meta = o.to_metadata("model.");
  const nn::TransformerOptions back = nn::TransformerOptions::from_metadata(meta, "model.", {});
  CHECK(back.positions == "rope");
  CHECK(back.attention == o.attention);
  CHECK(back.norm == "rms");
  CHECK(back.activation == nn::Activation::GELU);
  CHECK(back.layer_norm_eps == 1e-6);
  CHECK(back.max_len == 32);
  nn::TransformerOptions older;
  older.positions = "sinusoidal";
  CHECK(nn::TransformerOptions::from_metadata({}, "model.", older).positions == "sinusoidal");
  auto bad = meta;
  bad["model.attention"] = "local:0";
  CHECK_THROWS_WITH_AS(nn::TransformerOptions::from_metadata(bad, "model.", {}),
                       "checkpoint: model settings (model.*): attention: expected full, local:W or linformer:K with W, K >= 1; got 'local:0'",
                       FormatError);
  bad = meta;
  bad["model.positions"] = "spiral";
  CHECK_THROWS_AS(nn::TransformerOptions::from_metadata(bad, "model.", {}), FormatError);
}

TEST_CASE("transformer block: a GPT checkpoint with the older block names (ln_1, attn, fc1, pos_embed) loads") {
  manual_seed(8);
  nn::GPT trained(gpt_config("learned", "full"));
  perturb(trained);
  StateDict old;
  for (const auto& entry : trained.state_dict()) {
    std::string n = entry.first;
    for (const auto& [now, before] : std::vector<std::pair<std::string, std::string>>{
             {".norm1.", ".ln_1."}, {".self_attn.", ".attn."}, {".norm2.", ".ln_2."}, {".linear1.", ".fc1."}, {".linear2.", ".fc2."}})
      if (auto at = n.find(now); at != std::string::npos) n.replace(at, now.size(), before);
    if (n == "positions.weight") n = "pos_embed.weight";
    old.emplace(n, entry.second);
  }
  CHECK(old.contains("blocks.1.ln_1.weight"));
  CHECK(old.contains("pos_embed.weight"));
  nn::GPT loaded(gpt_config("learned", "full"));
  loaded.load_state_dict(old);
  trained.eval(), loaded.eval();
  const Tensor ids = randint(0, 13, {1, 9});
  CHECK(max_diff(trained.forward(ids), loaded.forward(ids)) == 0);
}

TEST_CASE("transformer block: bad options name the option and the value") {
  CHECK_THROWS_WITH_AS(nn::AttentionSpec::parse("local:0"),
                       "attention: expected full, local:W or linformer:K with W, K >= 1; got 'local:0'", ValueError);
  CHECK_THROWS_AS(nn::AttentionSpec::parse("linformer:-4"), ValueError);
  CHECK_THROWS_AS(nn::AttentionSpec::parse("sparse:8"), ValueError);
  CHECK(nn::AttentionSpec::parse("linformer:64").str() == "linformer:64");
  nn::TransformerOptions o = small_options("none", "full");
  o.norm = "batch";
  CHECK_THROWS_WITH_AS(nn::TransformerEncoderLayer{o}, "TransformerOptions: norm must be a known name (layer, rms); got norm=batch",
                       ValueError);
  o = small_options("spiral", "full");
  CHECK_THROWS_AS(nn::TransformerEncoderLayer{o}, ValueError);
  o = small_options("rope", "full");
  o.d_model = 6;  // head dim 3
  o.nhead = 2;
  CHECK_THROWS_WITH_AS(nn::TransformerEncoder(o, 1), "rope: the head dim (d_model / nhead) must be even; got d_model=6, nhead=2, head dim=3",
                       ValueError);
  CHECK_THROWS_WITH_AS(nn::TransformerDecoder(small_options("none", "linformer:4"), 1),
                       "TransformerDecoder: linformer mixes later positions into every summary, so a causal decoder cannot use it; got attention=linformer:4",
                       ValueError);
  CHECK_THROWS_AS(nn::GPT(gpt_config("learned", "linformer:4")), ValueError);
  CHECK_THROWS_AS(nn::TransformerEncoderLayer(small_options("rope", "linformer:4")), ValueError);
  nn::TransformerOptions lin = small_options("none", "linformer:4");
  lin.max_len = 6;
  nn::TransformerEncoderLayer layer(lin);
  CHECK_THROWS_WITH_AS(layer.forward(randn({1, 7, 8}, kFloat64)),
                       "self_attn.linformer: linformer: the sequence is longer than max_len; got T=7, max_len=6", ValueError);
}

TEST_CASE("transformer block: a registered norm and position scheme are used by name") {
  // A norm that only scales: y = x / sqrt(1 + mean(x^2)) per row (the smallest Norm there is).
  struct MaxNorm : nn::Norm {
    MaxNorm() : nn::Norm("MaxNorm") {}
    Tensor forward(const Tensor& x) const override { return x * rsqrt(mean(x * x, {-1}, true) + 1.0); }
  };
  nn::register_norm("test-max", [](const nn::NormConfig&) { return std::make_shared<MaxNorm>(); });
  CHECK_THROWS_WITH_AS(nn::register_norm("rms", [](const nn::NormConfig&) { return std::make_shared<MaxNorm>(); }),
                       "register_norm: a norm with that name already exists; got 'rms'", ValueError);
  // A scheme that biases every score by -0.5 per unit of distance, as a fixed ALiBi with one slope.
  struct Linear1 : nn::Positions {
    Linear1() : nn::Positions("Linear1") {}
    Tensor bias(std::int64_t tq, std::int64_t tk, std::int64_t q0, std::int64_t k0) const override {
      return nn::alibi_bias(full({1}, 0.5, kFloat64), tq, tk, q0, k0);
    }
    bool inside_attention() const override { return true; }
  };
  nn::register_positions("test-linear", [](const nn::PositionsConfig&) { return std::make_shared<Linear1>(); });
  nn::GPTConfig c = gpt_config("test-linear", "full", "test-max");
  manual_seed(9);
  nn::GPT model(c);
  model.eval();
  NoGradGuard ng;
  const Tensor ids = randint(0, 13, {1, 6});
  nn::GPTCache cache;
  const Tensor step = cat({model.forward_cached(ids.slice(1, 0, 3), cache), model.forward_cached(ids.slice(1, 3, 6), cache)}, 1);
  CHECK(max_diff(step, model.forward(ids)) < 1e-12);
  CHECK(model.to_string().find("MaxNorm") != std::string::npos);
}
