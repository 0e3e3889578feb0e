// nn: the smaller modules: positional encodings, Dropout, activations, Sequential, initialisers.
#include "op_table.h"

#include <cmath>

using namespace focus;
using namespace focus::testing;

TEST_CASE("nn: sinusoidal positions follow the paper's formula and honour the offset") {
  nn::SinusoidalPositionalEncoding pe(6, 10, kFloat64);
  CHECK(pe.named_parameters().empty());
  CHECK(pe.state_dict().empty());  // the table is a non-persistent buffer
  const Tensor y = pe.forward(zeros({1, 3, 6}, kFloat64), 2);
  // PE[pos, 2i] = sin(pos / 10000^(2i/6)), PE[pos, 2i+1] = cos(...)
  for (int t = 0; t < 3; ++t)
    for (int i = 0; i < 6; ++i) {
      const double angle = (t + 2) / std::pow(10000.0, (i - i % 2) / 6.0);
      CHECK(y.at<double>({0, t, i}) == doctest::Approx(i % 2 == 0 ? std::sin(angle) : std::cos(angle)).epsilon(1e-12));
    }
  CHECK_THROWS_WITH_AS(pe.forward(zeros({1, 3, 6}, kFloat64), 8), doctest::Contains("positions must lie below max_len"),
                       IndexError);
  CHECK_THROWS_AS(pe.forward(zeros({1, 3, 5}, kFloat64)), ShapeError);
}

TEST_CASE("nn: learned positions are a parameter with a gradient") {
  nn::LearnedPositionalEncoding pe(8, 4, kFloat64);
  CHECK(pe.named_parameters().size() == 1);
  CHECK(pe.named_parameters()[0].first == "weight");
  const auto r = gradcheck([&](const Inputs& in) { return pe.forward(in[0], 1); }, {leaf({2, 3, 4}, 1), pe.weight});
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("nn: Dropout module follows train and eval") {
  nn::Dropout d(0.5);
  const Tensor x = ones({1000});
  manual_seed(3);
  const double kept = (d.forward(x) != 0.0).to(kFloat64).sum().item<double>();
  CHECK(kept > 400);
  CHECK(kept < 600);
  d.eval();
  CHECK(d.forward(x).is_same(x));
  CHECK_THROWS_AS(nn::Dropout(1.5), ValueError);
}

TEST_CASE("nn: Sequential chains modules and names them 0, 1, ...") {
  nn::Sequential seq;
  seq.push_back(std::make_shared<nn::Linear>(3, 4, true, kFloat64));
  seq.push_back(std::make_shared<nn::ReLU>());
  seq.push_back(std::make_shared<nn::Linear>(4, 2, true, kFloat64));
  seq.push_back(std::make_shared<nn::Softmax>(-1));
  CHECK(seq.named_parameters().size() == 4);
  CHECK(seq.named_parameters()[2].first == "2.weight");
  const Tensor x = leaf({5, 3}, 2, 0.5, 1.5);
  const Tensor y = seq.forward(x);
  CHECK(y.shape() == Shape{5, 2});
  check_close(y.sum({-1}), ones({5}, kFloat64), 1e-12, "softmax rows");
  std::vector<Tensor> in{x};
  for (auto& p : seq.parameters()) in.push_back(p);
  const auto r = gradcheck([&](const Inputs& v) { return seq.forward(v[0]); }, in);
  CHECK_MESSAGE(r.ok, r.message);
  CHECK(nn::GELU().forward(tensor(std::vector<double>{0.0})).item<double>() == 0.0);
  CHECK(nn::Tanh().forward(tensor(std::vector<double>{0.0})).item<double>() == 0.0);
  CHECK(nn::Sigmoid().forward(tensor(std::vector<double>{0.0})).item<double>() == 0.5);
}

TEST_CASE("nn: initialisers use torch's bounds and apply by dotted name") {
  nn::Linear lin(200, 100, true, kFloat64);
  Generator g(1);
  nn::init::xavier_uniform_(lin.weight, 1.0, &g);
  const double bound = std::sqrt(6.0 / 300.0);
  const auto w = lin.weight.to_vector<double>();
  const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
  CHECK(*lo >= -bound);
  CHECK(*hi <= bound);
  CHECK(*hi > 0.95 * bound);  // 20,000 draws reach near the edge
  nn::init::kaiming_normal_(lin.weight, 0, nn::init::FanMode::FanIn, "relu", &g);
  double var = 0;
  for (double v : lin.weight.to_vector<double>()) var += v * v;
  var /= 20000.0;
  CHECK(var == doctest::Approx(2.0 / 200.0).epsilon(0.05));  // gain^2 / fan_in
  CHECK(nn::init::apply_by_name(lin, "bias", [](Tensor& t) { nn::init::zeros_(t); }) == 1);
  CHECK(focus::abs(lin.bias).sum().item<double>() == 0.0);
  CHECK(nn::init::calculate_gain("tanh") == doctest::Approx(5.0 / 3.0));
  CHECK_THROWS_AS(nn::init::calculate_gain("swish"), ValueError);
}

TEST_CASE("nn: CrossEntropyLoss module matches torch with label smoothing and ignore_index") {
  // torch: nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=0)(logits, [1, 0, 3]) with
  // logits[i] = 2 sin(0.11 i + 0.5), shape [3, 4] (tests/reference/nn_layers_ref.py).
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i) v[i] = 2 * std::sin(0.11 * i + 0.5);
  CrossEntropyOptions o;
  o.label_smoothing = 0.1;
  o.ignore_index = 0;
  nn::CrossEntropyLoss loss(o);
  const Tensor l = loss.forward(tensor(v, {3, 4}), tensor(std::vector<std::int64_t>{1, 0, 3}));
  CHECK(l.item<double>() == doctest::Approx(1.4327476875062).epsilon(1e-12));
  nn::MSELoss mse;
  CHECK(mse.forward(tensor(std::vector<double>{1, 2}), tensor(std::vector<double>{0, 0})).item<double>() == 2.5);
}
