// Reductions beyond sum and mean: var, logsumexp, max/min (over all and along a dim), argmax,
// argmin, topk. Hand-checked values, the op table (naive reference, float32, gradcheck on batched,
// size-1, broadcast and non-contiguous inputs), second derivatives, the tie rule, and errors.
#include "op_table.h"

#include <algorithm>
#include <limits>

using namespace focus;
using namespace focus::testing;

namespace {

// ---- naive references ---------------------------------------------------------------------------

using Fold = std::function<double(const std::vector<double>&)>;

// f of the elements of x in each output position of a reduction over dims (empty: all dims).
Tensor ref_reduce(const Tensor& x, std::vector<int> dims, bool keepdim, const Fold& f) {
  if (dims.empty())
    for (int d = 0; d < x.dim(); ++d) dims.push_back(d);
  Shape kept = x.shape(), dropped;
  for (int d : dims) kept[d] = 1;
  for (int d = 0; d < x.dim(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) dropped.push_back(x.shape()[d]);
  std::vector<std::vector<double>> buckets(numel_of(kept));
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    auto idx = unravel(i, x.shape());
    for (int d : dims) idx[d] = 0;
    buckets[ravel(idx, kept)].push_back(broadcast_at(x, x.shape(), i));
  }
  std::vector<double> out;
  for (const auto& b : buckets) out.push_back(f(b));
  return tensor(out, keepdim ? kept : dropped);
}

// f of each slice of x along dim, a list of values that replaces the dim.
Tensor ref_along(const Tensor& x, int dim, std::int64_t out_size,
                 const std::function<std::vector<double>(std::vector<double>)>& f) {
  Shape out_shape = x.shape();
  out_shape[dim] = out_size;
  Tensor out = zeros(out_shape, kFloat64);
  Shape rows = x.shape();
  rows[dim] = 1;
  for (std::int64_t r = 0; r < numel_of(rows); ++r) {
    auto idx = unravel(r, rows);
    std::vector<double> slice;
    for (idx[dim] = 0; idx[dim] < x.shape()[dim]; ++idx[dim]) slice.push_back(broadcast_at(x, x.shape(), ravel(idx, x.shape())));
    const auto picked = f(slice);
    for (idx[dim] = 0; idx[dim] < out_size; ++idx[dim]) out.data_ptr<double>()[ravel(idx, out_shape)] = picked[idx[dim]];
  }
  return out;
}

double ref_var(const std::vector<double>& v, int correction) {
  double m = 0, s = 0;
  for (double e : v) m += e;
  m /= v.size();
  for (double e : v) s += (e - m) * (e - m);
  return s / (static_cast<double>(v.size()) - correction);
}

double ref_logsumexp(const std::vector<double>& v) {
  double s = 0;
  for (double e : v) s += std::exp(e);
  return std::log(s);
}

double ref_max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double ref_min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

std::vector<double> ref_topk(std::vector<double> v, std::int64_t k, bool largest) {
  if (largest) std::sort(v.begin(), v.end(), std::greater<>());
  else std::sort(v.begin(), v.end());
  v.resize(k);
  return v;
}

// ---- samples and rows ---------------------------------------------------------------------------

// Inputs of rank >= 2 whose every dim but the size-1 one has at least 2 elements, so that
// reductions over dim 0, dim -1 or both always see several values.
std::vector<OpSample> reduce_samples() {
  return {
      {"matrix", {leaf({3, 4}, 31)}},
      {"batched", {leaf({2, 3, 4}, 32)}},
      {"size-1", {leaf({3, 1, 4}, 33)}},
      {"transposed", {leaf_transposed({3, 4}, 34)}},
      {"strided", {leaf_strided({3, 4}, 35)}},
  };
}

// One [3, 4] leaf that the row's fn broadcasts to [2, 3, 4] before reducing.
std::vector<OpSample> broadcast_sample() { return {{"broadcast", {leaf({3, 4}, 36)}}}; }

Tensor expand_234(const Tensor& x) { return x.expand({2, 3, 4}); }

int last(const Tensor& x) { return x.dim() - 1; }

std::vector<OpSpec> reduce_table() {
  return {
      {"var all", [](const Inputs& in) { return var(in[0]); }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {}, false, [](const auto& v) { return ref_var(v, 1); }); }},
      {"var dim -1 correction 0", [](const Inputs& in) { return var(in[0], {-1}, 0); }, reduce_samples,
       [](const Inputs& in) {
         return ref_reduce(in[0], {last(in[0])}, false, [](const auto& v) { return ref_var(v, 0); });
       }},
      {"var dims 0,-1 keepdim", [](const Inputs& in) { return var(in[0], {0, -1}, 1, true); }, reduce_samples,
       [](const Inputs& in) {
         return ref_reduce(in[0], {0, last(in[0])}, true, [](const auto& v) { return ref_var(v, 1); });
       }},
      {"var broadcast", [](const Inputs& in) { return var(expand_234(in[0]), {0, 2}); }, broadcast_sample,
       [](const Inputs& in) {
         return ref_reduce(expand_234(in[0].detach()), {0, 2}, false, [](const auto& v) { return ref_var(v, 1); });
       }},
      {"logsumexp all", [](const Inputs& in) { return logsumexp(in[0], {}); }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {}, false, ref_logsumexp); }},
      {"logsumexp dim -1", [](const Inputs& in) { return logsumexp(in[0], {-1}); }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {last(in[0])}, false, ref_logsumexp); }},
      {"logsumexp dim 0 keepdim", [](const Inputs& in) { return logsumexp(in[0], {0}, true); }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {0}, true, ref_logsumexp); }},
      {"logsumexp broadcast", [](const Inputs& in) { return logsumexp(expand_234(in[0]), {0, 1}); }, broadcast_sample,
       [](const Inputs& in) { return ref_reduce(expand_234(in[0].detach()), {0, 1}, false, ref_logsumexp); }},
      {"max all", [](const Inputs& in) { return max(in[0]); }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {}, false, ref_max); }},
      {"min all", [](const Inputs& in) { return min(in[0]); }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {}, false, ref_min); }},
      {"max dim -1", [](const Inputs& in) { return max(in[0], -1).values; }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {last(in[0])}, false, ref_max); }},
      {"max dim 0 keepdim", [](const Inputs& in) { return max(in[0], 0, true).values; }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {0}, true, ref_max); }},
      {"min dim -1", [](const Inputs& in) { return min(in[0], -1).values; }, reduce_samples,
       [](const Inputs& in) { return ref_reduce(in[0], {last(in[0])}, false, ref_min); }},
      {"max broadcast", [](const Inputs& in) { return max(expand_234(in[0]), 1).values; }, broadcast_sample,
       [](const Inputs& in) { return ref_reduce(expand_234(in[0].detach()), {1}, false, ref_max); }},
      {"topk 2 dim -1", [](const Inputs& in) { return topk(in[0], 2, -1).values; }, reduce_samples,
       [](const Inputs& in) {
         return ref_along(in[0], last(in[0]), 2, [](auto v) { return ref_topk(v, 2, true); });
       }},
      {"topk 2 smallest dim 0", [](const Inputs& in) { return topk(in[0], 2, 0, false).values; }, reduce_samples,
       [](const Inputs& in) { return ref_along(in[0], 0, 2, [](auto v) { return ref_topk(v, 2, false); }); }},
      {"topk broadcast", [](const Inputs& in) { return topk(expand_234(in[0]), 3, -1).values; }, broadcast_sample,
       [](const Inputs& in) {
         return ref_along(expand_234(in[0].detach()), 2, 3, [](auto v) { return ref_topk(v, 3, true); });
       }},
  };
}

