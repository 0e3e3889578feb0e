// The nn functions of autograd/ops_nn.h: hand-checked values, PyTorch reference values, op table
// rows (forward against the composed version, float32 against float64, gradcheck on batched,
// size-1 and non-contiguous inputs), every fused op against its composition from elementwise
// and reduce ops in value, gradient and second gradient, dropout's randomness, and the errors.
#include "op_table.h"

#include <focus/tensor/counter_random.h>
#include <focus/tensor/nn_kernels.h>
#include <focus/tensor/reduce.h>

#include <sstream>

using namespace focus;
using namespace focus::testing;

namespace {

Tensor f64(const std::vector<double>& values, const Shape& shape) { return tensor(values, shape); }
Tensor ids(const std::vector<std::int64_t>& values) { return tensor(values); }
Tensor id(std::int64_t value) { return tensor(std::vector<std::int64_t>{value}, Shape{}); }

CrossEntropyOptions ce_options(std::int64_t ignore_index, double label_smoothing, Reduction reduction) {
  CrossEntropyOptions o;
  o.ignore_index = ignore_index;
  o.label_smoothing = label_smoothing;
  o.reduction = reduction;
  return o;
}

// 0.2, not std::to_string's 0.200000, in row names.
std::string number_str(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Sum: return "sum";
    case Reduction::Mean: return "mean";
  }
  return "?";
}

// ---- the same functions composed from elementwise and reduce ops ------------------------------

// The max along dim (keepdim) outside the graph: subtracting a constant changes neither the value
// nor the gradient of softmax, it only keeps exp from overflowing.
Tensor detached_max(const Tensor& x, std::int64_t dim) {
  const int d = wrap_dim("detached_max", dim, x.dim());
  return kernel::reduce(kernel::ReduceOp::Max, x.detach(), kernel::dim_mask({d}, x.dim()));
}

Tensor softmax_composed(const Tensor& x, std::int64_t dim) {
  const Tensor e = exp(x - detached_max(x, dim));
  return e / sum(e, {dim}, true);
}

Tensor log_softmax_composed(const Tensor& x, std::int64_t dim) {
  const Tensor z = x - detached_max(x, dim);
  return z - log(sum(exp(z), {dim}, true));
}

// -sum_c q_ic lp_ic per row, q = (1 - e) one-hot + e / C (0 on ignored rows), then reduced.
Tensor class_loss_composed(const Tensor& log_probs, const Tensor& targets, const CrossEntropyOptions& o) {
  const bool unbatched = log_probs.dim() == 1;
  const Tensor lp = unbatched ? log_probs.reshape({1, -1}) : log_probs;
  const std::int64_t N = lp.shape()[0], C = lp.shape()[1];
  const auto t = targets.to_vector<std::int64_t>();
  std::vector<double> q(N * C, 0.0);
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < N; ++i) {
    if (t[i] == o.ignore_index) continue;
    ++count;
    for (std::int64_t c = 0; c < C; ++c) q[i * C + c] = o.label_smoothing / C + (c == t[i] ? 1 - o.label_smoothing : 0);
  }
  const Tensor losses = -sum(f64(q, {N, C}).to(lp.dtype()) * lp, {1});
  switch (o.reduction) {
    case Reduction::None: return unbatched ? losses.reshape({}) : losses;
    case Reduction::Sum: return sum(losses);
    case Reduction::Mean: break;
  }
  return sum(losses) / static_cast<double>(count);
}

Tensor cross_entropy_composed(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& o) {
  return class_loss_composed(log_softmax_composed(logits, -1), targets, o);
}

