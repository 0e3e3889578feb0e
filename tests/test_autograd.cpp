// Autograd: leaves and .grad, backward with and without an output gradient, retain_graph, grad
// mode, detach, hooks, focus::grad with create_graph (second derivatives), graph lifetime (live
// nodes, 100,000-op chains), gradients through broadcasting, views and reuse, the version
// counter, a user-defined op built with the public helpers, gradcheck itself, and the errors.
#include "op_table.h"

#include <focus/tensor/kernel.h>

#include <thread>

using namespace focus;
using focus::testing::check_close;
using focus::testing::leaf;

namespace {

std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }

Tensor f64(std::vector<double> v) { return tensor(v); }

}  // namespace

// ---- leaves and .grad -----------------------------------------------------------------------------

TEST_CASE("autograd: requires_grad leaves and recorded results") {
  Tensor x = f64({1, 2, 3});
  CHECK(!x.requires_grad());
  CHECK(x.is_leaf());
  x.requires_grad_();
  CHECK(x.requires_grad());
  CHECK(x.is_leaf());
  CHECK(!x.grad().defined());
  Tensor y = x * 2.0;
  CHECK(y.requires_grad());
  CHECK(!y.is_leaf());
  REQUIRE(y.grad_fn());
  CHECK(y.grad_fn()->name() == "mul");
  CHECK(!(f64({1}) * 2.0).requires_grad());  // nothing requires grad: no node
  CHECK(!(f64({1}) * 2.0).grad_fn());
  CHECK_ERROR(DTypeError, arange(3).requires_grad_(), "requires_grad_", "floating", "int64");
  CHECK_ERROR(AutogradError, y.requires_grad_(false), "requires_grad_", "non-leaf", "detach");
  x.requires_grad_(false);
  CHECK(!(x * 2.0).requires_grad());
}

TEST_CASE("autograd: backward of a scalar fills .grad, and .grad accumulates across calls") {
  Tensor x = f64({1, 2, 3}).requires_grad_();
  (x * x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{2, 4, 6});
  (x * x).sum().backward();  // a second graph: gradients add up
  CHECK(vals(x.grad()) == std::vector<double>{4, 8, 12});
  (x * 3.0).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{7, 11, 15});
  x.zero_grad();
  CHECK(!x.grad().defined());
  (x * 3.0).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{3, 3, 3});
  // A one-element tensor of any rank needs no explicit gradient either.
  Tensor s = f64({2}).requires_grad_();
  (s * s).reshape({1, 1}).backward();
  CHECK(vals(s.grad()) == std::vector<double>{4});
  // backward of a leaf itself seeds its .grad with ones.
  Tensor l = f64({5}).requires_grad_();
  l.backward();
  CHECK(vals(l.grad()) == std::vector<double>{1});
}

TEST_CASE("autograd: backward with a given output gradient") {
  Tensor x = f64({1, 2, 3, 4}).requires_grad_();
  Tensor y = (x * x).reshape({2, 2});
  const Tensor g = tensor(std::vector<double>{1, 0, -1, 0.5}, {2, 2});
  y.backward(g);
  CHECK(vals(x.grad()) == std::vector<double>{2, 0, -6, 4});
  CHECK(vals(g) == std::vector<double>{1, 0, -1, 0.5});  // the given gradient is not modified
  Tensor z = x * 2.0;
  CHECK_ERROR(AutogradError, z.backward(), "backward", "one-element outputs", "shape [4]", "pass the output's gradient");
  CHECK_ERROR(ShapeError, (x * 2.0).backward(ones({2, 2}, kFloat64)), "backward", "gradient shape must match",
              "grad=[2, 2]", "tensor=[4]");
  CHECK_ERROR(DTypeError, (x * 2.0).backward(ones({4})), "backward", "dtype must match", "float32", "float64");
  CHECK_ERROR(AutogradError, f64({1}).backward(), "backward", "does not require grad");
  // The graph of a failed backward is intact: backward with a gradient still works.
  x.zero_grad();
  z.backward(ones({4}, kFloat64));
  CHECK(vals(x.grad()) == std::vector<double>{2, 2, 2, 2});
}

