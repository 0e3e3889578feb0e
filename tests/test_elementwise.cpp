// Elementwise ops: the op table rows (forward vs naive reference, float32 vs float64, gradcheck
// on broadcast, batched, size-1 and non-contiguous inputs), plus hand-checked values and errors.
// Every differentiable op of autograd/ops_elementwise.h has a row; comparisons, logic, sign and
// int64 arithmetic are checked by hand.
#include "op_table.h"

#include <focus/tensor/kernel.h>

#include <algorithm>
#include <limits>

using namespace focus;
using namespace focus::testing;

namespace {

// Binary op samples: same shape, broadcast both ways, size-1 dims, non-contiguous.
std::vector<OpSample> binary_samples(double lo = -1, double hi = 1) {
  return {
      {"same shape", {leaf({2, 3}, 1, lo, hi), leaf({2, 3}, 2, lo, hi)}},
      {"broadcast row", {leaf({2, 3}, 3, lo, hi), leaf({3}, 4, lo, hi)}},
      {"broadcast both", {leaf({2, 1, 3}, 5, lo, hi), leaf({4, 1}, 6, lo, hi)}},
      {"size-1 and scalar", {leaf({1, 1}, 7, lo, hi), leaf({}, 8, lo, hi)}},
      {"transposed", {leaf_transposed({3, 2}, 9, lo, hi), leaf({3, 2}, 10, lo, hi)}},
      {"strided", {leaf_strided({2, 3}, 11, lo, hi), leaf_transposed({2, 3}, 12, lo, hi)}},
  };
}

std::vector<OpSample> unary_samples(double lo = -1, double hi = 1) {
  return {
      {"matrix", {leaf({2, 3}, 21, lo, hi)}},
      {"batched", {leaf({2, 2, 3}, 22, lo, hi)}},
      {"scalar", {leaf({}, 23, lo, hi)}},
      {"size-1", {leaf({1, 3, 1}, 24, lo, hi)}},
      {"transposed", {leaf_transposed({3, 2}, 25, lo, hi)}},
      {"strided", {leaf_strided({2, 3}, 26, lo, hi)}},
  };
}

// Moves every float input onto the grid offset + k * step (through its view, so layouts are
// kept). Non-smooth ops use it to keep samples away from their kinks: with step 0.1 and offset
// 0.05 no value is within 0.05 of 0 or of +-0.5, and values of two inputs snapped with offsets
// 0.05 and 0 never tie.
std::vector<OpSample> snapped(std::vector<OpSample> samples, double step, std::vector<double> offsets) {
  for (auto& s : samples) {
    for (std::size_t i = 0; i < s.inputs.size(); ++i) {
      Tensor& t = s.inputs[i];
      if (!is_floating(t.dtype())) continue;
      const double off = offsets[std::min(i, offsets.size() - 1)];
      auto v = t.to_vector<double>();
      for (double& x : v) x = std::floor(x / step) * step + off;
      NoGradGuard ng;
      t.copy_(tensor(v, t.shape()));
    }
  }
  return samples;
}

OpSpec binary_row(const std::string& name, Tensor (*fn)(const Tensor&, const Tensor&), double (*ref)(double, double),
                  double lo = -1, double hi = 1) {
  return {name, [fn](const Inputs& in) { return fn(in[0], in[1]); }, [=] { return binary_samples(lo, hi); },
          [ref](const Inputs& in) { return ref_binary(in[0], in[1], ref); }};
}

OpSpec unary_row(const std::string& name, Tensor (*fn)(const Tensor&), double (*ref)(double), double lo = -1,
                 double hi = 1) {
  return {name, [fn](const Inputs& in) { return fn(in[0]); }, [=] { return unary_samples(lo, hi); },
          [ref](const Inputs& in) { return ref_unary(in[0], ref); }};
}

// A row for x -> op(x, s) (or op(s, x)) with a fixed number s.
OpSpec scalar_row(const std::string& name, std::function<Tensor(const Tensor&)> fn, std::function<double(double)> ref,
                  double lo = -1, double hi = 1) {
  return {name, [fn](const Inputs& in) { return fn(in[0]); }, [=] { return unary_samples(lo, hi); },
          [ref](const Inputs& in) { return ref_unary(in[0], ref); }};
}

Tensor add_tt(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor sub_tt(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor mul_tt(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor div_tt(const Tensor& a, const Tensor& b) { return div(a, b); }

double gelu_ref(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }

// where(cond, a, b): the condition broadcasts with both values.
std::vector<OpSample> where_samples() {
  const Tensor c23 = tensor(std::vector<bool>{true, false, true, false, false, true}, {2, 3});
  const Tensor c3 = tensor(std::vector<bool>{false, true, true}, {3});
  const Tensor c21 = tensor(std::vector<bool>{true, false}, {2, 1});
  return {
      {"same shape", {c23, leaf({2, 3}, 51), leaf({2, 3}, 52)}},
      {"broadcast values", {c23, leaf({3}, 53), leaf({2, 1}, 54)}},
      {"broadcast condition", {c3, leaf({2, 3}, 55), leaf({}, 56)}},
      {"all broadcast", {c21, leaf({1, 3}, 57), leaf({2, 2, 1}, 58)}},
      {"non-contiguous", {c23.t().contiguous().t(), leaf_transposed({2, 3}, 59), leaf_strided({2, 3}, 60)}},
  };
}

Tensor ref_where(const Inputs& in) {
  const Shape s = broadcast_shapes("ref", broadcast_shapes("ref", in[0].shape(), in[1].shape()), in[2].shape());
  const Tensor c = in[0].to(kFloat64);
  Tensor out = zeros(s, kFloat64);
  for (std::int64_t i = 0; i < out.numel(); ++i)
    out.data_ptr<double>()[i] = broadcast_at(c, s, i) != 0 ? broadcast_at(in[1], s, i) : broadcast_at(in[2], s, i);
  return out;
}

std::vector<OpSample> masked_fill_samples() {
  return {
      {"same shape", {leaf({2, 3}, 61), tensor(std::vector<bool>{true, false, true, false, false, true}, {2, 3})}},
      {"broadcast mask", {leaf({2, 3}, 62), tensor(std::vector<bool>{false, true, false}, {3})}},
      {"column mask", {leaf_transposed({2, 3}, 63), tensor(std::vector<bool>{true, false}, {2, 1})}},
      {"scalar mask", {leaf_strided({2, 3}, 64), tensor(std::vector<bool>{false}, {})}},
  };
}

Tensor ref_masked_fill(const Inputs& in, double value) {
  const Tensor m = in[1].to(kFloat64);
  Tensor out = zeros(in[0].shape(), kFloat64);
  for (std::int64_t i = 0; i < out.numel(); ++i)
    out.data_ptr<double>()[i] = broadcast_at(m, in[0].shape(), i) != 0 ? value : broadcast_at(in[0], in[0].shape(), i);
  return out;
}

std::vector<OpSpec> elementwise_table() {
  std::vector<OpSpec> rows = {
      binary_row("add", add_tt, [](double a, double b) { return a + b; }),
      binary_row("sub", sub_tt, [](double a, double b) { return a - b; }),
      binary_row("mul", mul_tt, [](double a, double b) { return a * b; }),
      binary_row("div", div_tt, [](double a, double b) { return a / b; }, 0.5, 2.0),
      scalar_row("add scalar", [](const Tensor& x) { return x + 2.5; }, [](double x) { return x + 2.5; }),
      scalar_row("scalar add", [](const Tensor& x) { return 2.5 + x; }, [](double x) { return 2.5 + x; }),
      scalar_row("sub scalar", [](const Tensor& x) { return x - 1.5; }, [](double x) { return x - 1.5; }),
      scalar_row("scalar sub", [](const Tensor& x) { return 1.5 - x; }, [](double x) { return 1.5 - x; }),
      scalar_row("mul scalar", [](const Tensor& x) { return x * -3.0; }, [](double x) { return x * -3.0; }),
      scalar_row("scalar mul", [](const Tensor& x) { return -3.0 * x; }, [](double x) { return -3.0 * x; }),
      scalar_row("div scalar", [](const Tensor& x) { return x / 4.0; }, [](double x) { return x / 4.0; }),
      scalar_row("scalar div", [](const Tensor& x) { return 3.0 / x; }, [](double x) { return 3.0 / x; }, 0.5, 2.0),
      unary_row("neg", neg, [](double x) { return -x; }),
      scalar_row("pow 2", [](const Tensor& x) { return pow(x, 2); }, [](double x) { return x * x; }),
      scalar_row("pow 3", [](const Tensor& x) { return x.pow(3); }, [](double x) { return x * x * x; }),
      scalar_row("pow 0", [](const Tensor& x) { return pow(x, 0); }, [](double) { return 1.0; }),
      scalar_row("pow 0.5", [](const Tensor& x) { return pow(x, 0.5); }, [](double x) { return std::sqrt(x); }, 0.5, 2),
      scalar_row("pow -1.5", [](const Tensor& x) { return pow(x, -1.5); }, [](double x) { return std::pow(x, -1.5); },
                 0.5, 2),
      unary_row("exp", exp, [](double x) { return std::exp(x); }),
      unary_row("log", log, [](double x) { return std::log(x); }, 0.5, 2.0),
      unary_row("sqrt", sqrt, [](double x) { return std::sqrt(x); }, 0.5, 2.0),
      unary_row("rsqrt", rsqrt, [](double x) { return 1 / std::sqrt(x); }, 0.5, 2.0),
      unary_row("sin", sin, [](double x) { return std::sin(x); }, -3, 3),
      unary_row("cos", cos, [](double x) { return std::cos(x); }, -3, 3),
      unary_row("tanh", tanh, [](double x) { return std::tanh(x); }, -2, 2),
      unary_row("sigmoid", sigmoid, sigmoid_ref, -4, 4),
      unary_row("gelu", gelu, gelu_ref, -3, 3),
  };

  // Non-smooth ops: samples snapped away from the kinks (see snapped()).
  OpSpec relu_row = unary_row("relu", relu, [](double x) { return x > 0 ? x : 0.0; });
  relu_row.samples = [] { return snapped(unary_samples(), 0.1, {0.05}); };
  OpSpec abs_row = unary_row("abs", abs, [](double x) { return std::abs(x); });
  abs_row.samples = [] { return snapped(unary_samples(), 0.1, {0.05}); };
  OpSpec max_row = binary_row("maximum", maximum, [](double a, double b) { return std::max(a, b); });
  max_row.samples = [] { return snapped(binary_samples(), 0.1, {0.05, 0.0}); };
  OpSpec min_row = binary_row("minimum", minimum, [](double a, double b) { return std::min(a, b); });
  min_row.samples = [] { return snapped(binary_samples(), 0.1, {0.05, 0.0}); };
  OpSpec clamp_row = scalar_row("clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.5); },
                                [](double x) { return std::clamp(x, -0.5, 0.5); });
  clamp_row.samples = [] { return snapped(unary_samples(), 0.1, {0.05}); };
  OpSpec clamp_min_row = scalar_row("clamp_min", [](const Tensor& x) { return clamp_min(x, -0.5); },
                                    [](double x) { return std::max(x, -0.5); });
  clamp_min_row.samples = [] { return snapped(unary_samples(), 0.1, {0.05}); };
  OpSpec clamp_max_row = scalar_row("clamp_max", [](const Tensor& x) { return clamp_max(x, 0.5); },
                                    [](double x) { return std::min(x, 0.5); });
  clamp_max_row.samples = [] { return snapped(unary_samples(), 0.1, {0.05}); };
  for (auto* r : {&relu_row, &abs_row, &max_row, &min_row, &clamp_row, &clamp_min_row, &clamp_max_row})
    rows.push_back(*r);

  // Selection: differentiable in the values, not in the condition or mask.
  rows.push_back({"where", [](const Inputs& in) { return where(in[0], in[1], in[2]); }, where_samples, ref_where});
  rows.push_back({"masked_fill", [](const Inputs& in) { return masked_fill(in[0], in[1], -2.5); }, masked_fill_samples,
                  [](const Inputs& in) { return ref_masked_fill(in, -2.5); }});
  return rows;
}

std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }
std::vector<std::int64_t> ints(const Tensor& t) { return t.to_vector<std::int64_t>(); }
std::vector<bool> bools(const Tensor& t) { return t.to_vector<bool>(); }
Tensor i64(std::vector<std::int64_t> v) { return tensor(v); }
Tensor f64(std::vector<double> v) { return tensor(v); }
Tensor b1(std::vector<bool> v) { return tensor(v, {static_cast<std::int64_t>(v.size())}); }

}  // namespace

TEST_CASE("elementwise: op table") {
  for (const OpSpec& spec : elementwise_table()) check_op(spec);
}

TEST_CASE("elementwise: hand-checked values of the maths ops") {
  const Tensor x = f64({-2, -0.5, 0, 0.5, 2});
  CHECK(vals(relu(x)) == std::vector<double>{0, 0, 0, 0.5, 2});
  CHECK(vals(abs(x)) == std::vector<double>{2, 0.5, 0, 0.5, 2});
  CHECK(vals(sign(x)) == std::vector<double>{-1, -1, 0, 1, 1});
  CHECK(vals(clamp(x, -1, 1)) == std::vector<double>{-1, -0.5, 0, 0.5, 1});
  CHECK(vals(clamp_min(x, 0.1)) == std::vector<double>{0.1, 0.1, 0.1, 0.5, 2});
  CHECK(vals(clamp_max(x, 0.1)) == std::vector<double>{-2, -0.5, 0, 0.1, 0.1});
  CHECK(vals(sigmoid(f64({0}))) == std::vector<double>{0.5});
  CHECK(sigmoid(f64({-800})).item<double>() == 0);  // no overflow on either side
  CHECK(sigmoid(f64({800})).item<double>() == 1);
  CHECK(vals(gelu(f64({0}))) == std::vector<double>{0});
  CHECK(gelu(f64({1})).item<double>() == doctest::Approx(0.8413447460685429));  // Phi(1)
  CHECK(vals(pow(f64({2, 3}), 2)) == std::vector<double>{4, 9});
  CHECK(vals(sqrt(f64({4, 9}))) == std::vector<double>{2, 3});
  CHECK(vals(rsqrt(f64({4, 0.25}))) == std::vector<double>{0.5, 2});
  CHECK(vals(maximum(f64({1, 5}), f64({3, 2}))) == std::vector<double>{3, 5});
  CHECK(vals(minimum(f64({1, 5}), f64({3, 2}))) == std::vector<double>{1, 2});
  CHECK(std::isnan(maximum(f64({NAN}), f64({1})).item<double>()));  // NaN propagates from either side
  CHECK(std::isnan(maximum(f64({1}), f64({NAN})).item<double>()));
  CHECK(std::isnan(minimum(f64({NAN}), f64({1})).item<double>()));
  CHECK(std::isnan(minimum(f64({1}), f64({NAN})).item<double>()));
  CHECK(std::isinf((f64({1}) / f64({0})).item<double>()));  // floats divide by zero as IEEE says
  // sign and comparisons are not differentiated.
  Tensor w = f64({1, -1}).requires_grad_();
  CHECK(!sign(w).requires_grad());
  CHECK(!(w > 0.0).requires_grad());
  // float32 keeps float32.
  CHECK(exp(ones({2})).dtype() == kFloat32);
  CHECK(gelu(ones({2})).dtype() == kFloat32);
}

TEST_CASE("elementwise: gradients at and around the kinks follow the documented choices") {
  Tensor x = f64({-1, 0, 1}).requires_grad_();
  relu(x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{0, 0, 1});  // 0 at 0, as torch
  // A NaN or Inf gradient stays out where the input is not positive (torch's threshold_backward);
  // g * (x > 0) would have made NaN there.
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  CHECK(vals(kernel::relu_backward(f64({nan, inf, 3}), f64({-1, 0, 2}))) == std::vector<double>{0, 0, 3});
  const Tensor through_nan = kernel::relu_backward(f64({nan}), f64({2}));
  CHECK(std::isnan(vals(through_nan)[0]));
  x.zero_grad();
  abs(x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{-1, 0, 1});
  x.zero_grad();
  clamp(x, 0, 1).sum().backward();  // passes on the closed interval [lo, hi]
  CHECK(vals(x.grad()) == std::vector<double>{0, 1, 1});
  x.zero_grad();
  Tensor y = f64({0, 0, 0}).requires_grad_();
  maximum(x, y).sum().backward();  // ties split the gradient
  CHECK(vals(x.grad()) == std::vector<double>{0, 0.5, 1});
  CHECK(vals(y.grad()) == std::vector<double>{1, 0.5, 0});
  x.zero_grad();
  y.zero_grad();
  minimum(x, y).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{1, 0.5, 0});
  CHECK(vals(y.grad()) == std::vector<double>{0, 0.5, 1});
  x.zero_grad();
  where(b1({true, false, true}), x, y).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{1, 0, 1});
  x.zero_grad();
  masked_fill(x, b1({true, false, false}), 7).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{0, 1, 1});
  x.zero_grad();
  pow(x, 0).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{0, 0, 0});
}

