// Pooling and flatten (autograd/ops_pool.h, nn/pooling.h): hand-checked values, op table rows
// against naive loops over padded windows (odd sizes, strides, padding, batch 1, [C, H, W],
// non-contiguous input), PyTorch's numbers from tests/reference/pool_norm_ref.py, second
// derivatives, thread-count independence, the modules and the errors.
#include "op_table.h"

#include <focus/autograd/ops_pool.h>
#include <focus/nn/pooling.h>
#include <focus/tensor/threads.h>

#include <limits>

using namespace focus;
using namespace focus::testing;

namespace {

enum class Pool { Max, Avg, Adaptive };

// The pooling written as its definition, one output at a time: window (i, j) of a sliding pool
// covers padded rows i stride - padding .. + kernel; an adaptive bin is [floor(i H / OH), ceil(..)).
Tensor naive_pool(const Tensor& x, Pool kind, std::array<std::int64_t, 2> k, std::array<std::int64_t, 2> s,
                  std::array<std::int64_t, 2> p, std::array<std::int64_t, 2> adaptive_out = {0, 0}) {
  const int r = x.dim();
  const std::int64_t H = x.shape()[r - 2], W = x.shape()[r - 1], P = x.numel() / (H * W);
  std::array<std::int64_t, 2> out = adaptive_out;
  if (kind != Pool::Adaptive)
    for (int a = 0; a < 2; ++a) out[a] = (x.shape()[r - 2 + a] + 2 * p[a] - k[a]) / s[a] + 1;
  auto bounds = [&](int a, std::int64_t i, std::int64_t n) -> std::array<std::int64_t, 3> {  // lo, hi, divisor
    if (kind == Pool::Adaptive) {
      const std::int64_t lo = std::floor(double(i) * n / out[a]), hi = std::ceil(double(i + 1) * n / out[a]);
      return {lo, hi, hi - lo};
    }
    return {i * s[a] - p[a], i * s[a] - p[a] + k[a], k[a]};
  };
  const auto v = x.to_vector<double>();
  std::vector<double> y;
  for (std::int64_t plane = 0; plane < P; ++plane)
    for (std::int64_t i = 0; i < out[0]; ++i)
      for (std::int64_t j = 0; j < out[1]; ++j) {
        const auto rb = bounds(0, i, H), cb = bounds(1, j, W);
        double m = -std::numeric_limits<double>::infinity(), sum = 0;
        for (std::int64_t h = rb[0]; h < rb[1]; ++h)
          for (std::int64_t w = cb[0]; w < cb[1]; ++w) {
            if (h < 0 || h >= H || w < 0 || w >= W) continue;  // padding: -inf for max, 0 for the sum
            m = std::max(m, v[(plane * H + h) * W + w]);
            sum += v[(plane * H + h) * W + w];
          }
        y.push_back(kind == Pool::Max ? m : sum / double(rb[2] * cb[2]));
      }
  Shape shape = x.shape();
  shape[r - 2] = out[0];
  shape[r - 1] = out[1];
  return tensor(y, shape);
}

Pool2dOptions opts(std::array<std::int64_t, 2> k, std::array<std::int64_t, 2> s, std::array<std::int64_t, 2> p) {
  return {k, s, p};
}

std::vector<OpSample> pool_samples() {
  return {
      {"odd [2, 3, 7, 5]", {leaf({2, 3, 7, 5}, 1)}},
      {"batch 1", {leaf({1, 2, 6, 6}, 2)}},
      {"[C, H, W]", {leaf({3, 5, 7}, 3)}},
      {"transposed", {leaf_transposed({2, 2, 5, 6}, 4)}},
      {"strided", {leaf_strided({2, 2, 6, 5}, 5)}},
  };
}

OpSpec pool_row(Pool kind, std::array<std::int64_t, 2> k, std::array<std::int64_t, 2> s, std::array<std::int64_t, 2> p) {
  const Pool2dOptions o = opts(k, s, p);
  const std::string name = std::string(kind == Pool::Max ? "max_pool2d" : "avg_pool2d") + " k=[" +
                           std::to_string(k[0]) + "," + std::to_string(k[1]) + "] s=[" + std::to_string(s[0]) + "," +
                           std::to_string(s[1]) + "] p=[" + std::to_string(p[0]) + "," + std::to_string(p[1]) + "]";
  auto fn = [kind, o](const Inputs& in) { return kind == Pool::Max ? max_pool2d(in[0], o) : avg_pool2d(in[0], o); };
  auto ref = [kind, k, s, p](const Inputs& in) {
    return naive_pool(in[0], kind, k, {s[0] ? s[0] : k[0], s[1] ? s[1] : k[1]}, p);
  };
  return {name, fn, pool_samples, ref};
}

OpSpec adaptive_row(std::array<std::int64_t, 2> out) {
  auto fn = [out](const Inputs& in) { return adaptive_avg_pool2d(in[0], out); };
  auto ref = [out](const Inputs& in) { return naive_pool(in[0], Pool::Adaptive, {}, {}, {}, out); };
  return {"adaptive_avg_pool2d [" + std::to_string(out[0]) + "," + std::to_string(out[1]) + "]", fn, pool_samples, ref};
}

// The formulas of tests/reference/pool_norm_ref.py: x[i] = 2 sin(0.37 i + 0.1), g[i] = cos(0.5 i).
Tensor formula(const Shape& shape, double (*f)(std::int64_t)) {
  std::vector<double> v(numel_of(shape));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = f(i);
  return tensor(v, shape);
}
double x_formula(std::int64_t i) { return 2 * std::sin(0.37 * i + 0.1); }
double g_formula(std::int64_t i) { return std::cos(0.5 * i); }

// The script's checksum: sum_i v[i] cos(0.3 i).
double checksum(const Tensor& t) {
  const auto v = t.to_vector<double>();
  double s = 0;
  for (std::size_t i = 0; i < v.size(); ++i) s += v[i] * std::cos(0.3 * i);
  return s;
}

}  // namespace