TEST_CASE("autograd: retain_graph allows a second backward, without it the graph is released") {
  Tensor x = f64({1, 2}).requires_grad_();
  Tensor y = (x.exp() * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  const auto first = vals(x.grad());
  y.backward(Tensor(), /*retain_graph=*/true);
  for (int i = 0; i < 2; ++i) CHECK(vals(x.grad())[i] == doctest::Approx(2 * first[i]));
  y.backward();  // releases
  CHECK_ERROR(AutogradError, y.backward(), "backward", "sum", "already released", "retain_graph=true");
  // A graph that shares a released part fails naming the released node.
  Tensor a = f64({1}).requires_grad_();
  Tensor h = a.exp();
  Tensor u = (h * 2.0).sum();
  Tensor v = (h * 3.0).sum();
  u.backward();
  CHECK_ERROR(AutogradError, v.backward(), "backward: exp:", "already released");
}

TEST_CASE("autograd: NoGradGuard stops recording, nests, and is thread-local") {
  Tensor x = f64({1, 2}).requires_grad_();
  CHECK(GradMode::is_enabled());
  {
    NoGradGuard ng;
    CHECK(!GradMode::is_enabled());
    Tensor y = x * 2.0;
    CHECK(!y.requires_grad());
    CHECK(!y.grad_fn());
    {
      NoGradGuard inner;
      CHECK(!GradMode::is_enabled());
    }
    CHECK(!GradMode::is_enabled());
    bool other_thread_enabled = false;
    std::thread t([&] { other_thread_enabled = GradMode::is_enabled() && (x * 2.0).requires_grad(); });
    t.join();
    CHECK(other_thread_enabled);
    {
      AutoGradMode on(true);
      CHECK((x * 2.0).requires_grad());
    }
    CHECK(!GradMode::is_enabled());
  }
  CHECK(GradMode::is_enabled());
  CHECK((x * 2.0).requires_grad());
  bool other_thread_disabled = false;
  std::thread t([&] {
    NoGradGuard ng;
    other_thread_disabled = !GradMode::is_enabled();
  });
  t.join();
  CHECK(other_thread_disabled);
  CHECK(GradMode::is_enabled());  // the other thread's guard did not touch this one
}

TEST_CASE("autograd: detach shares storage and stops the gradient") {
  Tensor x = f64({1, 2, 3}).requires_grad_();
  Tensor d = x.detach();
  CHECK(!d.requires_grad());
  CHECK(d.storage() == x.storage());
  Tensor y = (x * d).sum();  // d is a constant: dy/dx = d
  y.backward();
  CHECK(vals(x.grad()) == std::vector<double>{1, 2, 3});
  Tensor z = (x * 2.0).detach();
  CHECK(!z.requires_grad());
  CHECK(z.is_leaf());
}

// ---- hooks and retain_grad ------------------------------------------------------------------------------

TEST_CASE("autograd: retain_grad keeps .grad on a non-leaf") {
  Tensor x = f64({1, 2}).requires_grad_();
  Tensor h = x * 3.0;
  h.retain_grad();
  Tensor y = (h * h).sum();
  y.backward();
  CHECK(vals(h.grad()) == std::vector<double>{6, 12});
  CHECK(vals(x.grad()) == std::vector<double>{18, 36});
  Tensor other = x * 2.0;  // a non-leaf without retain_grad keeps no .grad
  (other * 1.0).sum().backward();
  CHECK(!other.grad().defined());
  CHECK_ERROR(AutogradError, f64({1}).retain_grad(), "retain_grad", "does not require grad");
}

TEST_CASE("autograd: hooks see the total gradient once and may replace it") {
  Tensor x = f64({1, 2}).requires_grad_();
  int calls = 0;
  std::vector<double> seen;
  x.register_hook([&](const Tensor& g) {
    ++calls;
    seen = vals(g);
    return Tensor();  // undefined: keep the gradient
  });
  (x * x + x * 3.0).sum().backward();  // x used three times
  CHECK(calls == 1);
  CHECK(seen == std::vector<double>{5, 7});
  CHECK(vals(x.grad()) == std::vector<double>{5, 7});

  // A hook's return value replaces the gradient; a non-linear one (clipping) must see the total.
  Tensor w = f64({1, 1}).requires_grad_();
  w.register_hook([](const Tensor& g) { return clamp(g, -1, 1); });
  ((w * 2.0) + (w * 3.0)).sum().backward();
  CHECK(vals(w.grad()) == std::vector<double>{1, 1});

  // Hooks on a non-leaf change what flows on to the inputs.
  Tensor a = f64({1, 2}).requires_grad_();
  Tensor h = a * 2.0;
  h.register_hook([](const Tensor& g) { return g * 10.0; });
  h.sum().backward();
  CHECK(vals(a.grad()) == std::vector<double>{20, 20});
  CHECK_ERROR(AutogradError, f64({1}).register_hook([](const Tensor& g) { return g; }), "register_hook",
              "does not require grad");
  // A hook that returns a gradient of another shape is refused, not stored.
  Tensor b = f64({1, 2}).requires_grad_();
  b.register_hook([](const Tensor& g) { return sum(g); });
  CHECK_ERROR(AutogradError, (b * 2.0).sum().backward(), "hook", "shape and dtype", "got [] float64 for [2] float64");
  CHECK(!b.grad().defined());
}

TEST_CASE("autograd: set_grad checks shape and dtype") {
  Tensor x = f64({1, 2}).requires_grad_();
  x.set_grad(f64({3, 4}));
  CHECK(vals(x.grad()) == std::vector<double>{3, 4});
  (x * 1.0).sum().backward();  // accumulates onto what was set
  CHECK(vals(x.grad()) == std::vector<double>{4, 5});
  CHECK_ERROR(ShapeError, x.set_grad(f64({1})), "set_grad", "grad=[1]", "tensor=[2]");
  CHECK_ERROR(DTypeError, x.set_grad(ones({2})), "set_grad", "grad=float32", "tensor=float64");
}

// ---- focus::grad and higher derivatives --------------------------------------------------------------

TEST_CASE("autograd: grad returns gradients without touching .grad") {
  Tensor x = f64({1, 2}).requires_grad_();
  Tensor w = f64({3, 4}).requires_grad_();
  Tensor y = (x * w).sum();
  const auto g = grad({y}, {x, w});
  CHECK(vals(g[0]) == std::vector<double>{3, 4});
  CHECK(vals(g[1]) == std::vector<double>{1, 2});
  CHECK(!x.grad().defined());
  CHECK(!w.grad().defined());
  // With respect to an intermediate result.
  Tensor h = x * 2.0;
  Tensor z = (h * h).sum();
  CHECK(vals(grad({z}, {h})[0]) == std::vector<double>{4, 8});
  // Unused inputs are an error unless allow_unused.
  Tensor u = f64({1}).requires_grad_();
  Tensor q = (x * 2.0).sum();
  CHECK_ERROR(AutogradError, grad({q}, {u}, {}, true), "grad", "input 0", "not reached", "allow_unused");
  const auto gu = grad({q}, {x, u}, {}, false, false, true);
  CHECK(vals(gu[0]) == std::vector<double>{2, 2});
  CHECK(!gu[1].defined());
  CHECK_ERROR(AutogradError, grad({q}, {f64({1})}), "grad", "input 0", "does not require grad");
}

namespace {

// d/dx and d2/dx2 of f at the points, via grad of grad.
std::pair<std::vector<double>, std::vector<double>> first_and_second(const std::function<Tensor(const Tensor&)>& f,
                                                                     const std::vector<double>& points) {
  Tensor x = f64(points).requires_grad_();
  Tensor y = f(x).sum();
  Tensor dx = grad({y}, {x}, {}, false, /*create_graph=*/true)[0];
  CHECK(dx.requires_grad());
  Tensor d2x = grad({dx.sum()}, {x})[0];
  return {vals(dx), vals(d2x)};
}

void check_derivatives(const char* what, const std::function<Tensor(const Tensor&)>& f,
                       const std::function<double(double)>& d1, const std::function<double(double)>& d2) {
  const std::vector<double> points = {-1.3, -0.4, 0.3, 0.9, 1.7};
  const auto [g1, g2] = first_and_second(f, points);
  for (std::size_t i = 0; i < points.size(); ++i) {
    CHECK_MESSAGE(std::abs(g1[i] - d1(points[i])) < 1e-12, what << "' at " << points[i] << ": " << g1[i] << " vs " << d1(points[i]));
    CHECK_MESSAGE(std::abs(g2[i] - d2(points[i])) < 1e-12, what << "'' at " << points[i] << ": " << g2[i] << " vs " << d2(points[i]));
  }
}

}  // namespace

TEST_CASE("autograd: create_graph gives second derivatives (grad of grad)") {
  check_derivatives("x^3", [](const Tensor& x) { return x.pow(3); }, [](double x) { return 3 * x * x; },
                    [](double x) { return 6 * x; });
  check_derivatives("x*x*x", [](const Tensor& x) { return x * x * x; }, [](double x) { return 3 * x * x; },
                    [](double x) { return 6 * x; });
  check_derivatives("exp", [](const Tensor& x) { return exp(x); }, [](double x) { return std::exp(x); },
                    [](double x) { return std::exp(x); });
  check_derivatives("tanh", [](const Tensor& x) { return tanh(x); },
                    [](double x) { return 1 - std::tanh(x) * std::tanh(x); },
                    [](double x) { return -2 * std::tanh(x) * (1 - std::tanh(x) * std::tanh(x)); });
  check_derivatives("sin", [](const Tensor& x) { return sin(x); }, [](double x) { return std::cos(x); },
                    [](double x) { return -std::sin(x); });
  check_derivatives("cos", [](const Tensor& x) { return cos(x); }, [](double x) { return -std::sin(x); },
                    [](double x) { return -std::cos(x); });
  check_derivatives("sigmoid", [](const Tensor& x) { return sigmoid(x); },
                    [](double x) { const double s = 1 / (1 + std::exp(-x)); return s * (1 - s); },
                    [](double x) { const double s = 1 / (1 + std::exp(-x)); return s * (1 - s) * (1 - 2 * s); });
  check_derivatives("1/x", [](const Tensor& x) { return 1.0 / x; }, [](double x) { return -1 / (x * x); },
                    [](double x) { return 2 / (x * x * x); });
  check_derivatives("gelu", [](const Tensor& x) { return gelu(x); },
                    [](double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-x * x / 2) / std::sqrt(2 * M_PI); },
                    [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI) * (2 - x * x); });
  // Positive-only functions.
  const std::vector<double> pos = {0.3, 0.9, 1.7};
  const auto [ls1, ls2] = first_and_second([](const Tensor& x) { return log(x) + sqrt(x); }, pos);
  for (std::size_t i = 0; i < pos.size(); ++i) {
    const double x = pos[i];
    CHECK(ls1[i] == doctest::Approx(1 / x + 0.5 / std::sqrt(x)).epsilon(1e-12));
    CHECK(ls2[i] == doctest::Approx(-1 / (x * x) - 0.25 / (x * std::sqrt(x))).epsilon(1e-12));
  }
  // A third derivative: d3/dx3 of x^4 = 24x.
  Tensor x = f64({0.5, -2}).requires_grad_();
  Tensor d1 = grad({x.pow(4).sum()}, {x}, {}, false, true)[0];
  Tensor d2 = grad({d1.sum()}, {x}, {}, false, true)[0];
  Tensor d3 = grad({d2.sum()}, {x})[0];
  CHECK(vals(d3) == std::vector<double>{12, -48});
  // backward(create_graph) leaves a differentiable .grad.
  Tensor z = f64({2}).requires_grad_();
  (z * z * z).sum().backward(Tensor(), false, true);
  CHECK(z.grad().requires_grad());
  Tensor gz = z.grad();
  z.zero_grad();
  gz.sum().backward();
  CHECK(vals(z.grad()) == std::vector<double>{12});
}