Tensor layer_norm_composed(const Tensor& x, int k, const Tensor& weight, const Tensor& bias, double eps = 1e-5) {
  Dims dims;
  for (int i = k; i >= 1; --i) dims.push_back(-i);
  const Tensor xc = x - mean(x, dims, true);
  Tensor y = xc / sqrt(mean(xc * xc, dims, true) + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

// The trailing k dims of x as a normalized_shape.
Shape trailing(const Tensor& x, int k) {
  Shape s;
  for (int i = x.dim() - k; i < x.dim(); ++i) s.push_back(x.shape()[i]);
  return s;
}

// ---- op table rows ------------------------------------------------------------------------------

std::vector<OpSample> softmax_samples() {
  return {
      {"batched", {leaf({2, 3, 4}, 31, -2, 2)}},
      {"size-1", {leaf({1, 3, 1}, 32)}},
      {"transposed", {leaf_transposed({2, 4, 3}, 33, -2, 2)}},
      {"strided", {leaf_strided({2, 3, 4}, 34, -2, 2)}},
  };
}

OpSpec softmax_row(const std::string& name, Tensor (*fn)(const Tensor&, std::int64_t),
                   Tensor (*composed)(const Tensor&, std::int64_t), std::int64_t dim) {
  return {name + " dim=" + std::to_string(dim), [=](const Inputs& in) { return fn(in[0], dim); }, softmax_samples,
          [=](const Inputs& in) { return composed(in[0], dim); }};
}

// Logits and targets; one target equals the row's ignore_index.
std::vector<OpSample> class_loss_samples(std::int64_t ignore_index) {
  return {
      {"batched", {leaf({4, 5}, 41, -2, 2), ids({1, 0, 4, 2})}},
      {"ignored target", {leaf({4, 5}, 42, -2, 2), ids({3, ignore_index, 0, 2})}},
      {"size-1", {leaf({1, 5}, 43, -2, 2), ids({3})}},
      {"unbatched", {leaf({5}, 44, -2, 2), id(1)}},
      {"transposed", {leaf_transposed({4, 5}, 45, -2, 2), ids({4, 4, 0, 1})}},
      {"strided", {leaf_strided({3, 5}, 46, -2, 2), ids({2, ignore_index, 3})}},
      {"one class", {leaf({3, 1}, 47), ids({0, 0, 0})}},
  };
}

OpSpec cross_entropy_row(const CrossEntropyOptions& o) {
  const std::string name = std::string("cross_entropy ") + reduction_name(o.reduction) +
                           " ignore_index=" + std::to_string(o.ignore_index) +
                           " label_smoothing=" + number_str(o.label_smoothing);
  return {name, [o](const Inputs& in) { return cross_entropy(in[0], in[1], o); },
          [o] { return class_loss_samples(o.ignore_index); },
          [o](const Inputs& in) { return cross_entropy_composed(in[0], in[1], o); }};
}

OpSpec nll_loss_row(const CrossEntropyOptions& o) {
  const std::string name = std::string("nll_loss ") + reduction_name(o.reduction) +
                           " label_smoothing=" + number_str(o.label_smoothing);
  return {name, [o](const Inputs& in) { return nll_loss(in[0], in[1], o); },
          [o] { return class_loss_samples(o.ignore_index); },
          [o](const Inputs& in) { return class_loss_composed(in[0], in[1], o); }};
}

// layer_norm over the trailing k dims, with weight and bias (leaves of that shape) when affine.
OpSpec layer_norm_row(int k, bool affine) {
  auto samples = [k, affine] {
    auto with_params = [&](Tensor x, std::uint64_t seed) {
      Inputs in = {x};
      if (affine) {
        in.push_back(leaf(trailing(x, k), seed + 100, 0.5, 1.5));
        in.push_back(leaf(trailing(x, k), seed + 200));
      }
      return in;
    };
    return std::vector<OpSample>{
        {"batched", with_params(leaf({2, 3, 4}, 51, -2, 2), 51)},
        {"size-1 batch", with_params(leaf({1, 3, 4}, 52, -2, 2), 52)},
        {"transposed", with_params(leaf_transposed({2, 3, 4}, 53, -2, 2), 53)},
        {"strided", with_params(leaf_strided({2, 3, 4}, 54, -2, 2), 54)},
    };
  };
  auto fn = [k, affine](const Inputs& in) {
    return affine ? layer_norm(in[0], trailing(in[0], k), in[1], in[2]) : layer_norm(in[0], trailing(in[0], k));
  };
  auto ref = [k, affine](const Inputs& in) {
    return affine ? layer_norm_composed(in[0], k, in[1], in[2]) : layer_norm_composed(in[0], k, {}, {});
  };
  return {"layer_norm over " + std::to_string(k) + " dims" + (affine ? " affine" : ""), fn, samples, ref};
}

OpSpec mse_loss_row(Reduction r) {
  auto samples = [] {
    return std::vector<OpSample>{
        {"batched", {leaf({2, 3, 4}, 61), leaf({2, 3, 4}, 62)}},
        {"scalar", {leaf({}, 63), leaf({}, 64)}},
        {"transposed", {leaf_transposed({3, 4}, 65), leaf({3, 4}, 66)}},
        {"strided", {leaf_strided({2, 3}, 67), leaf_transposed({2, 3}, 68)}},
    };
  };
  auto ref = [r](const Inputs& in) {
    const Tensor sq = ref_binary(in[0], in[1], [](double a, double b) { return (a - b) * (a - b); });
    if (r == Reduction::None) return sq;
    double total = 0;
    for (double v : sq.to_vector<double>()) total += v;
    return scalar_tensor(r == Reduction::Sum ? total : total / static_cast<double>(sq.numel()), kFloat64);
  };
  return {std::string("mse_loss ") + reduction_name(r), [r](const Inputs& in) { return mse_loss(in[0], in[1], r); },
          samples, ref};
}

// dropout with a generator seeded afresh on every call, so the function is pure (gradcheck
// perturbs inputs and calls it again) and float32 draws the same mask as float64.
OpSpec dropout_row(double p) {
  auto samples = [] {
    return std::vector<OpSample>{
        {"batched", {leaf({2, 3, 4}, 71)}},
        {"transposed", {leaf_transposed({3, 4}, 72)}},
        {"strided", {leaf_strided({2, 3}, 73)}},
    };
  };
  auto fn = [p](const Inputs& in) {
    Generator g(7);
    return dropout(in[0], p, true, &g);
  };
  // One 64-bit key from the generator, then element e (row-major) is dropped when lane e % 4 of
  // philox4x32({e / 4, 0, 0, 0}, key) is below p * 2^32, else scaled by 1 / (1 - p).
  auto ref = [p](const Inputs& in) {
    Generator g(7);
    const std::uint64_t high = g.next_u32(), key = high << 32 | g.next_u32();
    const auto threshold = static_cast<std::uint32_t>(p * 4294967296.0);
    std::uint32_t e = 0;
    return ref_unary(in[0], [&](double x) {
      const bool drop = kernel::philox4x32({e / 4, 0, 0, 0}, key)[e % 4] < threshold;
      ++e;
      return drop ? 0.0 : x / (1 - p);
    });
  };
  return {"dropout p=" + number_str(p), fn, samples, ref};
}

std::vector<OpSpec> nn_table() {
  return {
      softmax_row("softmax", softmax, softmax_composed, -1),
      softmax_row("softmax", softmax, softmax_composed, 0),
      softmax_row("softmax", softmax, softmax_composed, 1),
      softmax_row("log_softmax", log_softmax, log_softmax_composed, -1),
      softmax_row("log_softmax", log_softmax, log_softmax_composed, 0),
      softmax_row("log_softmax", log_softmax, log_softmax_composed, 1),
      cross_entropy_row(ce_options(-100, 0.0, Reduction::Mean)),
      cross_entropy_row(ce_options(2, 0.2, Reduction::Mean)),
      cross_entropy_row(ce_options(2, 0.1, Reduction::Sum)),
      cross_entropy_row(ce_options(-1, 0.3, Reduction::None)),
      nll_loss_row(ce_options(-100, 0.0, Reduction::Mean)),
      nll_loss_row(ce_options(3, 0.25, Reduction::None)),
      layer_norm_row(1, true),
      layer_norm_row(2, true),
      layer_norm_row(1, false),
      mse_loss_row(Reduction::Mean),
      mse_loss_row(Reduction::Sum),
      mse_loss_row(Reduction::None),
      dropout_row(0.4),
  };
}

// ---- fused against composed, through second derivatives -----------------------------------------

Inputs needing_grad(const Inputs& in) {
  Inputs out;
  for (const auto& t : in)
    if (t.defined() && t.requires_grad()) out.push_back(t);
  return out;
}

// sum(y * w) for a fixed random w of y's shape: a scalar that reaches every output element.
Tensor weighted_sum(const Tensor& y) {
  Generator g(1234);
  return sum(y * uniform(y.shape(), -1, 1, y.dtype(), &g));
}

// Gradients with undefined (unused) entries as zeros, so the two sides compare elementwise.
std::vector<Tensor> grads_or_zeros(const Tensor& y, const Inputs& wrt, bool create_graph) {
  auto gs = grad({y}, wrt, {}, true, create_graph, true);
  for (std::size_t i = 0; i < gs.size(); ++i)
    if (!gs[i].defined()) gs[i] = zeros_like(wrt[i]);
  return gs;
}

// Values, first gradients (the fused kernel's backward, and the composed backward it uses under
// create_graph) and second gradients of fused(inputs) against composed(inputs).
void check_against_composition(const std::string& what, const OpFn& fused, const OpFn& composed, const Inputs& in,
                               double tol = 1e-10) {
  CAPTURE(what);
  const Inputs wrt = needing_grad(in);
  const Tensor yf = fused(in), yc = composed(in);
  check_close(yf, yc, tol, what + " value:");

  const Tensor lf = weighted_sum(yf), lc = weighted_sum(yc);
  const auto g_kernel = grads_or_zeros(lf, wrt, false);
  const auto g_graph = grads_or_zeros(lf, wrt, true);
  const auto g_comp = grads_or_zeros(lc, wrt, true);
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    check_close(g_kernel[i], g_comp[i], tol, what + " gradient " + std::to_string(i) + " (fused kernel):");
    check_close(g_graph[i], g_comp[i], tol, what + " gradient " + std::to_string(i) + " (create_graph):");
  }

  // Second order: the gradient of sum_i weighted_sum(first gradient i).
  Tensor sf = weighted_sum(g_graph[0]), sc = weighted_sum(g_comp[0]);
  for (std::size_t i = 1; i < wrt.size(); ++i) {
    sf = sf + weighted_sum(g_graph[i]);
    sc = sc + weighted_sum(g_comp[i]);
  }
  if (!sf.requires_grad() && !sc.requires_grad()) return;  // linear in every input: nothing to compare
  REQUIRE(sf.requires_grad());
  const auto gg_fused = grads_or_zeros(sf, wrt, false);
  const auto gg_comp = sc.requires_grad() ? grads_or_zeros(sc, wrt, false) : std::vector<Tensor>{};
  for (std::size_t i = 0; i < wrt.size(); ++i)
    check_close(gg_fused[i], gg_comp.empty() ? zeros_like(wrt[i]) : gg_comp[i], tol,
                what + " second gradient " + std::to_string(i) + ":");
}

// d weighted_sum(fn(in)) / d in[0] with create_graph: gradcheck of this function checks the
// second derivatives against finite differences of the first.
OpFn first_gradient(const OpFn& fn) {
  return [fn](const Inputs& in) {
    AutoGradMode on(true);  // gradcheck calls fn under no-grad for its finite differences
    return grad({weighted_sum(fn(in))}, {in[0]}, {}, false, true)[0];
  };
}

}  // namespace