TEST_CASE("pooling: max_pool2d by hand, ties sending the gradient to the first max") {
  Tensor x = formula({1, 1, 4, 4}, [](std::int64_t i) { return double(i); }).requires_grad_();
  Tensor y = max_pool2d(x, opts({2, 2}, {0, 0}, {0, 0}));
  CHECK(y.to_vector<double>() == std::vector<double>{5, 7, 13, 15});
  y.sum().backward();
  std::vector<double> dx(16, 0.0);
  for (int i : {5, 7, 13, 15}) dx[i] = 1;
  CHECK(x.grad().to_vector<double>() == dx);

  // All equal: each of the 9 windows (padding 1, stride 1) picks its first real cell in row-major
  // order, so the corner (0, 0) gets the gradient of the 4 windows that start at or before it.
  Tensor same = ones({1, 3, 3}, kFloat64).requires_grad_();
  max_pool2d(same, opts({3, 3}, {1, 1}, {1, 1})).sum().backward();
  CHECK(same.grad().to_vector<double>() == std::vector<double>{4, 2, 0, 2, 1, 0, 0, 0, 0});
}

TEST_CASE("pooling: avg_pool2d counts padding in the divisor, adaptive 1x1 is the plane mean") {
  Tensor x = ones({1, 1, 2, 2}, kFloat64).requires_grad_();
  Tensor y = avg_pool2d(x, opts({3, 3}, {1, 1}, {1, 1}));
  CHECK(y.to_vector<double>() == std::vector<double>{4.0 / 9, 4.0 / 9, 4.0 / 9, 4.0 / 9});
  y.sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{4.0 / 9, 4.0 / 9, 4.0 / 9, 4.0 / 9});

  Tensor z = formula({2, 3, 2, 2}, [](std::int64_t i) { return double(i); });
  CHECK(adaptive_avg_pool2d(z, {1, 1}).to_vector<double>() == std::vector<double>{1.5, 5.5, 9.5, 13.5, 17.5, 21.5});
  CHECK(adaptive_avg_pool2d(z, {1, 1}).shape() == Shape{2, 3, 1, 1});
}

