// batch_norm (autograd/ops_nn.h) and nn::BatchNorm2d: values by hand, op table rows against the
// composition from mean and sqrt (input, weight and bias gradchecked in training and eval), the
// running-statistics update (momentum, unbiased variance), PyTorch's numbers from
// tests/reference/pool_norm_ref.py, second derivatives, the module's buffers and the errors.
#include "op_table.h"

#include <focus/nn/batch_norm.h>
#include <focus/tensor/threads.h>

using namespace focus;
using namespace focus::testing;

namespace {

// [1, C, 1, ..]: a [C] tensor viewed to broadcast over x's channel dim.
Tensor per_channel(const Tensor& t, const Tensor& x) {
  Shape s{1, x.shape()[1]};
  for (int d = 2; d < x.dim(); ++d) s.push_back(1);
  return t.reshape(s);
}

Tensor batch_norm_composed(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm, const Tensor& rv,
                           bool training, double eps = 1e-5) {
  Dims dims{0};
  for (int d = 2; d < x.dim(); ++d) dims.push_back(d);
  const Tensor xc = training ? x - mean(x, dims, true) : x - per_channel(rm, x);
  const Tensor var = training ? mean(xc * xc, dims, true) : per_channel(rv, x);
  Tensor y = xc / sqrt(var + eps);
  if (w.defined()) y = y * per_channel(w, x);
  if (b.defined()) y = y + per_channel(b, x);
  return y;
}

// Fixed running statistics of C channels in x's dtype, for eval rows.
Tensor running_mean_for(const Tensor& x) {
  std::vector<double> v;
  for (std::int64_t c = 0; c < x.shape()[1]; ++c) v.push_back(0.3 * c - 0.2);
  return tensor(v, {x.shape()[1]}).to(x.dtype());
}
Tensor running_var_for(const Tensor& x) { return (running_mean_for(x) * running_mean_for(x) + 0.5).to(x.dtype()); }

OpSpec batch_norm_row(bool training, bool affine) {
  auto samples = [affine] {
    auto with_params = [&](Tensor x, std::uint64_t seed) {
      Inputs in = {x};
      if (affine) in.push_back(leaf({x.shape()[1]}, seed + 100, 0.5, 1.5)), in.push_back(leaf({x.shape()[1]}, seed + 200));
      return in;
    };
    return std::vector<OpSample>{
        {"[4, 3, 5, 2]", with_params(leaf({4, 3, 5, 2}, 11, -2, 2), 11)},
        {"[B, C] = [5, 3]", with_params(leaf({5, 3}, 12), 12)},
        {"batch 1", with_params(leaf({1, 2, 3, 3}, 13), 13)},
        {"transposed", with_params(leaf_transposed({3, 2, 4, 3}, 14), 14)},
        {"strided", with_params(leaf_strided({2, 2, 3, 3}, 15), 15)},
    };
  };
  auto fn = [training, affine](const Inputs& in) {
    const Tensor w = affine ? in[1] : Tensor(), b = affine ? in[2] : Tensor();
    if (training) return batch_norm(in[0], {}, {}, w, b, true);
    return batch_norm(in[0], running_mean_for(in[0]), running_var_for(in[0]), w, b, false);
  };
  auto ref = [training, affine](const Inputs& in) {
    return batch_norm_composed(in[0], affine ? in[1] : Tensor(), affine ? in[2] : Tensor(), running_mean_for(in[0]),
                               running_var_for(in[0]), training);
  };
  return {std::string("batch_norm ") + (training ? "training" : "eval") + (affine ? " affine" : ""), fn, samples, ref};
}

// The formulas of tests/reference/pool_norm_ref.py (see there) and its checksum sum_i v[i] cos(0.3 i).
Tensor formula(std::int64_t n, const std::function<double(std::int64_t)>& f, const Shape& shape) {
  std::vector<double> v(n);
  for (std::int64_t i = 0; i < n; ++i) v[i] = f(i);
  return tensor(v, shape);
}
double checksum(const Tensor& t) {
  const auto v = t.to_vector<double>();
  double s = 0;
  for (std::size_t i = 0; i < v.size(); ++i) s += v[i] * std::cos(0.3 * i);
  return s;
}

}  // namespace