// ---- hand-checked values --------------------------------------------------------------------------

TEST_CASE("nn functional: softmax and log_softmax of hand-checked rows") {
  const double l3 = std::log(3.0);
  check_close(softmax(f64({0, l3}, {2}), 0), f64({0.25, 0.75}, {2}), 1e-15);
  check_close(log_softmax(f64({0, l3}, {2}), -1), f64({std::log(0.25), std::log(0.75)}, {2}), 1e-15);
  // Along dim 0: each column is a softmax of its own.
  check_close(softmax(f64({0, 0, l3, 0}, {2, 2}), 0), f64({0.25, 0.5, 0.75, 0.5}, {2, 2}), 1e-15);
  // A rank-0 tensor is one class: probability 1, log-probability 0.
  CHECK(softmax(scalar_tensor(3.0, kFloat64), 0).item<double>() == 1.0);
  CHECK(log_softmax(scalar_tensor(3.0, kFloat64), -1).item<double>() == 0.0);
  // The max is subtracted: huge logits neither overflow nor lose the answer.
  check_close(softmax(f64({1000, 1000 + l3}, {2}), 0), f64({0.25, 0.75}, {2}), 1e-12);
  // float32 too; 1000 + log 3 itself rounds to within 6e-5 there.
  const Tensor big32 = tensor(std::vector<float>{1000, 1000 + 1.0986123f});
  check_close(softmax(big32, 0).to(kFloat64), f64({0.25, 0.75}, {2}), 1e-4);
  check_close(log_softmax(f64({-1000, 0}, {2}), 0), f64({-1000, 0}, {2}), 1e-12);
}