TEST_CASE("autograd: second derivatives of the elementwise ops pass gradcheck") {
  // gradcheck the map x -> d/dx sum(f(x) * v), which exercises every backward under create_graph.
  struct Row {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    double lo, hi;
  };
  const std::vector<Row> rows = {
      {"exp", [](const Tensor& x) { return exp(x); }, -1, 1},
      {"log", [](const Tensor& x) { return log(x); }, 0.5, 2},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, 0.5, 2},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, 0.5, 2},
      {"sin", [](const Tensor& x) { return sin(x); }, -1, 1},
      {"cos", [](const Tensor& x) { return cos(x); }, -1, 1},
      {"tanh", [](const Tensor& x) { return tanh(x); }, -1, 1},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, -1, 1},
      {"gelu", [](const Tensor& x) { return gelu(x); }, -1, 1},
      {"pow 2.5", [](const Tensor& x) { return pow(x, 2.5); }, 0.5, 2},
      {"div", [](const Tensor& x) { return 1.0 / (x * x + 1.0); }, -1, 1},
      {"x * x.t()", [](const Tensor& x) { return x * x.t(); }, -1, 1},
      {"matmul", [](const Tensor& x) { return matmul(x, x); }, -1, 1},
      {"maximum", [](const Tensor& x) { return maximum(x * x, x * 0.5); }, 0.6, 1},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    const Tensor x0 = leaf({3, 3}, 77, r.lo, r.hi);
    const Tensor v = leaf({3, 3}, 78).detach();
    auto first = [&](const std::vector<Tensor>& in) {
      Tensor y = (r.f(in[0]) * v).sum();
      return grad({y}, {in[0]}, {}, false, /*create_graph=*/true)[0];
    };
    const GradcheckResult res = gradcheck(first, {x0});
    CHECK_MESSAGE(res.ok, r.name << ": " << res.message);
  }
}