// d/dx sum(fn(x)^3), recorded with create_graph: gradcheck of it checks fn's second derivatives
// (the cube keeps the first derivative a function of x even for ops linear in x).
OpFn grad_of_cube(OpFn fn) {
  return [fn](const Inputs& in) {
    AutoGradMode on(true);
    const Tensor y = fn(in);
    return grad({(y * y * y).sum()}, {in[0]}, {}, true, true)[0];
  };
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
std::vector<std::int64_t> ints(const Tensor& t) { return t.to_vector<std::int64_t>(); }

void check_values(const Tensor& t, const std::vector<double>& want, double tol = 1e-12) {
  const auto got = values(t);
  REQUIRE_MESSAGE(got.size() == want.size(), "got " << t);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK_MESSAGE(std::abs(got[i] - want[i]) <= tol, "element " << i << ": " << t);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("reduce: op table") {
  for (const OpSpec& spec : reduce_table()) check_op(spec);
}

TEST_CASE("reduce: second derivatives through var, logsumexp, max, min and topk") {
  const std::vector<std::pair<std::string, OpFn>> ops = {
      {"var", [](const Inputs& in) { return var(in[0], {-1}); }},
      {"logsumexp", [](const Inputs& in) { return logsumexp(in[0], {0}); }},
      {"max all", [](const Inputs& in) { return max(in[0]); }},
      {"max dim", [](const Inputs& in) { return max(in[0], 1).values; }},
      {"min dim", [](const Inputs& in) { return min(in[0], 0, true).values; }},
      {"topk", [](const Inputs& in) { return topk(in[0], 2, -1).values; }},
  };
  for (const auto& [name, fn] : ops) {
    const GradcheckResult r = gradcheck(grad_of_cube(fn), {leaf({3, 4}, 41)});
    CHECK_MESSAGE(r.ok, name << ": " << r.message);
  }
}

TEST_CASE("reduce: var by hand") {
  const Tensor x = tensor(std::vector<double>{1, 2, 3, 4, 2, 4, 6, 8}, {2, 4});
  // Row means 2.5 and 5; squared deviations sum to 5 and 20.
  check_values(var(x, {1}), {5.0 / 3, 20.0 / 3});
  check_values(var(x, {1}, 0), {1.25, 5.0});
  CHECK(var(x, {-1}, 1, true).shape() == Shape{2, 1});
  // All eight: mean 3.75, squared deviations sum to 37.5.
  check_values(var(x), {37.5 / 7});
  CHECK(var(x).dim() == 0);
  // Two passes keep precision when the mean dwarfs the spread (one-pass E[x^2] - E[x]^2 gives 0).
  check_values(var(tensor(std::vector<float>{10000, 10001, 10002})), {1.0});
  // One value with correction 1 divides by 0, as torch: NaN.
  CHECK(std::isnan(var(tensor(std::vector<double>{3})).item<double>()));
}

TEST_CASE("reduce: var gradient by hand") {
  // x = [1, 2, 3, 6]: mean 3, dvar/dx = 2 (x - 3) / 3.
  Tensor x = tensor(std::vector<double>{1, 2, 3, 6}).requires_grad_();
  var(x).backward();
  check_values(x.grad(), {-4.0 / 3, -2.0 / 3, 0, 2});
}

TEST_CASE("reduce: logsumexp by hand, with huge and infinite values") {
  check_values(logsumexp(tensor(std::vector<double>{0, std::log(3.0)}), {0}), {std::log(4.0)});
  // exp(1000) overflows; subtracting the max does not.
  check_values(logsumexp(tensor(std::vector<double>{1000, 1000}), {0}), {1000 + std::log(2.0)}, 1e-9);
  check_values(logsumexp(tensor(std::vector<float>{-1000, -1000}), {0}), {-1000 + std::log(2.0)}, 1e-3);
  CHECK(logsumexp(tensor(std::vector<double>{-kInf, -kInf}), {0}).item<double>() == -kInf);
  CHECK(logsumexp(tensor(std::vector<double>{kInf, 0}), {0}).item<double>() == kInf);
  // An empty sum has log -inf.
  CHECK(logsumexp(zeros({2, 0}, kFloat64), {1}).to_vector<double>() == std::vector<double>{-kInf, -kInf});
  // Rows separately, keepdim.
  const Tensor x = tensor(std::vector<double>{0, 0, 1, 1}, {2, 2});
  const Tensor y = logsumexp(x, {1}, true);
  CHECK(y.shape() == Shape{2, 1});
  check_values(y, {std::log(2.0), 1 + std::log(2.0)});
}

TEST_CASE("reduce: logsumexp gradient is the softmax") {
  Tensor x = tensor(std::vector<double>{0, std::log(3.0)}).requires_grad_();
  logsumexp(x, {0}).backward();
  check_values(x.grad(), {0.25, 0.75});
}

TEST_CASE("reduce: max, min, argmax, argmin by hand") {
  const Tensor x = tensor(std::vector<double>{1, 5, 3, 4, 2, 6}, {2, 3});
  CHECK(max(x).item<double>() == 6);
  CHECK(min(x).item<double>() == 1);
  CHECK(max(x).dim() == 0);
  const auto rows = max(x, 1);
  check_values(rows.values, {5, 6});
  CHECK(ints(rows.indices) == std::vector<std::int64_t>{1, 2});
  CHECK(rows.indices.dtype() == kInt64);
  const auto cols = max(x, 0, true);
  CHECK(cols.values.shape() == Shape{1, 3});
  CHECK(cols.indices.shape() == Shape{1, 3});
  check_values(cols.values, {4, 5, 6});
  CHECK(ints(cols.indices) == std::vector<std::int64_t>{1, 0, 1});
  const auto low = min(x, -1);
  check_values(low.values, {1, 2});
  CHECK(ints(low.indices) == std::vector<std::int64_t>{0, 1});

  CHECK(argmax(x).item<std::int64_t>() == 5);
  CHECK(argmin(x).item<std::int64_t>() == 0);
  CHECK(argmax(x).dim() == 0);
  CHECK(ints(argmax(x, 0)) == std::vector<std::int64_t>{1, 0, 1});
  const Tensor a = argmin(x, 0, true);
  CHECK(a.shape() == Shape{1, 3});
  CHECK(ints(a) == std::vector<std::int64_t>{0, 1, 0});
  // Transposed input: the same maxima, read through strides.
  CHECK(ints(argmax(x.t(), 1)) == std::vector<std::int64_t>{1, 0, 1});

  // int64 tensors have maxima too (without gradients).
  const Tensor ids = tensor(std::vector<std::int64_t>{3, 9, 2});
  CHECK(max(ids).item<std::int64_t>() == 9);
  CHECK(argmin(ids).item<std::int64_t>() == 2);

  // A rank-0 tensor is one element along dim 0, as in torch.
  const auto s = max(scalar_tensor(3.0, kFloat64), 0);
  CHECK(s.values.dim() == 0);
  CHECK(s.values.item<double>() == 3);
  CHECK(s.indices.item<std::int64_t>() == 0);
}

TEST_CASE("reduce: max and min send the gradient to the first of tied elements") {
  Tensor x = tensor(std::vector<double>{1, 3, 3, 2}).requires_grad_();
  max(x).backward();
  check_values(x.grad(), {0, 1, 0, 0});
  CHECK(argmax(x).item<std::int64_t>() == 1);

  Tensor y = tensor(std::vector<double>{3, 1, 1}).requires_grad_();
  min(y).backward();
  check_values(y.grad(), {0, 1, 0});

  Tensor z = tensor(std::vector<double>{2, 2, 1, 1}, {2, 2}).requires_grad_();
  const auto m = max(z, 1);
  CHECK(ints(m.indices) == std::vector<std::int64_t>{0, 0});
  (m.values * tensor(std::vector<double>{10, 20})).sum().backward();
  check_values(z.grad(), {10, 0, 20, 0});
}

TEST_CASE("reduce: NaN wins max and min") {
  const Tensor x = tensor(std::vector<double>{1, std::nan(""), 3});
  CHECK(std::isnan(max(x).item<double>()));
  CHECK(std::isnan(min(x).item<double>()));
  CHECK(argmax(x).item<std::int64_t>() == 1);
  CHECK(argmin(x).item<std::int64_t>() == 1);
}

TEST_CASE("reduce: topk by hand") {
  const Tensor x = tensor(std::vector<double>{1, 5, 3, 5, 4, 2, 6, 0}, {2, 4});
  const auto top = topk(x, 2);
  CHECK(top.values.shape() == Shape{2, 2});
  check_values(top.values, {5, 5, 6, 4});
  CHECK(ints(top.indices) == std::vector<std::int64_t>{1, 3, 2, 0});  // ties: lower index first
  const auto low = topk(x, 3, 1, false);
  check_values(low.values, {1, 3, 5, 0, 2, 4});
  CHECK(ints(low.indices) == std::vector<std::int64_t>{0, 2, 1, 3, 1, 0});
  const auto down = topk(x, 1, 0);
  check_values(down.values, {4, 5, 6, 5});
  CHECK(ints(down.indices) == std::vector<std::int64_t>{1, 0, 1, 0});
  CHECK(topk(x, 0).values.shape() == Shape{2, 0});
  CHECK(topk(x, 4).values.shape() == Shape{2, 4});
  // NaN counts as the largest: first when largest, last when smallest.
  const Tensor n = tensor(std::vector<double>{2, std::nan(""), 1});
  CHECK(ints(topk(n, 3).indices) == std::vector<std::int64_t>{1, 0, 2});
  CHECK(ints(topk(n, 3, 0, false).indices) == std::vector<std::int64_t>{2, 0, 1});
}

TEST_CASE("reduce: topk gradient goes to the picked elements") {
  Tensor x = tensor(std::vector<double>{1, 5, 3, 5, 4, 2, 6, 0}, {2, 4}).requires_grad_();
  (topk(x, 2).values * tensor(std::vector<double>{1, 2, 3, 4}, {2, 2})).sum().backward();
  check_values(x.grad(), {0, 1, 0, 2, 4, 0, 3, 0});
}

TEST_CASE("reduce: indices changed in place make backward throw") {
  Tensor x = tensor(std::vector<double>{1, 5, 3, 4}, {2, 2}).requires_grad_();
  auto m = max(x, 1);
  m.indices.fill_(0);
  CHECK_THROWS_AS(m.values.sum().backward(), AutogradError);
}

TEST_CASE("reduce: errors name the op, the rule and what was given") {
  const Tensor x = zeros({2, 3}, kFloat64);
  CHECK_THROWS_WITH_AS(var(zeros({2}, kInt64)), "var: expected a floating dtype (float32 or float64); got int64",
                       DTypeError);
  CHECK_THROWS_WITH_AS(var(x, {0}, -1), "var: correction must be non-negative; got correction=-1", ValueError);
  CHECK_THROWS_WITH_AS(var(x, {2}), "var: dim out of range [-2, 1]; got dim=2", IndexError);
  CHECK_THROWS_WITH_AS(var(x, {1, -1}), "var: dims must not repeat; got dim 1 twice", IndexError);
  CHECK_THROWS_WITH_AS(logsumexp(zeros({2}, kInt64), {0}),
                       "logsumexp: expected a floating dtype (float32 or float64); got int64", DTypeError);
  CHECK_THROWS_WITH_AS(logsumexp(x, {-3}), "logsumexp: dim out of range [-2, 1]; got dim=-3", IndexError);
  CHECK_THROWS_WITH_AS(max(zeros({2}, kBool)), "max: expected a numeric dtype (float32, float64 or int64); got bool",
                       DTypeError);
  CHECK_THROWS_WITH_AS(min(zeros({2}, kBool), 0),
                       "min: expected a numeric dtype (float32, float64 or int64); got bool", DTypeError);
  CHECK_THROWS_WITH_AS(max(zeros({0, 3})), "max: cannot reduce an empty tensor; got shape [0, 3]", ValueError);
  CHECK_THROWS_WITH_AS(argmin(zeros({0})), "argmin: cannot reduce an empty tensor; got shape [0]", ValueError);
  CHECK_THROWS_WITH_AS(max(zeros({2, 0}), 1), "max: cannot reduce an empty dim; got dim=1, shape=[2, 0]", ValueError);
  CHECK_THROWS_WITH_AS(argmax(x, 2), "argmax: dim out of range [-2, 1]; got dim=2", IndexError);
  CHECK_THROWS_WITH_AS(topk(x, 4, 1), "topk: k must lie in [0, 3] (the size of dim 1); got k=4, shape=[2, 3]",
                       ValueError);
  CHECK_THROWS_WITH_AS(topk(x, -1, 0), "topk: k must lie in [0, 2] (the size of dim 0); got k=-1, shape=[2, 3]",
                       ValueError);
  CHECK_THROWS_WITH_AS(topk(zeros({3}, kBool), 1),
                       "topk: expected a numeric dtype (float32, float64 or int64); got bool", DTypeError);
}