TEST_CASE("nn functional: cross_entropy, nll_loss and mse_loss of hand-checked values") {
  const double l3 = std::log(3.0);
  // Equal logits: every class has probability 1/4, with or without smoothing.
  CHECK(cross_entropy(zeros({2, 4}, kFloat64), ids({1, 3})).item<double>() ==
        doctest::Approx(std::log(4.0)).epsilon(1e-14));
  CHECK(cross_entropy(zeros({2, 4}, kFloat64), ids({1, 3}), ce_options(-100, 0.3, Reduction::Mean)).item<double>() ==
        doctest::Approx(std::log(4.0)).epsilon(1e-14));
  // p = [1/4, 3/4]: target 1 costs -log(3/4); smoothing 0.5 over 2 classes makes q = [1/4, 3/4].
  const Tensor x = f64({0, l3}, {2});
  CHECK(cross_entropy(x, id(1)).item<double>() == doctest::Approx(-std::log(0.75)).epsilon(1e-14));
  CHECK(cross_entropy(x, id(0)).item<double>() == doctest::Approx(-std::log(0.25)).epsilon(1e-14));
  CHECK(cross_entropy(x, id(1), ce_options(-100, 0.5, Reduction::Mean)).item<double>() ==
        doctest::Approx(-(0.25 * std::log(0.25) + 0.75 * std::log(0.75))).epsilon(1e-14));
  CHECK(cross_entropy(f64({1000, 1000 + l3}, {2}), id(1)).item<double>() ==
        doctest::Approx(-std::log(0.75)).epsilon(1e-12));

  const Tensor lp = f64({-1, -2, -3, -4, -5, -6}, {2, 3});
  CHECK(nll_loss(lp, ids({2, 0})).item<double>() == 3.5);
  CHECK(nll_loss(lp, ids({2, 0}), ce_options(-100, 0, Reduction::Sum)).item<double>() == 7.0);
  check_close(nll_loss(lp, ids({2, 0}), ce_options(-100, 0, Reduction::None)), f64({3, 4}, {2}), 0);
  CHECK(nll_loss(lp, ids({2, 0}), ce_options(0, 0, Reduction::Mean)).item<double>() == 3.0);  // the mean of one row

  const Tensor a = f64({1, 2, 3}, {3}), b = f64({1, 0, 6}, {3});
  CHECK(mse_loss(a, b).item<double>() == doctest::Approx(13.0 / 3));
  CHECK(mse_loss(a, b, Reduction::Sum).item<double>() == 13.0);
  check_close(mse_loss(a, b, Reduction::None), f64({0, 4, 9}, {3}), 0);
}