TEST_CASE("elementwise: comparisons give hand-checked bools") {
  const Tensor a = f64({1, 2, 3, NAN}), b = f64({3, 2, 1, NAN});
  CHECK(bools(a == b) == std::vector<bool>{false, true, false, false});
  CHECK(bools(a != b) == std::vector<bool>{true, false, true, true});
  CHECK(bools(a < b) == std::vector<bool>{true, false, false, false});
  CHECK(bools(a <= b) == std::vector<bool>{true, true, false, false});
  CHECK(bools(a > b) == std::vector<bool>{false, false, true, false});
  CHECK(bools(a >= b) == std::vector<bool>{false, true, true, false});
  CHECK(bools(a > 1.5) == std::vector<bool>{false, true, true, false});
  CHECK(bools(eq(a, 2.0)) == std::vector<bool>{false, true, false, false});
  CHECK(bools(ne(a, 2.0)) == std::vector<bool>{true, false, true, true});
  CHECK(bools(le(a, 2.0)) == std::vector<bool>{true, true, false, false});
  CHECK(bools(ge(a, 2.0)) == std::vector<bool>{false, true, true, false});
  CHECK(bools(lt(a, 2.0)) == std::vector<bool>{true, false, false, false});
  // Broadcasting, int64 and bool operands.
  const Tensor col = i64({1, 2}).reshape({2, 1});
  const Tensor r = col < i64({0, 1, 2});
  CHECK(r.shape() == Shape{2, 3});
  CHECK(bools(r) == std::vector<bool>{false, false, true, false, false, false});
  CHECK(bools(b1({true, false}) == b1({true, true})) == std::vector<bool>{true, false});
  CHECK(bools(arange(4) >= 2.0) == std::vector<bool>{false, false, true, true});
  // A non-contiguous operand.
  const Tensor m = arange(6).reshape({2, 3}).t();  // [[0, 3], [1, 4], [2, 5]]
  CHECK(bools(m > 2.0) == std::vector<bool>{false, true, false, true, false, true});
}