// ---- graph lifetime ---------------------------------------------------------------------------------

TEST_CASE("autograd: the graph is freed after backward and when its tensors go") {
  const std::int64_t baseline = Node::live_count();
  Tensor x = f64({1, 2, 3}).requires_grad_();
  {
    Tensor h = x.exp();
    Tensor y = (h * x + sin(h)).sum();
    CHECK(Node::live_count() > baseline);
    y.backward();
  }
  CHECK(Node::live_count() == baseline);
  {
    // Without backward too.
    Tensor y = (x * x).exp().sum();
    CHECK(Node::live_count() == baseline + 3);
  }
  CHECK(Node::live_count() == baseline);
  {
    // With create_graph: .grad holds a graph until it is dropped.
    Tensor y = (x * x * x).sum();
    y.backward(Tensor(), false, true);
    CHECK(Node::live_count() > baseline);
  }
  x.zero_grad();
  CHECK(Node::live_count() == baseline);
  // backward releases what the nodes saved: the intermediate's storage is held by nothing else.
  Tensor h = x * 2.0;
  const std::weak_ptr<Storage> saved = h.storage();
  Tensor y = (h * h).sum();
  h = Tensor();
  CHECK(!saved.expired());  // mul saved it
  y.backward();
  CHECK(saved.expired());
}

TEST_CASE("autograd: a chain of 100,000 ops backpropagates without overflowing the stack") {
  const std::int64_t baseline = Node::live_count();
  {
    Tensor x = f64({1}).requires_grad_();
    const Tensor c = f64({1});
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y * c;  // saves both inputs: closures hold tensors
    y.sum().backward();
    CHECK(vals(x.grad()) == std::vector<double>{1});
  }
  CHECK(Node::live_count() == baseline);
}

TEST_CASE("autograd: a chain of 100,000 ops is destroyed without backward and without overflow") {
  const std::int64_t baseline = Node::live_count();
  {
    Tensor x = f64({0.5}).requires_grad_();
    Tensor y = x;
    for (int i = 0; i < 50000; ++i) y = sin(y + 1.0);  // sin saves its input, add saves nothing
    CHECK(Node::live_count() == baseline + 100000);
  }
  CHECK(Node::live_count() == baseline);
}

// ---- broadcasting, views and reuse --------------------------------------------------------------------

TEST_CASE("autograd: gradients of broadcast inputs are reduced to the input's shape") {
  Tensor a = ones({2, 3}, kFloat64).requires_grad_();
  Tensor b = f64({1, 2, 3}).requires_grad_();
  Tensor c = ones({2, 1, 1}, kFloat64).requires_grad_();
  Tensor s = scalar_tensor(2, kFloat64).requires_grad_();
  Tensor y = ((a * b + c) * s).sum();  // [2, 3] * [3] -> [2, 3]; + [2, 1, 1] -> [2, 2, 3]
  y.backward();
  CHECK(a.grad().shape() == Shape{2, 3});
  CHECK(vals(a.grad()) == std::vector<double>{4, 8, 12, 4, 8, 12});  // b * s, twice (c's broadcast dim)
  CHECK(b.grad().shape() == Shape{3});
  CHECK(vals(b.grad()) == std::vector<double>{8, 8, 8});
  CHECK(c.grad().shape() == Shape{2, 1, 1});
  CHECK(vals(c.grad()) == std::vector<double>{12, 12});
  CHECK(s.grad().shape() == Shape{});
  CHECK(s.grad().item<double>() == 2 * (6 + 6 + 6));  // sum of a * b + c over [2, 2, 3]
  Tensor e = f64({1, 2}).requires_grad_();
  e.unsqueeze(0).expand({3, 2}).sum().backward();
  CHECK(vals(e.grad()) == std::vector<double>{3, 3});
}