TEST_CASE("nn functional: layer_norm of hand-checked rows") {
  // Rows [1, 3] and [2, 6]: means 2 and 4, biased variances 1 and 4, so both normalise to [-1, 1].
  const Tensor x = f64({1, 3, 2, 6}, {2, 2});
  check_close(layer_norm(x, {2}, {}, {}, 0.0), f64({-1, 1, -1, 1}, {2, 2}), 1e-15);
  check_close(layer_norm(x, {2}, f64({2, 3}, {2}), f64({1, -1}, {2}), 0.0), f64({-1, 2, -1, 2}, {2, 2}), 1e-15);
  // Over both dims: mean 3, variance (4 + 0 + 1 + 9) / 4 = 3.5.
  const double s = std::sqrt(3.5);
  check_close(layer_norm(x, {2, 2}, {}, {}, 0.0), f64({-2 / s, 0, -1 / s, 3 / s}, {2, 2}), 1e-15);
}

// ---- PyTorch reference values ---------------------------------------------------------------------
// Numbers printed by tests/reference/nn_functional_ref.py (torch 1.13, float64) for these inputs.

namespace {
Tensor ref_x() { return f64({1.0, 2.0, 3.0, 4.0, -1.0, 0.5, 0.0, 2.5, 3.0, -2.0, 1.0, 0.0}, {3, 4}); }
}  // namespace

TEST_CASE("nn functional: softmax and log_softmax match PyTorch") {
  const Tensor x = ref_x();
  check_close(softmax(x, 1),
              f64({0.0320586032801, 0.087144318742, 0.23688281809, 0.643914259888, 0.0242040364309, 0.10847496553,
                   0.0657933924054, 0.801527605633, 0.839024507463, 0.00565330266222, 0.11354961936, 0.0417725705154},
                  {3, 4}),
              1e-11);
  check_close(softmax(x, 0),
              f64({0.117310427826, 0.805512412041, 0.843794734481, 0.805512412041, 0.0158762399765, 0.1797341135,
                   0.0420100661341, 0.1797341135, 0.866813332197, 0.0147534744593, 0.114195199385, 0.0147534744593},
                  {3, 4}),
              1e-11);
  check_close(log_softmax(x, 1),
              f64({-3.44018969856, -2.44018969856, -1.44018969856, -0.440189698561, -3.72123586506, -2.22123586506,
                   -2.72123586506, -0.221235865064, -0.175515362617, -5.17551536262, -2.17551536262, -3.17551536262},
                  {3, 4}),
              1e-10);
  check_close(log_softmax(x, 0),
              f64({-2.1429316285, -0.216276667371, -0.169846019556, -0.216276667371, -4.1429316285, -1.71627666737,
                   -3.16984601956, -1.71627666737, -0.1429316285, -4.21627666737, -2.16984601956, -4.21627666737},
                  {3, 4}),
              1e-10);
}

TEST_CASE("nn functional: cross_entropy with ignore_index and label_smoothing matches PyTorch") {
  const Tensor targets = ids({3, 1, 0});  // the middle one is ignored
  Tensor x = ref_x().requires_grad_();
  const Tensor loss = cross_entropy(x, targets, ce_options(1, 0.1, Reduction::Mean));
  CHECK(loss.item<double>() == doctest::Approx(0.507852530589).epsilon(1e-11));
  loss.backward();
  check_close(x.grad(),
              f64({0.00352930164004, 0.031072159371, 0.105941409045, -0.140542870056, 0, 0, 0, 0, -0.0429877462687,
                   -0.00967334866889, 0.04427480968, 0.00838628525768},
                  {3, 4}),
              1e-11);
  CHECK(cross_entropy(x, targets, ce_options(1, 0.1, Reduction::Sum)).item<double>() ==
        doctest::Approx(1.01570506118).epsilon(1e-11));
  check_close(cross_entropy(x, targets, ce_options(1, 0.1, Reduction::None)),
              f64({0.590189698561, 0, 0.425515362617}, {3}), 1e-11);
  CHECK(cross_entropy(x, targets).item<double>() == doctest::Approx(0.945646975414).epsilon(1e-11));
  CHECK(cross_entropy(ref_x().select(0, 1), id(2), ce_options(-100, 0.2, Reduction::Mean)).item<double>() ==
        doctest::Approx(2.62123586506).epsilon(1e-11));
}

TEST_CASE("nn functional: cross_entropy mean over all-ignored targets is NaN with zero gradient, as PyTorch") {
  Tensor x = ref_x().requires_grad_();
  const Tensor loss = cross_entropy(x, ids({1, 1, 1}), ce_options(1, 0.1, Reduction::Mean));
  CHECK(std::isnan(loss.item<double>()));
  loss.backward();
  check_close(x.grad(), zeros({3, 4}, kFloat64), 0);
  CHECK(cross_entropy(x, ids({1, 1, 1}), ce_options(1, 0.1, Reduction::Sum)).item<double>() == 0.0);
}