TEST_CASE("elementwise: logical ops give hand-checked bools") {
  const Tensor p = b1({true, true, false, false}), q = b1({true, false, true, false});
  CHECK(bools(logical_and(p, q)) == std::vector<bool>{true, false, false, false});
  CHECK(bools(logical_or(p, q)) == std::vector<bool>{true, true, true, false});
  CHECK(bools(logical_xor(p, q)) == std::vector<bool>{false, true, true, false});
  CHECK(bools(logical_not(p)) == std::vector<bool>{false, false, true, true});
  CHECK(bools(p && q) == std::vector<bool>{true, false, false, false});
  CHECK(bools(p || q) == std::vector<bool>{true, true, true, false});
  CHECK(bools(!q) == std::vector<bool>{false, true, false, true});
  CHECK(bools(logical_and(p.reshape({2, 2}), b1({true, false}))) == std::vector<bool>{true, false, false, false});
  CHECK(bools((arange(4) > 0.0) && (arange(4) < 3.0)) == std::vector<bool>{false, true, true, false});
  CHECK_ERROR(DTypeError, logical_and(ones({2}), ones({2})), "logical_and", "bool", "float32");
  CHECK_ERROR(DTypeError, logical_or(p, ones({4})), "logical_or", "dtypes must match", "a=bool", "b=float32");
  CHECK_ERROR(DTypeError, logical_not(arange(2)), "logical_not", "bool", "int64");
}

