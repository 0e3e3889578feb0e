// gpt: the decoder-only Transformer (nn/gpt.h): shapes, parameter names and count, causality,
// gradcheck of a block, and its cache: cached logits, and cached generation with temperature and
// top-k, equal recomputing the whole prefix every step.
#include <doctest/doctest.h>

#include <focus/focus.h>

#include <algorithm>
#include <vector>

using namespace focus;

namespace {

nn::GPTConfig tiny_config(DType dtype = kFloat32) {
  nn::GPTConfig c;
  c.vocab_size = 11;
  c.block_size = 16;
  c.d_model = 8;
  c.n_head = 2;
  c.n_layer = 2;
  c.dtype = dtype;
  return c;
}

}  // namespace

TEST_CASE("gpt: shapes, parameter names and count") {
  manual_seed(0);
  nn::GPT model(tiny_config());
  const Tensor logits = model.forward(randint(0, 11, {3, 7}));
  CHECK(logits.shape() == Shape{3, 7, 11});
  std::vector<std::string> names;
  for (const auto& [name, p] : model.named_parameters()) names.push_back(name);
  CHECK(names.front() == "tok_embed.weight");
  CHECK(std::find(names.begin(), names.end(), "blocks.1.self_attn.q_proj.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "blocks.0.linear1.weight") != names.end());
  CHECK(names.back() == "head.bias");
  // Per block: 2 LayerNorms (2 * 2D), attention (4 (D^2 + D)), linear1 (4D^2 + 4D), linear2 (4D^2 + D).
  const std::int64_t D = 8, V = 11, block = 4 * D + 4 * (D * D + D) + (4 * D * D + 4 * D) + (4 * D * D + D);
  CHECK(model.num_parameters() == V * D + 16 * D + 2 * block + 2 * D + D * V + V);
}

TEST_CASE("gpt: a position's logits do not depend on later tokens") {
  manual_seed(1);
  nn::GPT model(tiny_config());
  const Tensor a = tensor(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, {1, 6});
  const Tensor b = tensor(std::vector<std::int64_t>{1, 2, 3, 9, 9, 9}, {1, 6});
  const auto la = model.forward(a).slice(1, 0, 3).contiguous().to_vector<float>();
  const auto lb = model.forward(b).slice(1, 0, 3).contiguous().to_vector<float>();
  CHECK(la == lb);
  CHECK(max(abs(model.forward(a).select(1, 3) - model.forward(b).select(1, 3))).item<float>() > 0);
}

TEST_CASE("gpt: gradcheck of a block for its input and parameters (float64)") {
  manual_seed(2);
  nn::GPTBlock block(tiny_config(kFloat64));
  for (auto& p : block.parameters()) {  // non-trivial LayerNorm and bias values
    NoGradGuard ng;
    p.add_(randn(p.shape(), kFloat64) * 0.3);
  }
  const Tensor x = randn({2, 3, 8}, kFloat64).requires_grad_();
  std::vector<Tensor> inputs{x};
  for (auto& p : block.parameters()) inputs.push_back(p);
  const auto r = gradcheck([&](const std::vector<Tensor>& v) { return block.forward(v[0]); }, inputs);
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("gpt: cached logits equal the uncached forward over the whole prefix") {
  manual_seed(3);
  nn::GPT model(tiny_config());
  model.eval();
  NoGradGuard ng;
  const Tensor ids = randint(0, 11, {2, 9});
  const Tensor full = model.forward(ids);
  nn::GPTCache cache;
  // A 4-token prefill, then one token at a time.
  std::vector<Tensor> parts{model.forward_cached(ids.slice(1, 0, 4), cache)};
  for (std::int64_t t = 4; t < 9; ++t) parts.push_back(model.forward_cached(ids.slice(1, t, t + 1), cache));
  CHECK(cache.length == 9);
  const double diff = max(abs(cat(parts, 1) - full)).item<double>();
  MESSAGE("max |cached - full| = " << diff);
  CHECK(diff < 1e-5);
  CHECK_THROWS_WITH_AS(model.forward(zeros({1, 17}, kInt64)), "GPT: positions must stay below block_size=16; got 17 positions",
                       ValueError);
}

TEST_CASE("gpt: cached generation equals sampling from a full recompute of the prefix") {
  manual_seed(4);
  nn::GPT model(tiny_config());
  model.eval();
  const nn::SamplingOptions o{.temperature = 0.9, .top_k = 6};
  const std::vector<std::int64_t> prompt{3, 1, 4};
  Generator g1(11), g2(11);
  // 30 new tokens with block_size 16: the cached path also rebuilds its context twice.
  const auto cached = model.generate(prompt, 30, o, g1);
  std::vector<std::int64_t> context = prompt, naive;
  NoGradGuard ng;
  while (naive.size() < 30) {
    if (context.size() > 16) context.erase(context.begin(), context.end() - 8);  // as generate keeps block_size / 2
    const Tensor logits = model.forward(tensor(context, {1, static_cast<std::int64_t>(context.size())}));
    const std::int64_t next = nn::sample_logits(logits.select(1, logits.size(1) - 1), o, g2).to_vector<std::int64_t>()[0];
    naive.push_back(next);
    context.push_back(next);
  }
  CHECK(cached == naive);
  CHECK_THROWS_WITH_AS(model.generate({}, 3, o, g1), "GPT::generate: the prompt must hold at least one token; got 0",
                       ValueError);
}

TEST_CASE("gpt: bad configurations and ids are rejected with the values") {
  CHECK_THROWS_WITH_AS(nn::GPT(nn::GPTConfig{}),
                       "GPT: vocab_size, block_size and n_layer must be positive; got vocab_size=0, block_size=128, n_layer=4",
                       ValueError);
  nn::GPT model(tiny_config());
  CHECK_THROWS_WITH_AS(model.forward(zeros({5}, kInt64)), "GPT: ids must be [B, T]; got [5]", ShapeError);
}