TEST_CASE("nn functional: layer_norm values and gradients match PyTorch") {
  Tensor x = ref_x().requires_grad_();
  Tensor w = f64({0.5, 1.0, -1.0, 2.0}, {4}).requires_grad_();
  Tensor b = f64({0.1, 0.0, -0.2, 0.3}, {4}).requires_grad_();
  const Tensor G = f64({0.3, -0.1, 0.2, 0.5, 1.0, 0.0, -0.5, 0.25, -0.3, 0.7, 0.1, -0.2}, {3, 4});
  const Tensor y = layer_norm(x, {4}, w, b, 1e-5);
  check_close(y,
              f64({-0.570817709984, -0.447211806656, -0.647211806656, 2.98327083994, -0.48834659512, 5.55111512313e-17,
                   0.192231063413, 3.43784850731, 0.793374178553, -1.38674835711, -0.477349671421, -0.254699342842},
                  {3, 4}),
              1e-11);
  sum(y * G).backward();
  check_close(x.grad(),
              f64({0.272796572476, -0.169941363058, -0.478515756594, 0.375660547176, 0.0980577658534, -0.29417329756,
                   0.0980577658534, 0.0980577658534, 0.120539785876, 0.170677369116, -0.0202679902521, -0.27094916474},
                  {3, 4}),
              1e-11);
  check_close(w.grad(), f64({-1.99520832336, -0.926002669308, 0.31329286018, 1.11851870768}, {4}), 1e-11);
  check_close(b.grad(), f64({1, 0.6, -0.2, 0.55}, {4}), 1e-12);
  check_close(layer_norm(ref_x(), {3, 4}),
              f64({-0.0973583105934, 0.486791552967, 1.07094141653, 1.65509128009, -1.26565803771, -0.389433242374,
                   -0.681508174154, 0.778866484747, 1.07094141653, -1.84980790128, -0.0973583105934, -0.681508174154},
                  {3, 4}),
              1e-11);
}

// ---- op table and compositions --------------------------------------------------------------------

TEST_CASE("nn functional: op table") {
  for (const OpSpec& spec : nn_table()) check_op(spec);
}

TEST_CASE("nn functional: fused ops equal their compositions in value, gradient and second gradient") {
  for (std::int64_t dim : {-1, 0, 1}) {
    const Inputs in = {leaf_transposed({2, 4, 3}, 81, -3, 3)};
    check_against_composition("softmax dim=" + std::to_string(dim),
                              [dim](const Inputs& v) { return softmax(v[0], dim); },
                              [dim](const Inputs& v) { return softmax_composed(v[0], dim); }, in);
    check_against_composition("log_softmax dim=" + std::to_string(dim),
                              [dim](const Inputs& v) { return log_softmax(v[0], dim); },
                              [dim](const Inputs& v) { return log_softmax_composed(v[0], dim); }, in);
  }
  for (const auto& o : {ce_options(-100, 0, Reduction::Mean), ce_options(2, 0.2, Reduction::Mean),
                        ce_options(2, 0.1, Reduction::Sum), ce_options(2, 0.3, Reduction::None)}) {
    const std::string what = std::string("cross_entropy ") + reduction_name(o.reduction);
    const Inputs batched = {leaf_strided({4, 5}, 82, -3, 3), ids({1, 2, 4, 0})};
    const Inputs unbatched = {leaf({5}, 83, -3, 3), id(3)};
    for (const Inputs& in : {batched, unbatched}) {
      check_against_composition(what, [o](const Inputs& v) { return cross_entropy(v[0], v[1], o); },
                                [o](const Inputs& v) { return cross_entropy_composed(v[0], v[1], o); }, in);
      check_against_composition("nll_loss of log_softmax vs cross_entropy",
                                [o](const Inputs& v) { return nll_loss(log_softmax(v[0], -1), v[1], o); },
                                [o](const Inputs& v) { return cross_entropy(v[0], v[1], o); }, in);
      check_against_composition("nll_loss", [o](const Inputs& v) { return nll_loss(v[0], v[1], o); },
                                [o](const Inputs& v) { return class_loss_composed(v[0], v[1], o); }, in);
    }
  }
  const Inputs affine = {leaf_transposed({2, 3, 4}, 84, -2, 2), leaf({3, 4}, 85, 0.5, 1.5), leaf({3, 4}, 86)};
  check_against_composition("layer_norm affine", [](const Inputs& v) { return layer_norm(v[0], {3, 4}, v[1], v[2]); },
                            [](const Inputs& v) { return layer_norm_composed(v[0], 2, v[1], v[2]); }, affine);
  const Inputs weight_only = {leaf({3, 5}, 87, -2, 2), leaf({5}, 88, 0.5, 1.5)};
  check_against_composition("layer_norm weight only", [](const Inputs& v) { return layer_norm(v[0], {5}, v[1]); },
                            [](const Inputs& v) { return layer_norm_composed(v[0], 1, v[1], {}); }, weight_only);
  const Inputs plain = {leaf({2, 6}, 89, -2, 2)};
  check_against_composition("layer_norm no affine", [](const Inputs& v) { return layer_norm(v[0], {6}); },
                            [](const Inputs& v) { return layer_norm_composed(v[0], 1, {}, {}); }, plain);
}