TEST_CASE("batch_norm: by hand, and the running statistics update with momentum and unbiased variance") {
  // Channel 0 holds {1, 2, 6}: mean 3, biased variance 14/3, unbiased 7; channel 1 {0, 0, 3}: 1, 2, 3.
  const Tensor x = tensor(std::vector<double>{1, 0, 2, 0, 6, 3}, {3, 2});
  Tensor rm = tensor(std::vector<double>{0.5, -1}, {2}), rv = tensor(std::vector<double>{2, 4}, {2});
  const Tensor y = batch_norm(x, rm, rv, {}, {}, true, 0.3, 0.0);
  const double s0 = std::sqrt(14.0 / 3), s1 = std::sqrt(2.0);
  check_close(y, tensor(std::vector<double>{-2 / s0, -1 / s1, -1 / s0, -1 / s1, 3 / s0, 2 / s1}, {3, 2}), 1e-15);
  check_close(rm, tensor(std::vector<double>{0.7 * 0.5 + 0.3 * 3, 0.7 * -1 + 0.3 * 1}, {2}), 1e-15);
  check_close(rv, tensor(std::vector<double>{0.7 * 2 + 0.3 * 7, 0.7 * 4 + 0.3 * 3}, {2}), 1e-15);

  // eval normalises with the running statistics and leaves them alone
  const Tensor e = batch_norm(x, rm, rv, tensor(std::vector<double>{2, 1}, {2}), {}, false, 0.3, 0.0);
  CHECK(e.to_vector<double>()[0] == doctest::Approx(2 * (1 - 1.25) / std::sqrt(3.5)).epsilon(1e-14));
  check_close(rm, tensor(std::vector<double>{1.25, -0.4}, {2}), 1e-15);
}

TEST_CASE("batch_norm: op table rows (composed reference, float32 vs float64, gradcheck of input, weight, bias)") {
  for (bool training : {true, false})
    for (bool affine : {true, false}) check_op(batch_norm_row(training, affine));
}

TEST_CASE("batch_norm: second derivatives in training and eval") {
  const Inputs in = {leaf({3, 2, 2, 2}, 21), leaf({2}, 22, 0.5, 1.5), leaf({2}, 23)};
  for (bool training : {true, false}) {
    const GradcheckResult r = gradgradcheck(
        [training](const Inputs& v) {
          return training ? batch_norm(v[0], {}, {}, v[1], v[2], true)
                          : batch_norm(v[0], running_mean_for(v[0]), running_var_for(v[0]), v[1], v[2], false);
        },
        in);
    CHECK_MESSAGE(r.ok, (training ? "training: " : "eval: ") << r.message);
  }
}

TEST_CASE("batch_norm: PyTorch's values (tests/reference/pool_norm_ref.py)") {
  struct Want {
    double y0, y, dx, dweight, dbias, running_mean, running_var;
  };
  for (bool training : {true, false}) {
    CAPTURE(training);
    const Want want = training ? Want{0.066135681691177797, 19.235843312873595, -1.0133105378658367,
                                      -8.6270879762828638, -0.068302962822432534, 0.21867023783204143,
                                      2.4023640751895003}
                               : Want{0.32378866197185563, 30.418255701830837, 0.86875270530895654,
                                      -13.879591217698668, -0.068302962822432534, 0.24313433338546414,
                                      2.0418379817538828};
    Tensor x = formula(120, [](std::int64_t i) { return 2 * std::sin(0.37 * i + 0.1); }, {4, 3, 5, 2}).requires_grad_();
    Tensor w = formula(3, [](std::int64_t c) { return 1 + 0.1 * c; }, {3}).requires_grad_();
    Tensor b = formula(3, [](std::int64_t c) { return 0.05 * c - 0.1; }, {3}).requires_grad_();
    Tensor rm = formula(3, [](std::int64_t c) { return 0.2 * c - 0.1; }, {3});
    Tensor rv = formula(3, [](std::int64_t c) { return 0.5 + 0.25 * c; }, {3});
    Tensor y = batch_norm(x, rm, rv, w, b, training, 0.1, 1e-5);
    y.backward(formula(120, [](std::int64_t i) { return std::cos(0.5 * i); }, y.shape()));
    CHECK(y.to_vector<double>()[0] == doctest::Approx(want.y0).epsilon(1e-12));
    CHECK(checksum(y) == doctest::Approx(want.y).epsilon(1e-12));
    CHECK(checksum(x.grad()) == doctest::Approx(want.dx).epsilon(1e-11));
    CHECK(checksum(w.grad()) == doctest::Approx(want.dweight).epsilon(1e-12));
    CHECK(checksum(b.grad()) == doctest::Approx(want.dbias).epsilon(1e-12));
    CHECK(checksum(rm) == doctest::Approx(want.running_mean).epsilon(1e-12));
    CHECK(checksum(rv) == doctest::Approx(want.running_var).epsilon(1e-12));
  }
}

