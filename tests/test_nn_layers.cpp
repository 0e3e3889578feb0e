// nn layers: output shapes, parameter names and counts, forward values against PyTorch, gradcheck
// (float64) for the input and every parameter, and the wrong-shape error.
// Reference numbers: tests/reference/nn_layers_ref.py (PyTorch 1.13, float64); parameters and
// inputs are filled with the same closed-form patterns on both sides.
#include "op_table.h"

#include <cmath>

using namespace focus;
using namespace focus::testing;

namespace {

Tensor pattern(const Shape& shape, int k) {
  std::vector<double> v(numel_of(shape));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.2 * std::sin(0.37 * double(i) + 1.3 * k);
  return tensor(v, shape);
}

Tensor inputs(const Shape& shape, double scale = 1) {
  std::vector<double> v(numel_of(shape));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * std::sin(0.11 * double(i) + 0.5);
  return tensor(v, shape);
}

// Fills parameters in named_parameters() order, as the script does.
void fill(nn::Module& m) {
  int k = 0;
  for (auto& [name, p] : m.named_parameters()) {
    NoGradGuard ng;
    p.copy_(pattern(p.shape(), k++));
  }
}

struct Ref {
  double sum, sumsq;
  std::vector<double> first;
};

void check_ref(const Tensor& y, const Ref& r, double tol = 1e-10) {
  const auto v = y.to_vector<double>();
  double s = 0, s2 = 0;
  for (double x : v) s += x, s2 += x * x;
  CHECK_MESSAGE(std::abs(s - r.sum) < tol, "sum " << s << " vs torch " << r.sum);
  CHECK_MESSAGE(std::abs(s2 - r.sumsq) < tol, "sumsq " << s2 << " vs torch " << r.sumsq);
  for (std::size_t i = 0; i < r.first.size(); ++i)
    CHECK_MESSAGE(std::abs(v[i] - r.first[i]) < tol, "element " << i << ": " << v[i] << " vs torch " << r.first[i]);
}

std::vector<std::string> names_of(const nn::Module& m) {
  std::vector<std::string> out;
  for (auto& [n, p] : m.named_parameters()) out.push_back(n);
  return out;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (c == ' ') {
      if (!w.empty()) out.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

// gradcheck of a module's forward w.r.t. its input x and every parameter.
void gradcheck_module(nn::Module& m, const Tensor& x, const std::function<Tensor(const Tensor&)>& fwd) {
  std::vector<Tensor> in{x};
  for (auto& p : m.parameters()) in.push_back(p);
  const auto r = gradcheck([&](const Inputs& v) { return fwd(v[0]); }, in);
  CHECK_MESSAGE(r.ok, m.type_name() << ": " << r.message);
}

constexpr std::int64_t D = 8, H = 2, FF = 16;

nn::TransformerOptions small_options(bool norm_first, nn::Activation act) {
  nn::TransformerOptions o;
  o.d_model = D;
  o.nhead = H;
  o.dim_feedforward = FF;
  o.dropout = 0.0;
  o.activation = act;
  o.norm_first = norm_first;
  o.dtype = kFloat64;
  return o;
}

}  // namespace

TEST_CASE("nn: Linear matches torch, names, gradcheck, errors") {
  nn::Linear lin(5, 3, true, kFloat64);
  CHECK(names_of(lin) == std::vector<std::string>{"weight", "bias"});
  CHECK(lin.weight.shape() == Shape{3, 5});
  CHECK(lin.num_parameters() == 18);
  CHECK(lin.to_string() == "Linear(in_features=5, out_features=3, bias=true)");
  fill(lin);
  const Tensor y = lin.forward(inputs({2, 4, 5}));
  CHECK(y.shape() == Shape{2, 4, 3});
  check_ref(y, {4.92227523128066, 6.60417015842314,
                {0.616105363030656, 0.447966561169378, -0.382224319686075, 0.762235649980217, 0.610072021749856,
                 -0.617703974421587}});
  gradcheck_module(lin, leaf({2, 5}, 1), [&](const Tensor& x) { return lin.forward(x); });
  CHECK_THROWS_WITH_AS(lin.forward(inputs({2, 4})), doctest::Contains("linear: input's last dim must equal weight's in_features"),
                       ShapeError);
  nn::Dense dense(128, 64);
  CHECK(dense.weight.shape() == Shape{64, 128});
}

TEST_CASE("nn: Embedding matches torch, padding row gets no gradient") {
  nn::Embedding emb(6, 4, 0, kFloat64);
  CHECK(names_of(emb) == std::vector<std::string>{"weight"});
  CHECK(emb.to_string() == "Embedding(6, 4, padding_idx=0)");
  fill(emb);
  {  // torch keeps the padding row as filled here (fill happens after construction)
    const Tensor ids = tensor(std::vector<std::int64_t>{1, 0, 5, 2, 2, 3}, {2, 3});
    const Tensor y = emb.forward(ids);
    CHECK(y.shape() == Shape{2, 3, 4});
    check_ref(y, {0.532338534910028, 0.508138230423461,
                  {0.199176168907528, 0.19225504059506, 0.159313094447217, 0.104808868337455, 0, 0.0723230863929924}});
    y.sum().backward();
    const Tensor g = emb.weight.grad();
    CHECK(g.at<double>({0, 0}) == 0.0);  // padding_idx
    CHECK(g.at<double>({2, 1}) == 2.0);  // id 2 used twice
    CHECK(g.at<double>({4, 0}) == 0.0);  // unused id
  }
  CHECK_THROWS_AS(nn::Embedding(6, 4, 6), IndexError);
}

TEST_CASE("nn: LayerNorm matches torch and gradchecks") {
  nn::LayerNorm ln(Shape{6}, 1e-5, true, kFloat64);
  CHECK(names_of(ln) == std::vector<std::string>{"weight", "bias"});
  fill(ln);
  check_ref(ln.forward(inputs({3, 6})), {2.77792715470701, 0.789531140911979,
                                         {0.192711637083439, 0.136859502437568, 0.150011261951322, 0.201476035637484,
                                          0.250243100386987, 0.257912643421532}});
  gradcheck_module(ln, leaf({2, 6}, 2), [&](const Tensor& x) { return ln.forward(x); });
  CHECK_THROWS_AS(ln.forward(inputs({3, 5})), ShapeError);
}

TEST_CASE("nn: the seed's SelfAttention layer matches torch, shapes [10, 50, 128] -> [10, 50, 64]") {
  nn::SelfAttention sa(6, 4, kFloat64);
  CHECK(names_of(sa) == std::vector<std::string>{"Wq.weight", "Wq.bias", "Wk.weight", "Wk.bias", "Wv.weight",
                                                 "Wv.bias", "fc.weight", "fc.bias"});
  fill(sa);
  Tensor w;
  const Tensor y = sa.forward(inputs({2, 5, 6}), &w);
  check_ref(y, {-1.92364012376805, 0.614302787226594,
                {0.136225864109205, -0.0510198687248071, -0.16069733949109, -0.113928757203096, 0.134055701442916,
                 -0.0519580068480538}});
  CHECK(w.shape() == Shape{2, 5, 5});
  check_close(w.sum({-1}), ones({2, 5}, kFloat64), 1e-12, "weights rows sum to 1");
  gradcheck_module(sa, leaf({1, 3, 6}, 3), [&](const Tensor& x) { return sa.forward(x); });
  CHECK_THROWS_WITH_AS(sa.forward(inputs({2, 5, 7})), "SelfAttention: input must be [B, T, 6]; got [2, 5, 7]", ShapeError);

  nn::SelfAttention seed(128, 64);
  CHECK(seed.forward(randn({10, 50, 128})).shape() == Shape{10, 50, 64});
}

TEST_CASE("nn: MultiHeadAttention matches torch with padding and causal masks") {
  nn::MultiHeadAttention mha(D, H, 0.0, true, kFloat64);
  CHECK(names_of(mha) == std::vector<std::string>{"q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias",
                                                  "v_proj.weight", "v_proj.bias", "out_proj.weight", "out_proj.bias"});
  fill(mha);
  const Tensor q = inputs({2, 3, D}), kv = inputs({2, 4, D}, 0.5);
  AttentionMask m;
  m.key_lengths = tensor(std::vector<std::int64_t>{4, 2});
  Tensor w;
  const Tensor y = mha.forward(q, kv, kv, m, &w);
  check_ref(y, {-5.757963058811, 1.95207197923744,
                {0.0855141512846477, -0.0615723159069563, 0.000961378349741512, -0.249460695508088, -0.0520421601890728,
                 -0.349291775187542}});
  CHECK(w.shape() == Shape{2, H, 3, 4});
  check_ref(w, {12, 4.57074072570756,
                {0.17715508123945, 0.189292172296305, 0.262122863450873, 0.371429883013373, 0.170491390020191,
                 0.182703806065086}});
  CHECK(w.at<double>({1, 0, 0, 2}) == 0.0);  // padded key
  AttentionMask causal;
  causal.is_causal = true;
  const Tensor x = inputs({2, 4, D});
  check_ref(mha.forward(x, x, x, causal), {-7.68598440784356, 2.64785684523717,
                                            {0.0881672044809863, -0.066202684639778, 0.00741679121182413,
                                             -0.257528863833576, -0.0426265611325077, -0.359745169479414}});
  gradcheck_module(mha, leaf({1, 3, D}, 4), [&](const Tensor& h) { return mha.forward(h, h, h, causal); });
  CHECK_THROWS_AS(nn::MultiHeadAttention(10, 3), ValueError);
  CHECK_THROWS_AS(mha.forward(inputs({2, 3, 6}), kv, kv), ShapeError);
}

TEST_CASE("nn: Transformer encoder and decoder layers match torch (post-norm ReLU, pre-norm GELU)") {
  const std::string enc_names =
      "self_attn.q_proj.weight self_attn.q_proj.bias self_attn.k_proj.weight self_attn.k_proj.bias "
      "self_attn.v_proj.weight self_attn.v_proj.bias self_attn.out_proj.weight self_attn.out_proj.bias linear1.weight "
      "linear1.bias linear2.weight linear2.bias norm1.weight norm1.bias norm2.weight norm2.bias";
  const std::string dec_names =
      "self_attn.q_proj.weight self_attn.q_proj.bias self_attn.k_proj.weight self_attn.k_proj.bias "
      "self_attn.v_proj.weight self_attn.v_proj.bias self_attn.out_proj.weight self_attn.out_proj.bias "
      "multihead_attn.q_proj.weight multihead_attn.q_proj.bias multihead_attn.k_proj.weight multihead_attn.k_proj.bias "
      "multihead_attn.v_proj.weight multihead_attn.v_proj.bias multihead_attn.out_proj.weight "
      "multihead_attn.out_proj.bias linear1.weight linear1.bias linear2.weight linear2.bias norm1.weight norm1.bias "
      "norm2.weight norm2.bias norm3.weight norm3.bias";
  AttentionMask src_mask, causal, mem_mask;
  src_mask.key_lengths = tensor(std::vector<std::int64_t>{5, 3});
  mem_mask.key_lengths = tensor(std::vector<std::int64_t>{5, 3});
  causal.is_causal = true;
  const std::vector<Ref> enc_ref = {
      {11.0160936244322, 3.99792084581013,
       {0.092710624549128, 0.136753752281291, 0.203658841519605, 0.304641437926767, 0.0609662690371531, 0.27659392088829}},
      {17.9091299697548, 49.0913695678598,
       {0.873455006496491, 0.745933245058452, 0.976673322799896, 0.680385139406362, 0.933731443893945, 0.556094992582545}}};
  const std::vector<Ref> dec_ref = {
      {10.3621562811156, 2.18785850669326,
       {0.239342089600763, 0.171902212376579, 0.0809420531070367, 0.250371739336404, 0.0605500327760881,
        0.312637119453147}},
      {18.3147747935497, 41.8959193282602,
       {0.708573599310107, 0.683911222262936, 1.16272120730432, 0.842019683315854, 1.39851046978042, 0.820847071204476}}};
  for (int variant = 0; variant < 2; ++variant) {
    const auto o = small_options(variant == 1, variant == 1 ? nn::Activation::GELU : nn::Activation::ReLU);
    nn::TransformerEncoderLayer enc(o);
    CHECK(names_of(enc) == split_words(enc_names));
    fill(enc);
    check_ref(enc.forward(inputs({2, 5, D}), src_mask), enc_ref[variant]);
    nn::TransformerDecoderLayer dec(o);
    CHECK(names_of(dec) == split_words(dec_names));
    fill(dec);
    check_ref(dec.forward(inputs({2, 4, D}), inputs({2, 5, D}, 0.7), causal, mem_mask), dec_ref[variant]);
    if (variant == 0) {
      gradcheck_module(enc, leaf({1, 3, D}, 5), [&](const Tensor& h) { return enc.forward(h); });
      const Tensor mem = inputs({1, 2, D}, 0.7);
      gradcheck_module(dec, leaf({1, 3, D}, 6), [&](const Tensor& h) { return dec.forward(h, mem, causal); });
    }
  }
}

TEST_CASE("nn: Transformer (2+2 layers) matches torch, parameter count, printing") {
  nn::Transformer tf(small_options(false, nn::Activation::ReLU), 2, 2);
  CHECK(tf.num_parameters() == 3040);
  fill(tf);
  AttentionMask causal;
  causal.is_causal = true;
  check_ref(tf.forward(inputs({2, 5, D}), inputs({2, 4, D}, 0.3), {}, causal),
            {12.6460582507579, 3.87087441730598,
             {-0.0886487134177876, 0.120996525688078, 0.26016379203327, 0.217804548427206, 0.169137651328356,
              0.320326233354867}});
  const auto names = names_of(tf);
  CHECK(names.front() == "encoder.layers.0.self_attn.q_proj.weight");
  CHECK(names.back() == "decoder.norm.bias");
  const std::string printed = tf.to_string();
  CHECK(printed.find("(multihead_attn): MultiHeadAttention(d_model=8, num_heads=2, dropout=0,\n") != std::string::npos);
  CHECK(printed.find("(linear1): Linear(in_features=8, out_features=16, bias=true)") != std::string::npos);
}

TEST_CASE("nn: cached decoding equals the full decoder on the same prefix") {
  auto o = small_options(false, nn::Activation::ReLU);
  nn::TransformerDecoder dec(o, 2);
  fill(dec);
  const Tensor tgt = inputs({2, 5, D}, 0.4), mem = inputs({2, 3, D}, 0.8);
  AttentionMask causal, mem_mask;
  causal.is_causal = true;
  mem_mask.key_lengths = tensor(std::vector<std::int64_t>{3, 2});
  NoGradGuard ng;
  const Tensor full_out = dec.forward(tgt, mem, causal, mem_mask);
  nn::DecoderCache cache;
  std::vector<Tensor> steps;
  steps.push_back(dec.forward_cached(tgt.slice(1, 0, 2), mem, cache, mem_mask));  // a 2-token prompt
  for (std::int64_t t = 2; t < 5; ++t) steps.push_back(dec.forward_cached(tgt.slice(1, t, t + 1), mem, cache, mem_mask));
  CHECK(cache.length == 5);
  check_close(cat(steps, 1), full_out, 1e-12, "cached vs full");
}

TEST_CASE("nn: decoder caches grow in place, copies that go separate ways keep their own positions") {
  auto o = small_options(false, nn::Activation::ReLU);
  nn::TransformerDecoder dec(o, 2);
  fill(dec);
  // 40 positions one at a time outgrow the first room (16) and the next (34).
  const Tensor a = inputs({2, 40, D}, 0.4), b = inputs({2, 40, D}, 0.7), mem = inputs({2, 3, D}, 0.8);
  AttentionMask causal;
  causal.is_causal = true;
  NoGradGuard ng;
  nn::DecoderCache cache;
  std::vector<Tensor> steps_a;
  for (std::int64_t t = 0; t < 20; ++t) steps_a.push_back(dec.forward_cached(a.slice(1, t, t + 1), mem, cache));
  // Two continuations of one prefix, interleaved: the copy shares the room the original writes on.
  nn::DecoderCache copy = cache;
  std::vector<Tensor> steps_b = steps_a;
  for (std::int64_t t = 20; t < 40; ++t) {
    steps_a.push_back(dec.forward_cached(a.slice(1, t, t + 1), mem, cache));
    steps_b.push_back(dec.forward_cached(b.slice(1, t, t + 1), mem, copy));
  }
  CHECK(cache.length == 40);
  CHECK(copy.length == 40);
  check_close(cat(steps_a, 1), dec.forward(a, mem, causal), 1e-12, "the original");
  check_close(cat(steps_b, 1), dec.forward(cat({a.slice(1, 0, 20), b.slice(1, 20, 40)}, 1), mem, causal), 1e-12, "the copy");
}

TEST_CASE("nn: with gradients recorded, cached decoding joins by cat and backpropagates as the full decoder does") {
  auto o = small_options(false, nn::Activation::ReLU);
  nn::TransformerDecoder dec(o, 1);
  fill(dec);
  const Tensor mem = inputs({2, 3, D}, 0.8);
  AttentionMask causal;
  causal.is_causal = true;
  Tensor x = inputs({2, 4, D}, 0.4).requires_grad_();
  (dec.forward(x, mem, causal) * inputs({2, 4, D}, 0.3)).sum().backward();
  const Tensor full_grad = x.grad();
  x.zero_grad();
  nn::DecoderCache cache;
  std::vector<Tensor> steps;
  for (std::int64_t t = 0; t < 4; ++t) steps.push_back(dec.forward_cached(x.slice(1, t, t + 1), mem, cache));
  CHECK(!cache.self_attn[0].room);  // nothing written in place under autograd
  (cat(steps, 1) * inputs({2, 4, D}, 0.3)).sum().backward();
  check_close(x.grad(), full_grad, 1e-12, "input gradient");
}

TEST_CASE("nn: Module state_dict round trip, strict errors, train/eval, to(dtype), tied weights") {
  nn::Transformer a(small_options(false, nn::Activation::ReLU), 1, 1), b(small_options(false, nn::Activation::ReLU), 1, 1);
  fill(a);
  b.load_state_dict(a.state_dict());
  for (auto& [n, p] : b.named_parameters()) CHECK_MESSAGE(max_abs_diff(p, a.state_dict().at(n)) == 0, n);
  auto dict = a.state_dict();
  dict.erase("decoder.norm.bias");
  dict.emplace("extra.weight", zeros({1}, kFloat64));
  CHECK_THROWS_WITH_AS(b.load_state_dict(dict),
                       "load_state_dict: keys must match the module's (strict); missing: decoder.norm.bias; unexpected: extra.weight",
                       ValueError);
  const auto res = b.load_state_dict(dict, false);
  CHECK(res.missing_keys == std::vector<std::string>{"decoder.norm.bias"});
  auto bad = a.state_dict();
  bad["decoder.norm.bias"] = zeros({3}, kFloat64);
  CHECK_THROWS_WITH_AS(b.load_state_dict(bad), doctest::Contains("shape of 'decoder.norm.bias' must match"), ShapeError);

  a.eval();
  CHECK(!a.decoder->layers->operator[](0)->dropout1->is_training());
  a.train();
  CHECK(a.decoder->layers->operator[](0)->dropout1->is_training());

  nn::Linear lin(3, 2);
  Tensor held = lin.weight;
  lin.to(kFloat64);
  CHECK(held.dtype() == kFloat64);  // handles follow the conversion
  CHECK(lin.forward(zeros({1, 3}, kFloat64)).dtype() == kFloat64);

  // A weight shared by two layers is one parameter, saved under both names, loadable from either.
  struct Tied : nn::Module {
    std::shared_ptr<nn::Embedding> emb;
    std::shared_ptr<nn::Linear> out;
    Tied() : Module("Tied") {
      emb = register_module("emb", std::make_shared<nn::Embedding>(5, 3));
      out = register_module("out", std::make_shared<nn::Linear>(3, 5, false));
      out->weight = emb->weight;
      out->replace_parameter("weight", emb->weight);
    }
  };
  Tied tied;
  CHECK(tied.parameters().size() == 1);
  CHECK(tied.num_parameters() == 15);
  CHECK(tied.state_dict().size() == 2);
  Tied other;
  nn::StateDict only_emb{{"emb.weight", tied.emb->weight}};
  other.load_state_dict(only_emb);
  CHECK(max_abs_diff(other.out->weight, tied.emb->weight) == 0);
}