TEST_CASE("autograd: a value used twice, and views of it, get accumulated gradients") {
  Tensor x = tensor(std::vector<double>{1, 2, 3, 4}, {2, 2}).requires_grad_();
  (x * x + x).sum().backward();  // 2x + 1
  CHECK(vals(x.grad()) == std::vector<double>{3, 5, 7, 9});
  x.zero_grad();
  Tensor y = x.t();
  (x * y).sum().backward();  // d/dx sum_ij x_ij x_ji = 2 x^T
  CHECK(vals(x.grad()) == std::vector<double>{2, 6, 4, 8});
  x.zero_grad();
  (x.select(0, 0) * 2.0 + x.slice(0, 0, 1).squeeze(0) * 3.0 + x.select(1, 1) * x.select(1, 1)).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{5, 5 + 4, 0, 8});
  x.zero_grad();
  Tensor flat = x.reshape({4});
  (flat.slice(0, 1, 4, 2) * flat.narrow(0, 0, 2)).sum().backward();  // x01*x00 + x11*x01
  CHECK(vals(x.grad()) == std::vector<double>{2, 1 + 4, 0, 2});
  x.zero_grad();
  (x.permute({1, 0}).contiguous().view({4}) * f64({1, 2, 3, 4})).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{1, 3, 2, 4});
  x.zero_grad();
  (x.to(kFloat32) * 2.0).sum().backward();  // through a dtype conversion
  CHECK(x.grad().dtype() == kFloat64);
  CHECK(vals(x.grad()) == std::vector<double>{2, 2, 2, 2});
}

TEST_CASE("autograd: view and copy ops pass gradcheck, also on non-contiguous input") {
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> views = {
      {"reshape", [](const Tensor& x) { return x.reshape({3, 2, 2}) * x.reshape({3, 4}).reshape({3, 2, 2}); }},
      {"permute", [](const Tensor& x) { return x.permute({1, 0}) * 2.0; }},
      {"slice step", [](const Tensor& x) { return x.slice(1, 1, 4, 2).exp(); }},
      {"slice negative", [](const Tensor& x) { return x.slice(0, -2, 100) * x.slice(0, 0, 2); }},
      {"narrow", [](const Tensor& x) { return sin(x.narrow(1, 1, 2)); }},
      {"select", [](const Tensor& x) { return x.select(1, -1) * x.select(0, 0).slice(0, 0, 3); }},
      {"unsqueeze expand", [](const Tensor& x) { return tanh(x.unsqueeze(0).expand({2, 3, 4})); }},
      {"squeeze", [](const Tensor& x) { return x.reshape({1, 12, 1}).squeeze() * 3.0; }},
      {"flatten", [](const Tensor& x) { return x.flatten().exp(); }},
      {"contiguous", [](const Tensor& x) { return x.t().contiguous() * x.t(); }},
      {"clone", [](const Tensor& x) { return x.clone() * x; }},
  };
  for (const auto& [name, f] : views) {
    for (int layout = 0; layout < 2; ++layout) {
      CAPTURE(name);
      CAPTURE(layout);
      const Tensor x = layout == 0 ? leaf({3, 4}, 31) : focus::testing::leaf_transposed({3, 4}, 32);
      const GradcheckResult r = gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
      CHECK_MESSAGE(r.ok, name << ": " << r.message);
    }
  }
}

// ---- in-place modification of saved tensors ----------------------------------------------------------

TEST_CASE("autograd: modifying a tensor that backward still needs makes backward throw, naming the op") {
  Tensor x = f64({1, 2}).requires_grad_();
  Tensor w = f64({3, 4});  // a constant that mul saves
  Tensor y = (x * w).sum();
  w.mul_(2.0);
  CHECK_ERROR(AutogradError, y.backward(), "backward: mul:", "modified in place by mul_", "version 1",
              "saved at version 0");
  // An op's saved output, changed under NoGradGuard.
  Tensor e = x.exp();
  Tensor z = (e * 1.0).sum();
  {
    NoGradGuard ng;
    e.add_(1.0);
  }
  CHECK_ERROR(AutogradError, z.backward(), "backward: exp:", "modified in place by add_");
  // A view shares the version counter with its base.
  Tensor base = f64({1, 2, 3, 4});
  Tensor v = (x * base.slice(0, 0, 2)).sum();
  base.select(0, 3).fill_(0);  // a different element, same storage: still refused
  CHECK_ERROR(AutogradError, v.backward(), "backward: mul:", "fill_");
  // Modifying something not saved is fine.
  Tensor c = f64({5, 6});
  Tensor ok = (x + c).sum();
  c.zero_();
  ok.backward();
  CHECK(vals(x.grad()) == std::vector<double>{1, 1});
  // In-place ops on a tensor that requires grad are refused outright while recording.
  CHECK_ERROR(AutogradError, x.mul_(2.0), "mul_", "requires grad");
  CHECK_ERROR(AutogradError, e.copy_(f64({0, 0})), "copy_", "requires grad");
  CHECK_ERROR(AutogradError, x.masked_fill_(ones({2}, kBool), 0), "masked_fill_", "requires grad");
}

