// conv2d (autograd/ops_conv.h) and nn::Conv2d: a hand-checked forward, the im2col + GEMM kernels
// against a naive seven-loop reference (odd sizes, stride, padding, dilation, groups, batch 1,
// non-contiguous input), op table rows (float32 vs float64, gradcheck of input, weight and bias),
// second derivatives, PyTorch's numbers (tests/reference/conv_ref.py), results the same at 1 and 2
// threads, the error texts, and the module: shapes, names, printing, gradcheck.
#include "op_table.h"

#include <focus/autograd/ops_conv.h>
#include <focus/nn/conv.h>

#include <cmath>

using namespace focus;
using namespace focus::testing;

namespace {

Conv2dOptions opts(std::array<std::int64_t, 2> stride, std::array<std::int64_t, 2> padding,
                   std::array<std::int64_t, 2> dilation = {1, 1}, std::int64_t groups = 1) {
  return {stride, padding, dilation, groups};
}

// The definition, one output element at a time: seven loops (b, o, oh, ow, c, i, j), in float64.
Tensor conv_naive(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const Conv2dOptions& o) {
  const auto x = x_in.contiguous().to_vector<double>(), w = w_in.contiguous().to_vector<double>();
  const std::vector<double> b = b_in.defined() ? b_in.to_vector<double>() : std::vector<double>();
  const std::int64_t B = x_in.shape()[0], C = x_in.shape()[1], H = x_in.shape()[2], W = x_in.shape()[3];
  const std::int64_t O = w_in.shape()[0], Cg = w_in.shape()[1], kH = w_in.shape()[2], kW = w_in.shape()[3];
  const std::int64_t Og = O / o.groups;
  const std::int64_t Ho = (H + 2 * o.padding[0] - o.dilation[0] * (kH - 1) - 1) / o.stride[0] + 1;
  const std::int64_t Wo = (W + 2 * o.padding[1] - o.dilation[1] * (kW - 1) - 1) / o.stride[1] + 1;
  std::vector<double> y(static_cast<std::size_t>(B * O * Ho * Wo));
  for (std::int64_t n = 0; n < B; ++n)
    for (std::int64_t oc = 0; oc < O; ++oc)
      for (std::int64_t oh = 0; oh < Ho; ++oh)
        for (std::int64_t ow = 0; ow < Wo; ++ow) {
          double acc = b.empty() ? 0.0 : b[oc];
          for (std::int64_t c = 0; c < Cg; ++c)
            for (std::int64_t i = 0; i < kH; ++i)
              for (std::int64_t j = 0; j < kW; ++j) {
                const std::int64_t ih = oh * o.stride[0] - o.padding[0] + i * o.dilation[0];
                const std::int64_t iw = ow * o.stride[1] - o.padding[1] + j * o.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const std::int64_t ic = oc / Og * Cg + c;
                acc += w[((oc * Cg + c) * kH + i) * kW + j] * x[((n * C + ic) * H + ih) * W + iw];
              }
          y[((n * O + oc) * Ho + oh) * Wo + ow] = acc;
        }
  return tensor(y, {B, O, Ho, Wo});
}

struct Case {
  std::string label;
  Shape x, w;
  Conv2dOptions o;
  bool bias = true;
  bool transposed = false;  // x's last two dims swapped in memory
};

// Small enough that gradcheck (two forwards per input element) stays fast.
std::vector<Case> cases() {
  return {
      {"3x3 odd sizes", {2, 3, 5, 7}, {4, 3, 3, 3}, opts({1, 1}, {0, 0})},
      {"stride 2 padding 1", {2, 2, 7, 6}, {3, 2, 3, 3}, opts({2, 2}, {1, 1})},
      {"uneven stride, padding, 2x1 kernel", {1, 3, 6, 5}, {2, 3, 2, 1}, opts({1, 2}, {2, 0})},
      {"dilation 2", {2, 2, 7, 7}, {2, 2, 3, 3}, opts({1, 1}, {1, 1}, {2, 2})},
      {"groups 2", {2, 4, 5, 5}, {6, 2, 3, 2}, opts({1, 1}, {1, 0}, {1, 1}, 2)},
      {"depthwise, stride 2, dilation 2", {1, 3, 9, 8}, {3, 1, 3, 3}, opts({2, 2}, {2, 1}, {2, 2}, 3)},
      {"1x1 (no im2col)", {2, 4, 3, 5}, {3, 4, 1, 1}, opts({1, 1}, {0, 0})},
      {"1x1 stride 2", {2, 4, 5, 5}, {3, 4, 1, 1}, opts({2, 2}, {0, 0})},
      {"batch 1, no bias", {1, 2, 4, 4}, {3, 2, 2, 2}, opts({1, 1}, {0, 0}), false},
      {"non-contiguous input", {2, 3, 5, 6}, {2, 3, 3, 3}, opts({1, 1}, {1, 1}), true, true},
  };
}

Inputs case_inputs(const Case& c, std::uint64_t seed) {
  Inputs in{c.transposed ? leaf_transposed(c.x, seed) : leaf(c.x, seed), leaf(c.w, seed + 1)};
  if (c.bias) in.push_back(leaf({c.w[0]}, seed + 2));
  return in;
}

Tensor run(const Inputs& in, const Conv2dOptions& o) {
  return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), o);
}

