// Anomaly mode: off by default; when on, a NaN/Inf in an op's output or in a gradient throws
// naming the op, the shape, the scope the op was created in, and whether the op made the value
// or was handed it. A finite model trains the same with it on. The switch is per thread.
#include <doctest/doctest.h>

#include <focus/autograd/anomaly.h>
#include <focus/focus.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>

using namespace focus;

namespace {

Tensor grad_leaf(std::vector<float> v, const Shape& shape) { return tensor(v, shape).requires_grad_(); }

}  // namespace

TEST_CASE("anomaly: off by default, and a NaN then passes through silently") {
  CHECK_FALSE(is_anomaly_enabled());
  const Tensor x = grad_leaf({-1, 1}, {2});
  const Tensor y = log(x);
  CHECK(std::isnan(y.to_vector<float>()[0]));
}

TEST_CASE("anomaly: an op whose output turns NaN throws naming the op and its shape") {
  DetectAnomalyGuard on;
  const Tensor x = grad_leaf({1, 2, -3, 4, 5, 6}, {2, 3});
  CHECK_THROWS_WITH_AS((void)log(x),
                       "anomaly: log produced NaN in its output; op=log shape=[2, 3] (its inputs were finite)",
                       AnomalyError);
  // Inf is reported as Inf; NaN wins when both are present.
  CHECK_THROWS_WITH_AS((void)log(grad_leaf({0, 1}, {2})),
                       "anomaly: log produced Inf in its output; op=log shape=[2] (its inputs were finite)",
                       AnomalyError);
}

TEST_CASE("anomaly: a NaN handed in is reported as inherited, naming the input") {
  DetectAnomalyGuard on;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor a = grad_leaf({1, 2}, {2});
  const Tensor b = tensor(std::vector<float>{nan, 1});  // data, not a parameter
  CHECK_THROWS_WITH_AS((void)(a * b), "anomaly: mul produced NaN in its output; op=mul shape=[2] (input 1 already held NaN)",
                       AnomalyError);
}

TEST_CASE("anomaly: a backward that produces Inf throws naming the op and the input") {
  DetectAnomalyGuard on;
  // sqrt is finite at 0, its derivative 1 / (2 sqrt(x)) is not.
  const Tensor x = grad_leaf({0, 4}, {2});
  const Tensor y = sqrt(x).sum();
  CHECK(y.item<float>() == doctest::Approx(2.0));
  CHECK_THROWS_WITH_AS(y.backward(),
                       "anomaly: the backward of sqrt produced Inf in the gradient of input 0; op=sqrt shape=[2]",
                       AnomalyError);
}

TEST_CASE("anomaly: scopes name where the op was created, in forward and in backward") {
  DetectAnomalyGuard on;
  const Tensor x = grad_leaf({0, 4}, {2});
  Tensor y;
  {
    AnomalyScope model("encoder");
    AnomalyScope layer("layers.0");
    CHECK(current_anomaly_scope() == "encoder.layers.0");
    CHECK_THROWS_WITH_AS((void)log(x - 1.0),
                         "anomaly: log produced NaN in its output; op=log shape=[2] in encoder.layers.0 (its inputs were finite)",
                         AnomalyError);
    y = sqrt(x).sum();
  }
  CHECK(current_anomaly_scope().empty());
  CHECK_THROWS_WITH_AS(y.backward(),
                       "anomaly: the backward of sqrt produced Inf in the gradient of input 0; op=sqrt shape=[2] (op "
                       "created in encoder.layers.0)",
                       AnomalyError);
}

TEST_CASE("anomaly: a non-finite seed gradient is caught where it enters the graph") {
  DetectAnomalyGuard on;
  const Tensor x = grad_leaf({1, 2}, {2});
  const Tensor y = x * 3.0;
  const Tensor g = tensor(std::vector<float>{1, std::numeric_limits<float>::infinity()});
  CHECK_THROWS_WITH_AS(backward({y}, {g}),
                       "anomaly: the gradient reaching the output of mul holds Inf; op=mul shape=[2] (from the seed "
                       "gradient, a hook, or ops recorded before anomaly mode was on)",
                       AnomalyError);
}

TEST_CASE("anomaly: the guard restores the previous setting, scopes are free when off") {
  {
    DetectAnomalyGuard on;
    CHECK(is_anomaly_enabled());
    {
      DetectAnomalyGuard off(false);
      CHECK_FALSE(is_anomaly_enabled());
      AnomalyScope s("ignored");
      CHECK(current_anomaly_scope().empty());
    }
    CHECK(is_anomaly_enabled());
  }
  CHECK_FALSE(is_anomaly_enabled());
}

TEST_CASE("anomaly: a finite model gives the same loss and gradients with the checks on") {
  auto run = [](bool anomaly) {
    DetectAnomalyGuard guard(anomaly);
    manual_seed(3);
    nn::TransformerOptions o;
    o.d_model = 16;
    o.nhead = 2;
    o.dim_feedforward = 32;
    o.dropout = 0.1;
    nn::TransformerEncoderLayer layer(o);
    const Tensor x = randn({2, 5, 16});
    const Tensor loss = (layer.forward(x) * layer.forward(x)).mean();
    loss.backward();
    std::vector<float> out{loss.item<float>()};
    for (const auto& p : layer.parameters())
      for (float v : p.grad().to_vector<float>()) out.push_back(v);
    return out;
  };
  const auto plain = run(false);
  const auto checked = run(true);
  REQUIRE(plain.size() == checked.size());
  CHECK(plain == checked);  // bitwise: the checks only read
  CHECK(plain.size() > 1000);
}

TEST_CASE("anomaly: the switch is per thread, turning it on here leaves another thread's ops unchecked") {
  DetectAnomalyGuard on;  // this thread only
  REQUIRE(is_anomaly_enabled());
  // Another thread starts with it off: its NaN passes through, forward and backward.
  bool other_enabled = true, other_threw = true, other_nan = false;
  std::thread quiet([&] {
    other_enabled = is_anomaly_enabled();
    try {
      const Tensor x = grad_leaf({-1, 4}, {2});
      const Tensor y = log(x);
      other_nan = std::isnan(y.to_vector<float>()[0]);
      y.sum().backward();
      other_threw = false;
    } catch (const Error&) {
    }
  });
  quiet.join();
  CHECK_FALSE(other_enabled);
  CHECK_FALSE(other_threw);
  CHECK(other_nan);
  // And the other way: a thread that turns it on gets its error, and this thread's setting is
  // untouched by that thread's guard going out of scope.
  std::string message;
  std::thread loud([&] {
    DetectAnomalyGuard own;
    try {
      (void)log(grad_leaf({-1, 4}, {2}));
    } catch (const AnomalyError& e) {
      message = e.what();
    }
  });
  loud.join();
  CHECK(message == "anomaly: log produced NaN in its output; op=log shape=[2] (its inputs were finite)");
  CHECK(is_anomaly_enabled());
  CHECK_THROWS_AS((void)log(grad_leaf({-1, 4}, {2})), AnomalyError);
  {
    DetectAnomalyGuard off(false);
    std::thread on_elsewhere([] { set_detect_anomaly(true); });
    on_elsewhere.join();
    CHECK_FALSE(is_anomaly_enabled());
  }
}