TEST_CASE("elementwise: int64 arithmetic") {
  const Tensor a = i64({7, -7, 6, 0}), b = i64({2, 2, -4, 5});
  CHECK(ints(a + b) == std::vector<std::int64_t>{9, -5, 2, 5});
  CHECK(ints(a - b) == std::vector<std::int64_t>{5, -9, 10, -5});
  CHECK(ints(a * b) == std::vector<std::int64_t>{14, -14, -24, 0});
  CHECK(ints(a / b) == std::vector<std::int64_t>{3, -3, -1, 0});  // truncates toward zero, as C++
  CHECK(ints(-a) == std::vector<std::int64_t>{-7, 7, -6, 0});
  CHECK(ints(abs(a)) == std::vector<std::int64_t>{7, 7, 6, 0});
  CHECK(ints(sign(a)) == std::vector<std::int64_t>{1, -1, 1, 0});
  CHECK(ints(maximum(a, b)) == std::vector<std::int64_t>{7, 2, 6, 5});
  CHECK(ints(minimum(a, b)) == std::vector<std::int64_t>{2, -7, -4, 0});
  CHECK(ints(clamp(a, -1, 6)) == std::vector<std::int64_t>{6, -1, 6, 0});
  CHECK(ints(pow(i64({2, 3, -2}), 3)) == std::vector<std::int64_t>{8, 27, -8});
  CHECK(ints(pow(i64({2, 3, -2}), 0)) == std::vector<std::int64_t>{1, 1, 1});
  CHECK(ints(a * 3.0) == std::vector<std::int64_t>{21, -21, 18, 0});
  CHECK(ints(a + (1LL << 40)) == std::vector<std::int64_t>{7 + (1LL << 40), -7 + (1LL << 40), 6 + (1LL << 40), 1LL << 40});
  CHECK(ints(where(a > 0.0, a, b)) == std::vector<std::int64_t>{7, 2, 6, 5});
  CHECK(ints(masked_fill(a, a < 0.0, 100)) == std::vector<std::int64_t>{7, 100, 6, 0});
  CHECK(ints(i64({1, 2}).reshape({2, 1}) * i64({10, 100})) == std::vector<std::int64_t>{10, 100, 20, 200});
  // Large values survive exactly (no trip through double).
  const std::int64_t big = (1LL << 62) + 1;
  CHECK(ints(i64({big}) + i64({1}))[0] == big + 1);
  CHECK(ints(i64({big}) - 1.0)[0] == big - 1);
  CHECK(ints(i64({std::numeric_limits<std::int64_t>::min()}) / i64({-1}))[0] ==
        std::numeric_limits<std::int64_t>::min());  // wraps, as two's complement does; no trap
}