Tensor pattern(const Shape& shape, const std::function<double(double)>& f) {
  std::vector<double> v(numel_of(shape));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = f(double(i));
  return tensor(v, shape);
}

struct Summary {
  double sum, sumsq;
  std::vector<double> first;
};

void check_summary(const std::string& what, const Tensor& t, const Summary& r, double tol) {
  const auto v = t.to_vector<double>();
  double s = 0, s2 = 0;
  for (double e : v) s += e, s2 += e * e;
  CHECK_MESSAGE(std::abs(s - r.sum) < tol, what << " sum " << s << " vs torch " << r.sum);
  CHECK_MESSAGE(std::abs(s2 - r.sumsq) < tol * (1 + std::abs(r.sumsq)), what << " sumsq " << s2 << " vs torch " << r.sumsq);
  for (std::size_t i = 0; i < r.first.size(); ++i)
    CHECK_MESSAGE(std::abs(v[i] - r.first[i]) < tol, what << " element " << i << ": " << v[i] << " vs torch " << r.first[i]);
}

}  // namespace

TEST_CASE("conv2d: hand-checked values") {
  // A 2x2 kernel [[1, 0], [0, -1]] takes each pixel minus its lower-right neighbour: on 1..9 in a
  // 3x3 image that is 1 - 5 = -4 everywhere, plus the bias.
  const Tensor x = tensor(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Tensor w = tensor(std::vector<double>{1, 0, 0, -1}, {1, 1, 2, 2});
  CHECK(conv2d(x, w, tensor(std::vector<double>{0.5})).to_vector<double>() == std::vector<double>{-3.5, -3.5, -3.5, -3.5});
  // A 2x2 box sum over [[1, 2], [3, 4]] padded by 1: each output is the sum of the pixels it covers.
  const Tensor x2 = tensor(std::vector<double>{1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor y = conv2d(x2, ones({1, 1, 2, 2}, kFloat64), Tensor(), opts({1, 1}, {1, 1}));
  CHECK(y.shape() == Shape{1, 1, 3, 3});
  CHECK(y.to_vector<double>() == std::vector<double>{1, 3, 2, 4, 10, 6, 3, 7, 4});
  // Stride 2 keeps the corners; dilation 2 makes the 2x2 box read the 3x3 image's corners: 1+3+7+9.
  CHECK(conv2d(x2, ones({1, 1, 2, 2}, kFloat64), Tensor(), opts({2, 2}, {1, 1})).to_vector<double>() ==
        std::vector<double>{1, 2, 3, 4});
  CHECK(conv2d(x, ones({1, 1, 2, 2}, kFloat64), Tensor(), opts({1, 1}, {0, 0}, {2, 2})).to_vector<double>() ==
        std::vector<double>{20});
  // Its gradient: each input pixel is counted once per output that covers it.
  const Tensor xg = x2.detach().requires_grad_();
  conv2d(xg, ones({1, 1, 2, 2}, kFloat64), Tensor(), opts({1, 1}, {1, 1})).sum().backward();
  CHECK(xg.grad().to_vector<double>() == std::vector<double>{4, 4, 4, 4});
}

TEST_CASE("conv2d: forward equals the seven-loop definition in float64") {
  std::uint64_t seed = 10;
  for (const Case& c : cases()) {
    CAPTURE(c.label);
    const Inputs in = case_inputs(c, seed += 3);
    NoGradGuard ng;
    const Tensor y = run(in, c.o);
    check_close(y, conv_naive(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), c.o), 1e-13, c.label);
  }
}

TEST_CASE("conv2d: op table (float32 vs float64, gradcheck of input, weight and bias)") {
  for (const Case& c : cases()) {
    const OpSpec spec{"conv2d " + c.label, [o = c.o](const Inputs& in) { return run(in, o); },
                      [c] { return std::vector<OpSample>{{"sample", case_inputs(c, 40)}}; },
                      [o = c.o](const Inputs& in) {
                        return conv_naive(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), o);
                      }};
    check_op(spec);
  }
}

TEST_CASE("conv2d: second derivatives (gradgradcheck through conv2d_input_grad and conv2d_weight_grad)") {
  for (const Conv2dOptions& o : {opts({2, 1}, {1, 0}, {1, 2}, 2), opts({1, 1}, {0, 0})}) {
    const Inputs in{leaf({1, 2, 4, 5}, 71), leaf({2, 1, 2, 2}, 72), leaf({2}, 73)};
    const GradcheckResult r = gradgradcheck([o](const Inputs& v) { return run(v, o); },
                                            o.groups == 2 ? in : Inputs{in[0], leaf({2, 2, 2, 2}, 74), in[2]});
    CHECK_MESSAGE(r.ok, r.message);
  }
}

TEST_CASE("conv2d: matches PyTorch with groups, uneven stride, padding and dilation") {
  // Numbers from tests/reference/conv_ref.py (PyTorch 1.13, float64), same formulas for the inputs.
  const Tensor x = pattern({2, 4, 5, 6}, [](double i) { return std::sin(0.11 * i + 0.5); }).requires_grad_();
  const Tensor w = pattern({6, 2, 3, 2}, [](double i) { return 0.2 * std::sin(0.37 * i + 1.3); }).requires_grad_();
  const Tensor b = pattern({6}, [](double i) { return 0.1 * std::cos(0.7 * i); }).requires_grad_();
  const Tensor y = conv2d(x, w, b, opts({2, 1}, {1, 1}, {1, 2}, 2));
  REQUIRE(y.shape() == Shape{2, 6, 3, 6});
  (y * pattern(y.shape(), [](double i) { return std::cos(0.05 * i); })).sum().backward();
  check_summary("y", y, {0.72880380937322, 82.2148523574334,
                         {0.470151218634493, 0.944240175876263, 1.00582514353266, 1.05646067431731,
                          1.09553469585427, 0.663380264389697}}, 1e-11);
  check_summary("dx", x.grad(), {8.3021908601178, 38.8199403946647,
                                 {0.255872736329827, 0.506949331681058, 0.518324216329209, 0.52840356037457,
                                  0.537162170706249, 0.259307182302672}}, 1e-11);
  check_summary("dw", w.grad(), {-9.7935628924482, 1501.42407639656,
                                 {9.01829208864354, 8.0315020516343, 8.32939313170063, 7.24263942617188,
                                  9.11635757561753, 8.0134465968671}}, 1e-10);
  check_summary("db", b.grad(), {-19.0174722434987, 3088.3708749333,
                                 {31.458164043837, 19.9636224889082, -6.63899056004149, -28.2173479116615,
                                  -28.4413789200589, -7.14154138448201}}, 1e-10);
}

TEST_CASE("conv2d: output and gradients are bitwise the same at 1 and 2 threads") {
  // 13 samples: the weight gradient's 8 fixed chunks hold 1 or 2 samples, and the two threads
  // take different numbers of chunks.
  const int before = get_num_threads();
  std::vector<std::vector<float>> runs[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Generator gen(5);
    const Tensor x = uniform({13, 6, 9, 9}, -1, 1, kFloat32, &gen).requires_grad_();
    const Tensor w = uniform({8, 3, 3, 3}, -1, 1, kFloat32, &gen).requires_grad_();
    const Tensor b = uniform({8}, -1, 1, kFloat32, &gen).requires_grad_();
    const Tensor y = conv2d(x, w, b, opts({1, 1}, {1, 1}, {1, 1}, 2));
    (y * y).sum().backward();
    for (const Tensor& t : {y, x.grad(), w.grad(), b.grad()}) runs[threads - 1].push_back(t.to_vector<float>());
  }
  set_num_threads(before);
  for (std::size_t k = 0; k < runs[0].size(); ++k) {
    CAPTURE(k);
    CHECK(runs[0][k] == runs[1][k]);
  }
}

TEST_CASE("conv2d: errors name the rule and the shapes") {
  const Tensor x = zeros({2, 4, 5, 5}, kFloat64), w = zeros({6, 2, 3, 3}, kFloat64);
  const Conv2dOptions g2 = opts({1, 1}, {0, 0}, {1, 1}, 2);
  CHECK_ERROR(ShapeError, conv2d(zeros({4, 5, 5}, kFloat64), w),
              "conv2d: input must be 4-D [B, C_in, H, W] and weight 4-D", "got input=[4, 5, 5], weight=[6, 2, 3, 3]");
  CHECK_ERROR(ShapeError, conv2d(x, zeros({6, 4, 3}, kFloat64)), "conv2d: input must be 4-D",
              "got input=[2, 4, 5, 5], weight=[6, 4, 3]");
  CHECK_ERROR(DTypeError, conv2d(x.to(kFloat32), w), "conv2d: input, weight and bias must share one float dtype",
              "got input=float32, weight=float64");
  CHECK_ERROR(DTypeError, conv2d(x, w, zeros({6}, kFloat32), g2), "got input=float64, weight=float64, bias=float32");
  CHECK_ERROR(ShapeError, conv2d(x, zeros({6, 4, 0, 3}, kFloat64)), "conv2d: every size of weight must be positive");
  CHECK_ERROR(ShapeError, conv2d(x, w), "conv2d: input channels must equal weight.shape[1] * groups",
              "got input=[2, 4, 5, 5], weight=[6, 2, 3, 3], groups=1");
  CHECK_ERROR(ShapeError, conv2d(zeros({2, 5, 5, 5}, kFloat64), w, Tensor(), g2),
              "conv2d: input channels must be divisible by groups", "got input=[2, 5, 5, 5], weight=[6, 2, 3, 3], groups=2");
  CHECK_ERROR(ShapeError, conv2d(x, zeros({5, 2, 3, 3}, kFloat64), Tensor(), g2),
              "conv2d: weight's C_out must be divisible by groups", "weight=[5, 2, 3, 3], groups=2");
  CHECK_ERROR(ValueError, conv2d(x, w, Tensor(), opts({1, 1}, {0, 0}, {1, 1}, 0)), "conv2d: groups must be positive",
              "got groups=0, input=[2, 4, 5, 5], weight=[6, 2, 3, 3]");
  CHECK_ERROR(ValueError, conv2d(x, w, Tensor(), opts({0, 1}, {0, 0}, {1, 1}, 2)),
              "conv2d: stride and dilation must be positive", "got stride=[0, 1], dilation=[1, 1], input=[2, 4, 5, 5]");
  CHECK_ERROR(ValueError, conv2d(x, w, Tensor(), opts({1, 1}, {0, 0}, {1, -1}, 2)),
              "conv2d: stride and dilation must be positive", "dilation=[1, -1]");
  CHECK_ERROR(ValueError, conv2d(x, w, Tensor(), opts({1, 1}, {-1, 0}, {1, 1}, 2)),
              "conv2d: padding must not be negative", "got padding=[-1, 0], input=[2, 4, 5, 5], weight=[6, 2, 3, 3]");
  CHECK_ERROR(ShapeError, conv2d(x, w, zeros({4}, kFloat64), g2), "conv2d: bias must be [C_out]",
              "got bias=[4], input=[2, 4, 5, 5], weight=[6, 2, 3, 3]");
  CHECK_ERROR(ShapeError, conv2d(x, zeros({6, 2, 6, 3}, kFloat64), Tensor(), g2),
              "conv2d: the (dilated) kernel must fit in the padded input",
              "got input=[2, 4, 5, 5], weight=[6, 2, 6, 3], padding=[0, 0], dilation=[1, 1]");
  CHECK_ERROR(ShapeError, conv2d(x, w, Tensor(), opts({1, 1}, {0, 0}, {3, 1}, 2)),
              "conv2d: the (dilated) kernel must fit in the padded input", "dilation=[3, 1]");
  // Padding makes room: a 6-row kernel fits a 5-row image padded by 1.
  CHECK(conv2d(x, zeros({6, 2, 6, 3}, kFloat64), Tensor(), opts({1, 1}, {1, 0}, {1, 1}, 2)).shape() ==
        Shape{2, 6, 2, 3});
}

TEST_CASE("conv2d: Conv2d module shapes, names, printing, gradcheck, errors") {
  nn::Conv2d conv(1, 32, 3, 1, 1);
  CHECK(conv.weight.shape() == Shape{32, 1, 3, 3});
  CHECK(conv.bias.shape() == Shape{32});
  CHECK(conv.weight.dtype() == kFloat32);
  CHECK(conv.to_string() == "Conv2d(1, 32, kernel_size=[3, 3], stride=[1, 1], padding=[1, 1], bias=true)");
  CHECK(conv.forward(zeros({2, 1, 28, 28})).shape() == Shape{2, 32, 28, 28});
  std::vector<std::string> names;
  for (const auto& [name, t] : conv.state_dict()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"weight", "bias"});
  // Init as torch: every value within 1/sqrt(fan_in) = 1/3, and spread over most of that range.
  const auto wv = conv.weight.to_vector<double>();
  const auto [lo, hi] = std::minmax_element(wv.begin(), wv.end());
  CHECK(*lo >= -1.0 / 3);
  CHECK(*hi <= 1.0 / 3);
  CHECK(*hi - *lo > 0.5);

  nn::Conv2dConfig cfg{4, 6, {3, 2}};
  cfg.stride = {2, 1};
  cfg.padding = {1, 0};
  cfg.dilation = {1, 2};
  cfg.groups = 2;
  nn::Conv2d grouped(cfg, kFloat64);
  CHECK(grouped.weight.shape() == Shape{6, 2, 3, 2});
  CHECK(grouped.num_parameters() == 6 * 2 * 3 * 2 + 6);
  CHECK(grouped.to_string() ==
        "Conv2d(4, 6, kernel_size=[3, 2], stride=[2, 1], padding=[1, 0], dilation=[1, 2], groups=2, bias=true)");
  const Tensor x = leaf({2, 4, 5, 6}, 90);
  std::vector<Tensor> in{x};
  for (auto& p : grouped.parameters()) in.push_back(p);
  const auto r = gradcheck([&](const Inputs& v) { return grouped.forward(v[0]); }, in);
  CHECK_MESSAGE(r.ok, r.message);

  nn::Conv2d no_bias(3, 2, 1, 1, 0, false, kFloat64);
  CHECK(no_bias.num_parameters() == 6);
  CHECK(no_bias.to_string() == "Conv2d(3, 2, kernel_size=[1, 1], stride=[1, 1], padding=[0, 0], bias=false)");

  CHECK_ERROR(ShapeError, conv.forward(zeros({2, 3, 28, 28})), "conv2d: input channels must equal weight.shape[1] * groups",
              "got input=[2, 3, 28, 28], weight=[32, 1, 3, 3]");
  CHECK_ERROR(ValueError, nn::Conv2d(0, 4, 3), "Conv2d: in_channels, out_channels, kernel_size and groups must be positive",
              "got in_channels=0, out_channels=4, kernel_size=[3, 3], groups=1");
  nn::Conv2dConfig bad{3, 4, {3, 3}};
  bad.groups = 2;
  CHECK_ERROR(ValueError, nn::Conv2d(bad), "Conv2d: in_channels and out_channels must be divisible by groups",
              "got in_channels=3, out_channels=4, groups=2");
}