// ---- a user-defined op -------------------------------------------------------------------------------

namespace {

// y = a * sin(b);  shapes broadcast;  da = sum_to(g sin b), db = sum_to(g a cos b)
// Written outside the library exactly as its own ops are: check, kernel, needs_grad, record.
Tensor a_sin_b(const Tensor& a, const Tensor& b) {
  check_same_dtype("a_sin_b", a, b);
  Tensor out = kernel::binary(kernel::BinaryOp::Mul, a, kernel::unary(kernel::UnaryOp::Sin, b));
  if (!needs_grad(a, b)) return out;
  return record("a_sin_b", out, {a, b}, [a = save(a), b = save(b)](const Tensor& g) -> Grads {
    const Tensor& av = a.get("a_sin_b");
    const Tensor& bv = b.get("a_sin_b");
    return {sum_to(g * sin(bv), av.shape()), sum_to(g * av * cos(bv), bv.shape())};
  });
}

// y = x^2 with a deliberately wrong backward (a factor 2 too large): gradcheck must catch it.
Tensor bad_square(const Tensor& x) {
  Tensor out = kernel::binary(kernel::BinaryOp::Mul, x, x);
  if (!needs_grad(x)) return out;
  return record("bad_square", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {g * x.get("bad_square") * 4.0}; });
}

// The same op with the right backward.
Tensor good_square(const Tensor& x) {
  Tensor out = kernel::binary(kernel::BinaryOp::Mul, x, x);
  if (!needs_grad(x)) return out;
  return record("good_square", out, {x}, [x = save(x)](const Tensor& g) -> Grads { return {g * x.get("good_square") * 2.0}; });
}

// y = 1 / x with a chosen backward: the right one, -g / x^2, or a wrong one that returns 0.
// Near the pole the numeric derivative is infinite, which once let the wrong one pass.
Tensor reciprocal_op(const Tensor& x, bool right_backward) {
  Tensor out = kernel::binary(kernel::BinaryOp::Div, kernel::scalar_tensor(1.0, kFloat64), x);
  if (!needs_grad(x)) return out;
  return record("reciprocal", out, {x}, [x = save(x), right_backward](const Tensor& g) -> Grads {
    const Tensor& xv = x.get("reciprocal");
    return {right_backward ? -g / (xv * xv) : g * 0.0};
  });
}

}  // namespace

TEST_CASE("autograd: an op defined outside the library with record/save passes gradcheck") {
  const Tensor a = leaf({2, 3}, 41), b = leaf({3}, 42);
  const GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return a_sin_b(in[0], in[1]); }, {a, b});
  CHECK_MESSAGE(r.ok, r.message);
  Tensor y = a_sin_b(a, b);
  CHECK(y.grad_fn()->name() == "a_sin_b");
  CHECK(y.grad_fn()->next_edges().size() == 2);
  // It composes with library ops, and its saved tensors are version-checked too.
  Tensor c = f64({1, 2});
  Tensor x = f64({0.5, 0.25}).requires_grad_();
  Tensor z = a_sin_b(c, x).exp().sum();
  c.fill_(3);
  CHECK_ERROR(AutogradError, z.backward(), "backward: a_sin_b:", "modified in place by fill_");
  // Second derivatives work because its backward is written with differentiable ops.
  const GradcheckResult r2 = gradcheck(
      [](const std::vector<Tensor>& in) {
        return grad({a_sin_b(in[0], in[1]).sum()}, {in[1]}, {}, false, true)[0];
      },
      {leaf({3}, 43), leaf({3}, 44)});
  CHECK_MESSAGE(r2.ok, r2.message);
}

TEST_CASE("autograd: several outputs and given output gradients, through backward and grad") {
  Tensor x = f64({1, 2}).requires_grad_();
  Tensor y1 = x * x, y2 = x * 3.0;
  backward({y1, y2}, {f64({1, 1}), f64({2, 0})});
  CHECK(vals(x.grad()) == std::vector<double>{2 + 6, 4 + 0});
  Tensor h = x * 2.0;
  Tensor z = h * h;
  // z depends on h, and both are outputs: h's gradient is its own seed plus what flows from z.
  const auto g = grad({z, h}, {x}, {f64({1, 1}), f64({1, 10})});
  CHECK(vals(g[0]) == std::vector<double>{(2 * 2 + 1) * 2, (2 * 4 + 10) * 2});
  CHECK_ERROR(ValueError, backward({x * 2.0}, {f64({1, 1}), f64({1, 1})}), "backward", "one entry per output",
              "got 2 for 1");
}