TEST_CASE("elementwise: integer division by zero throws") {
  CHECK_ERROR(ValueError, i64({1, 2}) / i64({1, 0}), "div", "integer division by zero");
  CHECK_ERROR(ValueError, i64({1, 2}) / 0.0, "div", "integer division by zero");
  CHECK_ERROR(ValueError, 5.0 / i64({1, 0}), "div", "integer division by zero");
  CHECK_ERROR(ValueError, i64({1, 2}) / i64({0}).reshape({1, 1}), "div", "integer division by zero");
  CHECK_ERROR(ValueError, i64({1, 2}) / 0.5, "div", "integer division by zero");  // 0.5 becomes int64 0
  CHECK(ints(i64({1, 2}) / i64({1, 2})) == std::vector<std::int64_t>{1, 1});
}

TEST_CASE("elementwise: errors name the op, the rule and the dtypes or shapes") {
  CHECK_ERROR(DTypeError, exp(arange(3)), "exp", "floating", "int64");
  CHECK_ERROR(DTypeError, sqrt(ones({2}, kBool)), "sqrt", "floating", "bool");
  CHECK_ERROR(DTypeError, gelu(arange(2)), "gelu", "floating");
  CHECK_ERROR(DTypeError, neg(ones({2}, kBool)), "neg", "numeric", "bool");
  CHECK_ERROR(DTypeError, ones({2}, kBool) + ones({2}, kBool), "add", "numeric", "bool");
  CHECK_ERROR(DTypeError, ones({2}) + f64({1, 2}), "add", "dtypes must match", "a=float32", "b=float64");
  CHECK_ERROR(DTypeError, arange(2) * f64({1, 2}), "mul", "a=int64", "b=float64");
  CHECK_ERROR(DTypeError, maximum(arange(2), f64({1, 2})), "maximum", "a=int64", "b=float64");
  CHECK_ERROR(DTypeError, where(ones({2}), ones({2}), ones({2})), "where", "bool", "float32");
  CHECK_ERROR(DTypeError, where(b1({true, false}), ones({2}), arange(2)), "where", "a=float32", "b=int64");
  CHECK_ERROR(DTypeError, masked_fill(ones({2}), ones({2}), 0), "masked_fill", "bool", "float32");
  CHECK_ERROR(ShapeError, ones({2, 3}) - ones({2}), "sub", "shapes must broadcast", "a=[2, 3]", "b=[2]");
  CHECK_ERROR(ShapeError, ones({2, 3}) / ones({3, 2}), "div", "a=[2, 3]", "b=[3, 2]");
  CHECK_ERROR(ShapeError, maximum(ones({4}), ones({3})), "maximum", "a=[4]", "b=[3]");
  CHECK_ERROR(ShapeError, where(b1({true, false, true}), ones({2}), ones({2})), "where", "shapes must broadcast");
  CHECK_ERROR(ShapeError, masked_fill(ones({3}), tensor(std::vector<bool>{true, false, true, false, true, false}, {2, 3}), 0),
              "masked_fill", "mask must broadcast", "tensor=[3]", "mask=[2, 3]");
  CHECK_ERROR(ShapeError, ones({2}) < ones({3}), "lt", "a=[2]", "b=[3]");
}