TEST_CASE("pooling: op table rows (naive loops, float32 vs float64, gradcheck)") {
  for (const OpSpec& spec : {pool_row(Pool::Max, {2, 2}, {0, 0}, {0, 0}), pool_row(Pool::Max, {3, 3}, {2, 2}, {1, 1}),
                             pool_row(Pool::Max, {3, 2}, {1, 2}, {1, 1}), pool_row(Pool::Avg, {2, 2}, {0, 0}, {0, 0}),
                             pool_row(Pool::Avg, {3, 3}, {2, 2}, {1, 1}), pool_row(Pool::Avg, {2, 3}, {2, 1}, {0, 1}),
                             adaptive_row({1, 1}), adaptive_row({3, 2}), adaptive_row({4, 5})})
    check_op(spec);
  check_op({"flatten(1)", [](const Inputs& in) { return in[0].flatten(1); },
            [] { return std::vector<OpSample>{{"transposed", {leaf_transposed({2, 3, 4}, 6)}}}; },
            [](const Inputs& in) { return tensor(in[0].to_vector<double>(), {2, 12}); }});
}

TEST_CASE("pooling: second derivatives (the backward is differentiable under create_graph)") {
  const Tensor x = leaf({1, 2, 5, 5}, 7);
  for (const auto& fn : std::vector<OpFn>{
           [](const Inputs& in) { return max_pool2d(in[0], opts({3, 3}, {2, 2}, {1, 1})); },
           [](const Inputs& in) { return avg_pool2d(in[0], opts({3, 2}, {1, 2}, {1, 0})); },
           [](const Inputs& in) { return adaptive_avg_pool2d(in[0], {2, 3}); }}) {
    const GradcheckResult r = gradgradcheck(fn, {x});
    CHECK_MESSAGE(r.ok, r.message);
  }
}

TEST_CASE("pooling: PyTorch's values (tests/reference/pool_norm_ref.py)") {
  struct Case {
    std::string name;
    std::function<Tensor(const Tensor&)> fn;
    Shape y_shape;
    double y0, y_check, dx_check;
  };
  const std::vector<Case> cases = {
      {"max k3 s2 p1", [](const Tensor& x) { return max_pool2d(x, opts({3, 3}, {2, 2}, {1, 1})); }, {2, 3, 4, 3},
       1.4644628880605028, 3.0333680578712294, -0.43607436194609273},
      {"max k[2,3] s[1,2] p[1,0]", [](const Tensor& x) { return max_pool2d(x, opts({2, 3}, {1, 2}, {1, 0})); },
       {2, 3, 8, 2}, 1.4892862399417186, 0.56574983146962587, -1.9933120181154478},
      {"avg k3 s2 p1", [](const Tensor& x) { return avg_pool2d(x, opts({3, 3}, {2, 2}, {1, 1})); }, {2, 3, 4, 3},
       0.38252227293694985, -1.673448479005549, 0.36568119017492678},
      {"avg k[3,2] s[2,1] p[1,0]", [](const Tensor& x) { return avg_pool2d(x, opts({3, 2}, {2, 1}, {1, 0})); },
       {2, 3, 4, 5}, 0.57378340940542472, -0.10716807759873614, 0.01101638893341092},
      {"adaptive [3,4]", [](const Tensor& x) { return adaptive_avg_pool2d(x, {3, 4}); }, {2, 3, 3, 4},
       -0.081455317027218019, 0.59991780733201727, -1.9645242254995583},
      {"adaptive [1,1]", [](const Tensor& x) { return adaptive_avg_pool2d(x, {1, 1}); }, {2, 3, 1, 1},
       0.25428775175631274, 0.13525169939575171, 0.0033684838305696983},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Tensor x = formula({2, 3, 7, 6}, x_formula).requires_grad_();
    Tensor y = c.fn(x);
    y.backward(formula(y.shape(), g_formula));
    CHECK(y.shape() == c.y_shape);
    CHECK(y.to_vector<double>()[0] == doctest::Approx(c.y0).epsilon(1e-12));
    CHECK(checksum(y) == doctest::Approx(c.y_check).epsilon(1e-12));
    CHECK(checksum(x.grad()) == doctest::Approx(c.dx_check).epsilon(1e-12));
  }
}

TEST_CASE("pooling: results do not depend on the thread count") {
  const Tensor x = leaf({4, 8, 33, 31}, 8).detach().to(kFloat32);  // large enough to be split across threads
  const int before = get_num_threads();
  std::vector<std::vector<float>> runs;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    const Tensor m = max_pool2d(x, opts({2, 2}, {0, 0}, {0, 0})), a = avg_pool2d(x, opts({3, 3}, {2, 2}, {1, 1}));
    std::vector<float> v = m.to_vector<float>(), w = a.to_vector<float>();
    v.insert(v.end(), w.begin(), w.end());
    runs.push_back(v);
  }
  set_num_threads(before);
  CHECK(runs[0] == runs[1]);
}