TEST_CASE("batch_norm: results do not depend on the thread count") {
  const Tensor x = leaf({8, 6, 30, 30}, 31).detach().to(kFloat32);  // large enough to be split across threads
  const Tensor g = leaf({8, 6, 30, 30}, 32).detach().to(kFloat32);
  const int before = get_num_threads();
  std::vector<std::vector<float>> runs;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor xi = x.detach().requires_grad_();
    Tensor y = batch_norm(xi, {}, {}, {}, {}, true);
    y.backward(g);
    std::vector<float> v = y.to_vector<float>(), d = xi.grad().to_vector<float>();
    v.insert(v.end(), d.begin(), d.end());
    runs.push_back(v);
  }
  set_num_threads(before);
  CHECK(runs[0] == runs[1]);
}

TEST_CASE("batch_norm: errors name the op, the rule and the shapes") {
  const Tensor x = zeros({2, 3, 4}, kFloat64), c3 = zeros({3}, kFloat64);
  CHECK_ERROR(ShapeError, batch_norm(zeros({3}, kFloat64), {}, {}, {}, {}, true),
              "batch_norm: input must be [B, C, ..] (rank >= 2); got input=[3]");
  CHECK_ERROR(ShapeError, batch_norm(x, c3, c3, zeros({4}, kFloat64), {}, true),
              "batch_norm: weight must be [C], C = input's dim 1; got weight=[4], input=[2, 3, 4]");
  CHECK_ERROR(ValueError, batch_norm(x, {}, {}, {}, {}, false),
              "batch_norm: eval mode needs running_mean and running_var; got input=[2, 3, 4]");
  CHECK_ERROR(ValueError, batch_norm(zeros({1, 3}, kFloat64), c3, c3, {}, {}, true),
              "batch_norm: expected more than 1 value per channel when training; got input=[1, 3]");
  CHECK_ERROR(DTypeError, batch_norm(x, zeros({3}), c3, {}, {}, true), "batch_norm");
}

TEST_CASE("batch_norm: BatchNorm2d's parameters and buffers, train and eval, printing, errors") {
  nn::BatchNorm2d bn(3);
  std::vector<std::string> names;
  for (const auto& [name, t] : bn.state_dict()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK(bn.num_batches_tracked.dtype() == kInt64);
  CHECK(bn.num_batches_tracked.shape() == Shape{});
  CHECK(bn.parameters().size() == 2);
  CHECK(bn.to_string() == "BatchNorm2d(num_features=3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");

  const Tensor x = leaf({4, 3, 5, 5}, 41, 1, 3).detach().to(kFloat32);
  const Tensor y = bn.forward(x);  // training: batch statistics, running ones updated
  check_close(y.to(kFloat64), batch_norm_composed(x.to(kFloat64), {}, {}, {}, {}, true), 1e-5);
  CHECK(bn.num_batches_tracked.item<std::int64_t>() == 1);
  const double mean0 = x.to(kFloat64).select(1, 0).mean().item<double>();
  CHECK(bn.running_mean.to_vector<double>()[0] == doctest::Approx(0.1 * mean0).epsilon(1e-6));

  bn.eval();
  const Tensor e = bn.forward(x);
  check_close(e, batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, false), 0);
  CHECK(bn.num_batches_tracked.item<std::int64_t>() == 1);

  bn.to(kFloat64);
  CHECK(bn.running_var.dtype() == kFloat64);
  CHECK(bn.num_batches_tracked.dtype() == kInt64);
  nn::BatchNorm2d copy(3, 1e-5, 0.1, true, true, kFloat64);
  copy.load_state_dict(bn.state_dict());
  CHECK(copy.num_batches_tracked.item<std::int64_t>() == 1);
  check_close(copy.running_mean, bn.running_mean, 0);

  nn::BatchNorm2d plain(3, 1e-3, 0.2, false, false);
  CHECK(plain.state_dict().size() == 0);
  plain.eval();  // no running statistics: the batch's own, in eval too
  check_close(plain.forward(x).to(kFloat64), batch_norm_composed(x.to(kFloat64), {}, {}, {}, {}, true, 1e-3), 1e-5);
  CHECK(plain.to_string() == "BatchNorm2d(num_features=3, eps=0.001, momentum=0.2, affine=false, track_running_stats=false)");

  CHECK_ERROR(ValueError, nn::BatchNorm2d(0), "BatchNorm2d: num_features must be positive; got num_features=0");
  CHECK_ERROR(ShapeError, bn.forward(zeros({2, 4, 3, 3}, kFloat64)),
              "BatchNorm2d: input must be [B, C, H, W] with C = num_features; got input=[2, 4, 3, 3], num_features=3");
  CHECK_ERROR(ShapeError, bn.forward(zeros({2, 3}, kFloat64)), "BatchNorm2d: input must be [B, C, H, W]");
  bn.train();
  CHECK_ERROR(ValueError, bn.forward(zeros({1, 3, 1, 1}, kFloat64)), "expected more than 1 value per channel");
}