TEST_CASE("autograd: a backward that returns a gradient of the wrong shape or count is named") {
  Tensor x = f64({1, 2}).requires_grad_();
  const Tensor wrong_shape = record("wrong_shape", kernel::clone(x), {x}, [](const Tensor& g) -> Grads { return {sum(g)}; });
  CHECK_ERROR(ShapeError, wrong_shape.sum().backward(), "backward: wrong_shape:", "gradient shape must match",
              "grad=[]", "tensor=[2]");
  const Tensor wrong_count =
      record("wrong_count", kernel::clone(x), {x}, [](const Tensor& g) -> Grads { return {g, g}; });
  CHECK_ERROR(AutogradError, wrong_count.sum().backward(), "backward: wrong_count:", "returned 2 gradients for 1 inputs");
  const Tensor wrong_dtype =
      record("wrong_dtype", kernel::clone(x), {x}, [](const Tensor& g) -> Grads { return {g.to(kFloat32)}; });
  CHECK_ERROR(DTypeError, wrong_dtype.sum().backward(), "backward: wrong_dtype:", "grad=float32", "tensor=float64");
}

TEST_CASE("autograd: record refuses an output that is an input or already recorded") {
  Tensor x = f64({1, 2}).requires_grad_();
  CHECK_ERROR(AutogradError, record("identity", x, {x}, [](const Tensor& g) -> Grads { return {g}; }), "record: identity:",
              "one of the inputs");
  CHECK(x.is_leaf());
  Tensor y = x * 2.0;
  CHECK_ERROR(AutogradError, record("again", y, {x}, [](const Tensor& g) -> Grads { return {g}; }), "record: again:",
              "already has a grad_fn (mul)");
}

// ---- gradcheck itself ----------------------------------------------------------------------------------

TEST_CASE("autograd: gradcheck fails a backward that is off by a factor 2, naming the values") {
  const Tensor x = tensor(std::vector<double>{0.5, -1.5, 2}).requires_grad_();
  const GradcheckResult bad = gradcheck([](const std::vector<Tensor>& in) { return bad_square(in[0]); }, {x});
  CHECK(!bad.ok);
  CHECK(!static_cast<bool>(bad));
  CHECK(bad.input == 0);
  CHECK(bad.input_element == 2);  // worst where |x| is largest: analytic 4x = 8, numeric 2x = 4
  CHECK(bad.output_element == 2);
  CHECK(bad.analytic == doctest::Approx(8));
  CHECK(bad.numeric == doctest::Approx(4).epsilon(1e-6));
  CHECK_MESSAGE(bad.message.find("FAILED") != std::string::npos, bad.message);
  CHECK_MESSAGE(bad.message.find("analytic=8 numeric=4") != std::string::npos, bad.message);
  CHECK_MESSAGE(bad.message.find("input 0 element 2") != std::string::npos, bad.message);

  const GradcheckResult good = gradcheck([](const std::vector<Tensor>& in) { return good_square(in[0]); }, {x});
  CHECK_MESSAGE(good.ok, good.message);
  CHECK(good.message.find("passed") != std::string::npos);

  // Only inputs that require grad are checked; the others are constants.
  const Tensor c = f64({1, 2, 3});
  const GradcheckResult mixed = gradcheck([](const std::vector<Tensor>& in) { return good_square(in[0]) * in[1]; }, {x, c});
  CHECK_MESSAGE(mixed.ok, mixed.message);
  // A NaN gradient where the numeric one is finite fails and is reported.
  const GradcheckResult nan = gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor out = kernel::clone(in[0]);
        if (!needs_grad(in[0])) return out;
        return record("nan_grad", out, {in[0]}, [](const Tensor& g) -> Grads { return {g * NAN}; });
      },
      {x});
  CHECK(!nan.ok);
  CHECK_MESSAGE(nan.message.find("analytic=nan") != std::string::npos, nan.message);
  CHECK_ERROR(DTypeError, gradcheck([](const std::vector<Tensor>& in) { return in[0] * 2.0; }, {ones({2}).requires_grad_()}),
              "gradcheck", "float64", "float32");
  CHECK_ERROR(DTypeError, gradcheck([](const std::vector<Tensor>& in) { return in[0].to(kFloat32); }, {x}),
              "gradcheck (output)", "expected dtype float64", "got float32");
}

TEST_CASE("autograd: gradcheck refuses a check that compares nothing, or float32 inputs") {
  const auto twice = [](const std::vector<Tensor>& in) { return in[0] * 2.0; };
  const Tensor x = f64({0.5, -1.5}).requires_grad_();
  // No input requires grad: the loop over inputs would check nothing and report "passed".
  CHECK_ERROR(AutogradError, gradcheck(twice, {f64({1, 2})}), "gradcheck: at least one input must require grad",
              "got 1 inputs, none requiring grad");
  CHECK_ERROR(AutogradError, gradcheck(twice, {}), "gradcheck: at least one input must require grad", "got 0 inputs");
  // Inputs that require grad but hold no element, and an empty output: an empty Jacobian.
  CHECK_ERROR(ShapeError, gradcheck(twice, {zeros({0, 3}, kFloat64).requires_grad_()}),
              "gradcheck: the inputs that require grad must hold at least one element", "got input 0=[0, 3]");
  CHECK_ERROR(ShapeError, gradcheck([](const std::vector<Tensor>& in) { return in[0].narrow(0, 0, 0); }, {x}),
              "gradcheck: the output must hold at least one element", "got output=[0]");
  // float32 inputs, requiring grad or not; integer and bool constants stay allowed.
  CHECK_ERROR(DTypeError, gradcheck(twice, {ones({2}).requires_grad_()}), "gradcheck: floating inputs must be float64",
              "got input 0 of float32 (requires grad)");
  CHECK_ERROR(DTypeError, gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[1].to(kFloat64); }, {x, ones({2})}),
              "gradcheck: floating inputs must be float64", "got input 1 of float32");
  const Tensor ids = tensor(std::vector<std::int64_t>{1, 0, 1});
  const Tensor mask = tensor(std::vector<bool>{false, true, false}, {3});
  const GradcheckResult r = gradcheck(
      [](const std::vector<Tensor>& in) {
        return masked_fill(embedding(in[0].reshape({2, 1}), in[1]).reshape({3}), in[2], 0.0);
      },
      {x, ids, mask});
  CHECK_MESSAGE(r.ok, r.message);
  // An absent (undefined) input, such as a missing bias, is skipped, not an error.
  const GradcheckResult absent = gradcheck(
      [](const std::vector<Tensor>& in) { return in[1].defined() ? in[0] + in[1] : in[0] * 1.0; }, {x, Tensor()});
  CHECK_MESSAGE(absent.ok, absent.message);
}