TEST_CASE("pooling: errors name the op, the rule and the shapes") {
  const Tensor x = zeros({1, 2, 5, 5}, kFloat64);
  CHECK_ERROR(ShapeError, max_pool2d(zeros({5, 5}), opts({2, 2}, {0, 0}, {0, 0})),
              "max_pool2d: input must be [B, C, H, W] or [C, H, W]; got input=[5, 5]");
  CHECK_ERROR(ValueError, avg_pool2d(x, opts({0, 2}, {0, 0}, {0, 0})),
              "avg_pool2d: kernel_size must be positive; got input=[1, 2, 5, 5], kernel_size=[0, 2]");
  CHECK_ERROR(ValueError, max_pool2d(x, opts({2, 2}, {-1, 1}, {0, 0})), "max_pool2d: stride must be >= 0",
              "stride=[-1, 1]");
  CHECK_ERROR(ValueError, max_pool2d(x, opts({3, 3}, {1, 1}, {2, 0})),
              "max_pool2d: padding must be >= 0 and at most half of kernel_size", "padding=[2, 0]");
  CHECK_ERROR(ShapeError, avg_pool2d(x, opts({6, 6}, {0, 0}, {0, 0})), "avg_pool2d: the output would be empty",
              "input=[1, 2, 5, 5], kernel_size=[6, 6]");
  CHECK_ERROR(ShapeError, adaptive_avg_pool2d(x, {0, 1}),
              "adaptive_avg_pool2d: output_size and the input's H and W must be positive; got input=[1, 2, 5, 5], "
              "output_size=[0, 1]");
  CHECK_ERROR(DTypeError, max_pool2d(zeros({1, 1, 2, 2}, kInt64), opts({2, 2}, {0, 0}, {0, 0})), "max_pool2d");
}

TEST_CASE("pooling: the modules forward, print and check their options") {
  const Tensor x = leaf({2, 3, 8, 8}, 9);
  nn::MaxPool2d max(2);
  nn::AvgPool2d avg(3, 2, 1);
  nn::AdaptiveAvgPool2d gap(1);
  nn::Flatten flat;
  CHECK(max.forward(x).shape() == Shape{2, 3, 4, 4});
  check_close(avg.forward(x), avg_pool2d(x, opts({3, 3}, {2, 2}, {1, 1})), 0);
  CHECK(flat.forward(gap.forward(x)).shape() == Shape{2, 3});
  CHECK(nn::Flatten(0, 1).forward(x).shape() == Shape{6, 8, 8});
  CHECK(nn::MaxPool2d(opts({2, 3}, {1, 0}, {1, 1})).options().stride == std::array<std::int64_t, 2>{1, 3});
  CHECK(max.to_string() == "MaxPool2d(kernel_size=2, stride=2, padding=0)");
  CHECK(avg.to_string() == "AvgPool2d(kernel_size=3, stride=2, padding=1)");
  CHECK(nn::AvgPool2d(opts({2, 3}, {0, 0}, {1, 0})).to_string() ==
        "AvgPool2d(kernel_size=[2, 3], stride=[2, 3], padding=[1, 0])");
  CHECK(gap.to_string() == "AdaptiveAvgPool2d(output_size=1)");
  CHECK(flat.to_string() == "Flatten(start_dim=1, end_dim=-1)");
  CHECK(max.parameters().empty());
  CHECK_ERROR(ValueError, nn::MaxPool2d(0), "MaxPool2d: kernel_size must be positive; got kernel_size=0");
  CHECK_ERROR(ValueError, nn::AvgPool2d(2, 1, 2), "AvgPool2d: padding must be >= 0 and at most half of kernel_size");
  CHECK_ERROR(ValueError, nn::AdaptiveAvgPool2d(0), "AdaptiveAvgPool2d: output_size must be positive");
  CHECK_ERROR(ShapeError, max.forward(zeros({4}, kFloat64)), "max_pool2d: input must be");
}