TEST_CASE("nn functional: second derivatives pass gradcheck") {
  const auto check = [](const std::string& what, const OpFn& fn, const Inputs& in) {
    const GradcheckResult r = gradcheck(first_gradient(fn), in);
    CHECK_MESSAGE(r.ok, what << ": " << r.message);
  };
  check("softmax", [](const Inputs& v) { return softmax(v[0], 1); }, {leaf_transposed({2, 3, 4}, 91, -2, 2)});
  check("log_softmax", [](const Inputs& v) { return log_softmax(v[0], 0); }, {leaf({3, 4}, 92, -2, 2)});
  check("cross_entropy", [](const Inputs& v) { return cross_entropy(v[0], v[1], ce_options(2, 0.2, Reduction::Mean)); },
        {leaf_strided({4, 5}, 93, -2, 2), ids({2, 1, 4, 0})});
  check("layer_norm",
        [](const Inputs& v) { return layer_norm(v[0], {4}, v[1], v[2]); },
        {leaf({3, 4}, 94, -2, 2), leaf({4}, 95, 0.5, 1.5), leaf({4}, 96)});
}

// ---- dropout --------------------------------------------------------------------------------------

TEST_CASE("nn functional: dropout is repeatable for a seed and follows the default generator") {
  const Tensor x = ones({4, 8}, kFloat32);
  Generator g1(3), g2(3), g3(4);
  const Tensor a = dropout(x, 0.5, true, &g1), b = dropout(x, 0.5, true, &g2), c = dropout(x, 0.5, true, &g3);
  CHECK(max_abs_diff(a, b) == 0);
  CHECK(max_abs_diff(a, c) > 0);
  // The same seed draws the same mask in float32 and float64.
  Generator g4(3);
  CHECK(max_abs_diff(a.to(kFloat64), dropout(ones({4, 8}, kFloat64), 0.5, true, &g4)) == 0);
  // Without a generator: the default one, seeded by manual_seed.
  manual_seed(11);
  const Tensor d = dropout(x, 0.5, true);
  Generator g5(11);
  CHECK(max_abs_diff(d, dropout(x, 0.5, true, &g5)) == 0);
}

TEST_CASE("nn functional: dropout drops a fraction p and scales the rest by 1/(1-p)") {
  const double p = 0.3;
  const std::int64_t n = 20000;
  Generator g(21);
  const auto v = dropout(ones({n}, kFloat32), p, true, &g).to_vector<float>();
  std::int64_t dropped = 0;
  double total = 0;
  bool kept_scaled = true;
  for (float e : v) {
    dropped += e == 0;
    total += e;
    if (e != 0 && e != static_cast<float>(1 / (1 - p))) kept_scaled = false;
  }
  // The dropped fraction has std sqrt(p (1 - p) / n) = 0.0032: allow about 6 of them.
  const double frac = static_cast<double>(dropped) / n;
  CHECK_MESSAGE(std::abs(frac - p) < 0.02, "dropped fraction " << frac);
  CHECK_MESSAGE(std::abs(total / n - 1) < 0.03, "mean " << total / n);
  CHECK(kept_scaled);
}

TEST_CASE("nn functional: a large dropout mask fills on threads with the same bits, float32 as float64") {
  // 10^6 elements: 16 segments of 2^16, spread over focus's pool at 2 and 3 threads.
  const int before = get_num_threads();
  std::vector<Tensor> masks;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    Generator g(17);
    masks.push_back(kernel::dropout_mask({1000, 1000}, 0.2, kFloat32, g));
  }
  set_num_threads(before);
  CHECK(max_abs_diff(masks[0], masks[1]) == 0);
  CHECK(max_abs_diff(masks[0], masks[2]) == 0);
  Generator g(17);
  const Tensor m64 = kernel::dropout_mask({1000, 1000}, 0.2, kFloat64, g);
  CHECK(max_abs_diff(masks[0].to(kFloat64), m64) < 1e-7);  // the same zeros; 1.25 in each precision
  // The rate: std sqrt(p (1 - p) / n) = 0.0004.
  const double kept = sum(m64).item<double>() / 1.25 / 1e6;
  CHECK(std::abs(kept - 0.8) < 0.003);
}

TEST_CASE("nn functional: dropout is the identity in eval or at p = 0, and zero at p = 1") {
  Tensor x = leaf({3, 4}, 31);
  CHECK(dropout(x, 0.5, false).is_same(x));
  CHECK(dropout(x, 0.0, true).is_same(x));
  const Tensor y = dropout(x, 1.0, true);
  check_close(y, zeros({3, 4}, kFloat64), 0);
  y.sum().backward();
  check_close(x.grad(), zeros({3, 4}, kFloat64), 0);
}