TEST_CASE("autograd: gradcheck fails a wrong backward where the numeric derivative is infinite") {
  // The case: 1/x at x = 1e-6 with a backward that returns 0. x - eps = 0, so the numeric
  // derivative is -inf, and comparing it computed inf - inf = NaN, which is never > tol: "passed".
  const Tensor at_pole = f64({1e-6}).requires_grad_();
  const auto wrong = [](const std::vector<Tensor>& in) { return reciprocal_op(in[0], false); };
  const auto right = [](const std::vector<Tensor>& in) { return reciprocal_op(in[0], true); };
  const GradcheckResult r = gradcheck(wrong, {at_pole});
  CHECK(!r.ok);
  CHECK(r.input == 0);
  CHECK(r.input_element == 0);
  CHECK(r.analytic == 0);
  CHECK(r.numeric == -INFINITY);
  CHECK_MESSAGE(r.message.rfind("gradcheck FAILED: non-finite derivative at input 0 element 0, output element 0: "
                                "analytic=0 numeric=-inf; the point may be singular",
                                0) == 0,
                r.message);
  // The right backward does not pass there either: within eps of a pole nothing can be compared.
  const GradcheckResult right_at_pole = gradcheck(right, {at_pole});
  CHECK(!right_at_pole.ok);
  CHECK_MESSAGE(right_at_pole.message.find("may be singular") != std::string::npos, right_at_pole.message);
  // Away from the pole the check tells them apart, so the failure above is the point's, not the op's.
  const Tensor away = f64({0.5, -2}).requires_grad_();
  const GradcheckResult right_away = gradcheck(right, {away});
  CHECK_MESSAGE(right_away.ok, right_away.message);
  const GradcheckResult wrong_away = gradcheck(wrong, {away});
  CHECK(!wrong_away.ok);
  CHECK(wrong_away.message.find("singular") == std::string::npos);
  // Among finite failures the singular element is the one named: it outranks them all.
  const GradcheckResult mixed = gradcheck(wrong, {f64({0.5, 1e-6, -2}).requires_grad_()});
  CHECK(!mixed.ok);
  CHECK(mixed.input_element == 1);
  CHECK_MESSAGE(mixed.message.find("non-finite derivative at input 0 element 1, output element 1") != std::string::npos,
                mixed.message);
}

TEST_CASE("autograd: gradcheck fails NaN and Inf derivatives, also when both sides agree") {
  // log at a negative point: the function is NaN, so the numeric derivative is NaN; a backward
  // that also gives NaN there used to "agree" with it.
  const GradcheckResult both_nan = gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor out = kernel::unary(kernel::UnaryOp::Log, in[0]);
        if (!needs_grad(in[0])) return out;
        return record("nan_log", out, {in[0]}, [](const Tensor& g) -> Grads { return {g * NAN}; });
      },
      {f64({-1}).requires_grad_()});
  CHECK(!both_nan.ok);
  CHECK(std::isnan(both_nan.analytic));
  CHECK(std::isnan(both_nan.numeric));
  CHECK_MESSAGE(both_nan.message.find("non-finite derivative at input 0 element 0") != std::string::npos, both_nan.message);
  CHECK_MESSAGE(both_nan.message.find("the point may be singular") != std::string::npos, both_nan.message);
  // sqrt at 0 with the library's backward: analytic +inf, numeric NaN (sqrt(-eps)).
  const GradcheckResult sqrt0 = gradcheck([](const std::vector<Tensor>& in) { return sqrt(in[0]); },
                                          {f64({0, 4}).requires_grad_()});
  CHECK(!sqrt0.ok);
  CHECK(sqrt0.input_element == 0);
  CHECK(sqrt0.analytic == INFINITY);
  CHECK_MESSAGE(sqrt0.message.find("may be singular") != std::string::npos, sqrt0.message);
  // Inf on both sides: a function that is +inf near the point and a backward that says +inf.
  const GradcheckResult both_inf = gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor out = kernel::binary(kernel::BinaryOp::Div, in[0], kernel::scalar_tensor(0.0, kFloat64));
        if (!needs_grad(in[0])) return out;
        return record("div_by_zero", out, {in[0]}, [](const Tensor& g) -> Grads { return {g * INFINITY}; });
      },
      {f64({2}).requires_grad_()});
  CHECK(!both_inf.ok);
  CHECK_MESSAGE(both_inf.message.find("may be singular") != std::string::npos, both_inf.message);
}