TEST_CASE("elementwise: kernels agree with the reference on random layouts and broadcasts") {
  Generator g(5);
  auto random_operand = [&](const Shape& out) {
    // Drop some leading dims and set some sizes to 1 (broadcast), then lay it out at random.
    Shape s;
    const int drop = static_cast<int>(g.below(out.size() + 1));
    for (int i = drop; i < out.size(); ++i) s.push_back(g.below(3) == 0 ? 1 : out[i]);
    Shape big = s;
    for (auto& v : big) v += static_cast<std::int64_t>(g.below(2));  // room to slice
    Tensor t = uniform(big, -1, 1, kFloat64, &g);
    for (int i = 0; i < s.size(); ++i) t = t.narrow(i, big[i] - s[i], s[i]);
    if (s.size() >= 2 && s[0] == s[1] && g.below(2)) t = t.transpose(0, 1);
    if (g.below(3) == 0 && s.size() >= 1) t = t.unsqueeze(0).squeeze(0);
    return t;
  };
  for (int trial = 0; trial < 300; ++trial) {
    Shape out;
    const int r = static_cast<int>(g.below(5));
    for (int i = 0; i < r; ++i) out.push_back(1 + static_cast<std::int64_t>(g.below(4)));
    const Tensor a = random_operand(out), b = random_operand(out);
    CAPTURE(to_string(a.shape()));
    CAPTURE(to_string(a.strides()));
    CAPTURE(to_string(b.shape()));
    CAPTURE(to_string(b.strides()));
    check_close(a * b - a, ref_binary(a, b, [](double x, double y) { return x * y - x; }), 1e-15, "mul-sub:");
    check_close(maximum(a, b), ref_binary(a, b, [](double x, double y) { return std::max(x, y); }), 0, "maximum:");
    check_close(where(a > b, a, b), ref_binary(a, b, [](double x, double y) { return x > y ? x : y; }), 0, "where:");
    check_close(exp(a), ref_unary(a, [](double x) { return std::exp(x); }), 1e-15, "exp:");
    const Tensor lt32 = (a.to(kFloat32) < b.to(kFloat32)).to(kFloat64);
    check_close(lt32, ref_binary(a, b, [](double x, double y) { return double(float(x) < float(y)); }), 0, "lt f32:");
  }
}