TEST_CASE("nn functional: dropout backward multiplies by the forward's mask") {
  Tensor x = leaf({5, 6}, 32, 1, 2);  // no zeros, so the mask is y / x
  Generator g(5);
  const Tensor y = dropout(x, 0.5, true, &g);
  const Tensor w = leaf({5, 6}, 33).detach();
  sum(y * w).backward();
  const Tensor mask = y.detach() / x.detach();
  check_close(x.grad(), w * mask, 1e-15);
  const auto m = mask.to_vector<double>();
  for (double e : m) CHECK((std::abs(e) < 1e-15 || std::abs(e - 2.0) < 1e-12));
}

// ---- errors ---------------------------------------------------------------------------------------

TEST_CASE("nn functional: errors name the op, the rule and what was given") {
  const Tensor logits = zeros({2, 3}, kFloat32);
  CHECK_ERROR(DTypeError, cross_entropy(logits, zeros({2}, kFloat32)),
              "cross_entropy: targets must be int64 class indices; got targets of float32");
  CHECK_ERROR(IndexError, cross_entropy(logits, ids({1, 5})),
              "cross_entropy: each target must be in [0, C) or equal ignore_index; got targets[1]=5, C=3, "
              "ignore_index=-100");
  CHECK_ERROR(IndexError, cross_entropy(logits, ids({-1, 0})), "got targets[0]=-1, C=3");
  CHECK_ERROR(ShapeError, cross_entropy(logits, ids({0, 1, 2, 0})),
              "cross_entropy: targets must be [N] for input [N, C], or [] for input [C]; got input=[2, 3], "
              "targets=[4]");
  CHECK_ERROR(ShapeError, cross_entropy(zeros({3}, kFloat32), ids({0})),
              "cross_entropy: targets must be [N] for input [N, C], or [] for input [C]; got input=[3], targets=[1]");
  CHECK_ERROR(ShapeError, cross_entropy(zeros({2, 3, 4}, kFloat32), ids({0, 1})),
              "cross_entropy: input must be [N, C] or [C]; got input=[2, 3, 4]");
  CHECK_ERROR(ValueError, cross_entropy(logits, ids({0, 1}), ce_options(-100, 1.5, Reduction::Mean)),
              "cross_entropy: label_smoothing must be in [0, 1]; got label_smoothing=1.5");
  CHECK_ERROR(DTypeError, cross_entropy(zeros({2, 3}, kInt64), ids({0, 1})),
              "cross_entropy: expected a floating dtype (float32 or float64); got int64");
  CHECK_ERROR(IndexError, nll_loss(logits, ids({3, 0})),
              "nll_loss: each target must be in [0, C) or equal ignore_index; got targets[0]=3, C=3");

  CHECK_ERROR(ShapeError, layer_norm(zeros({2, 3}, kFloat32), {4}),
              "layer_norm: normalized_shape must be non-empty and match the trailing dims of x; got x=[2, 3], "
              "normalized_shape=[4]");
  CHECK_ERROR(ShapeError, layer_norm(zeros({2, 3}, kFloat32), {2, 3, 1}), "got x=[2, 3], normalized_shape=[2, 3, 1]");
  CHECK_ERROR(ShapeError, layer_norm(zeros({2, 3}, kFloat32), {3}, zeros({4}, kFloat32)),
              "layer_norm: weight must have normalized_shape; got weight=[4], normalized_shape=[3]");
  CHECK_ERROR(ShapeError, layer_norm(zeros({2, 3}, kFloat32), {3}, {}, zeros({1, 3}, kFloat32)),
              "layer_norm: bias must have normalized_shape; got bias=[1, 3], normalized_shape=[3]");
  CHECK_ERROR(DTypeError, layer_norm(zeros({2, 3}, kFloat32), {3}, zeros({3}, kFloat64)),
              "layer_norm: dtypes must match");

  CHECK_ERROR(ValueError, dropout(logits, 1.5, true), "dropout: p must be in [0, 1]; got p=1.5");
  CHECK_ERROR(ValueError, dropout(logits, -0.1, false), "dropout: p must be in [0, 1]; got p=-0.1");

  CHECK_ERROR(ShapeError, mse_loss(logits, zeros({3}, kFloat32)),
              "mse_loss: input and target must have the same shape; got input=[2, 3], target=[3]");
  CHECK_ERROR(DTypeError, mse_loss(logits, zeros({2, 3}, kFloat64)), "mse_loss: dtypes must match");

  CHECK_ERROR(IndexError, softmax(logits, 2), "softmax: dim out of range [-2, 1]; got dim=2");
  CHECK_ERROR(DTypeError, log_softmax(zeros({2}, kInt64), 0),
              "log_softmax: expected a floating dtype (float32 or float64); got int64");
}
