// Second derivatives: gradgradcheck on the elementwise ops, matmul and linear, the reductions,
// softmax / log_softmax, the fused losses and layer norm, shape ops and attention; that it
// catches a backward which is right but not differentiable, also at a singular point; and its errors.
#include "op_table.h"

using namespace focus;
using focus::testing::leaf;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct Case {
  const char* name;
  Fn fn;
  std::vector<Tensor> inputs;
};

void check_all(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const GradcheckResult r = gradgradcheck(c.fn, c.inputs);
    CHECK_MESSAGE(r.ok, c.name << ": " << r.message);
    CHECK(r.message.rfind("gradgradcheck passed", 0) == 0);
  }
}

}  // namespace

TEST_CASE("gradgradcheck: elementwise ops, with broadcasting") {
  const Tensor a = leaf({2, 3}, 1), b = leaf({3}, 2), pos = leaf({2, 3}, 3, 0.5, 2), pos_b = leaf({3}, 4, 0.5, 2);
  check_all({
      {"add", [](const auto& in) { return add(in[0], in[1]); }, {a, b}},
      {"sub", [](const auto& in) { return sub(in[0], in[1]); }, {a, b}},
      {"mul", [](const auto& in) { return mul(in[0], in[1]); }, {a, b}},
      {"div", [](const auto& in) { return div(in[0], in[1]); }, {a, pos_b}},
      {"neg", [](const auto& in) { return neg(in[0]); }, {a}},
      {"pow 3", [](const auto& in) { return pow(in[0], 3.0); }, {a}},
      {"exp", [](const auto& in) { return exp(in[0]); }, {a}},
      {"log", [](const auto& in) { return log(in[0]); }, {pos}},
      {"sqrt", [](const auto& in) { return sqrt(in[0]); }, {pos}},
      {"tanh", [](const auto& in) { return tanh(in[0]); }, {a}},
      {"sigmoid", [](const auto& in) { return sigmoid(in[0]); }, {a}},
      {"gelu", [](const auto& in) { return gelu(in[0]); }, {a}},
      {"relu", [](const auto& in) { return relu(in[0]) * in[0]; }, {a}},  // values away from 0
      {"maximum", [](const auto& in) { return maximum(in[0], in[1] * 0.5); }, {pos, pos_b}},
  });
}

TEST_CASE("gradgradcheck: matmul, batched and broadcast, and linear") {
  check_all({
      {"matmul [3,4]@[4,2]", [](const auto& in) { return matmul(in[0], in[1]); }, {leaf({3, 4}, 5), leaf({4, 2}, 6)}},
      {"matmul [2,3,4]@[4,2]", [](const auto& in) { return matmul(in[0], in[1]); },
       {leaf({2, 3, 4}, 7), leaf({4, 2}, 8)}},
      {"matmul transposed view", [](const auto& in) { return matmul(in[0].mT(), in[1]); },
       {leaf({4, 3}, 9), leaf({4, 2}, 10)}},
      {"x @ x (one input twice)", [](const auto& in) { return matmul(in[0], in[0]); }, {leaf({3, 3}, 11)}},
      {"linear", [](const auto& in) { return linear(in[0], in[1], in[2]); },
       {leaf({2, 3, 4}, 12), leaf({5, 4}, 13), leaf({5}, 14)}},
  });
}

TEST_CASE("gradgradcheck: reductions") {
  const Tensor x = leaf({3, 4}, 15);
  check_all({
      {"sum all", [](const auto& in) { return sum(in[0] * in[0]); }, {x}},
      {"sum dim 1 keepdim", [](const auto& in) { return sum(in[0] * in[0], {1}, true); }, {x}},
      {"mean dim 0", [](const auto& in) { return mean(exp(in[0]), {0}); }, {x}},
      {"var dim 1", [](const auto& in) { return var(in[0], {1}); }, {x}},
      {"logsumexp dim 1", [](const auto& in) { return logsumexp(in[0], {1}); }, {x}},
      {"max dim 1", [](const auto& in) { return max(in[0] * in[0], 1).values; }, {x}},
  });
}

TEST_CASE("gradgradcheck: softmax, log_softmax, the fused losses and layer norm") {
  const Tensor x = leaf({3, 5}, 16);
  const Tensor targets = tensor(std::vector<std::int64_t>{4, 0, 2});
  CrossEntropyOptions smooth;
  smooth.label_smoothing = 0.1;
  check_all({
      {"softmax dim -1", [](const auto& in) { return softmax(in[0], -1); }, {x}},
      {"softmax dim 0", [](const auto& in) { return softmax(in[0], 0); }, {x}},
      {"log_softmax dim -1", [](const auto& in) { return log_softmax(in[0], -1); }, {x}},
      {"cross_entropy", [&](const auto& in) { return cross_entropy(in[0], targets); }, {x}},
      {"cross_entropy smoothed", [&](const auto& in) { return cross_entropy(in[0], targets, smooth); }, {x}},
      {"nll_loss", [&](const auto& in) { return nll_loss(in[0], targets); }, {x}},
      {"mse_loss", [](const auto& in) { return mse_loss(in[0], in[1]); }, {x, leaf({3, 5}, 17)}},
      {"layer_norm", [](const auto& in) { return layer_norm(in[0], {5}, in[1], in[2]); },
       {x, leaf({5}, 18, 0.5, 1.5), leaf({5}, 19)}},
  });
}

TEST_CASE("gradgradcheck: views, joins, gathers and masks, and scaled dot-product attention") {
  const Tensor x = leaf({3, 4}, 22), y = leaf({2, 4}, 23);
  const Tensor idx = tensor(std::vector<std::int64_t>{2, 0, 2});
  const Tensor gidx = tensor(std::vector<std::int64_t>{1, 3, 0, 0, 2, 1}, {3, 2});
  const Tensor mask = tensor(std::vector<bool>{true, false, false, true, true, false, false, true, false, true, true, false}, {3, 4});
  check_all({
      {"transpose, reshape, slice", [](const auto& in) { return (in[0].t().reshape({2, 6}) * in[0].reshape({2, 6})).slice(1, 1, 5); }, {x}},
      {"cat", [](const auto& in) { return cat({in[0] * in[0], in[1]}, 0) * cat({in[0], in[1] * in[1]}, 0); }, {x, y}},
      {"index_select (repeated rows)", [&](const auto& in) { return exp(index_select(in[0], 0, idx)); }, {x}},
      {"gather", [&](const auto& in) { return pow(gather(in[0], 1, gidx), 3.0); }, {x}},
      {"masked_fill", [&](const auto& in) { return masked_fill(in[0] * in[0], mask, 0.5); }, {x}},
      {"where", [&](const auto& in) { return where(mask, sin(in[0]), in[0] * in[0]); }, {x}},
  });
  // Attention: q [2, 3, 4], k and v [2, 5, 4]; with the weights asked for it runs composed,
  // without, it runs the default path (fused, whose create_graph backward is composed ops).
  const Tensor q = leaf({2, 3, 4}, 24), k = leaf({2, 5, 4}, 25), v = leaf({2, 5, 4}, 26);
  AttentionMask causal;
  causal.is_causal = true;
  AttentionMask lengths;
  lengths.key_lengths = tensor(std::vector<std::int64_t>{5, 3});
  for (const AttentionMask* m : {&causal, &lengths}) {
    check_all({
        {"attention (weights asked for)", [&](const auto& in) {
           Tensor w;
           return scaled_dot_product_attention(in[0], in[1], in[2], *m, {}, &w);
         }, {q, k, v}},
        {"attention (default path)", [&](const auto& in) { return scaled_dot_product_attention(in[0], in[1], in[2], *m); },
         {q, k, v}},
    });
  }
}

// y = x^2 whose backward is right (2 x g) but computed on a detached x: first derivatives pass,
// but under create_graph the gradient forgets that it depends on x, so d2y/dx2 comes out 0.
Tensor square_with_detached_backward(const Tensor& x) {
  Tensor out = x.detach() * x.detach();
  if (!needs_grad(x)) return out;
  return record("square_detached", out, {x}, [x = save(x)](const Tensor& g) -> Grads {
    return {g * x.get("square_detached").detach() * 2.0};
  });
}

TEST_CASE("gradgradcheck: catches a backward that is correct but not differentiable") {
  const Tensor x = leaf({3}, 20);
  auto fn = [](const std::vector<Tensor>& in) { return square_with_detached_backward(in[0]); };
  CHECK(gradcheck(fn, {x}).ok);
  const GradcheckResult r = gradgradcheck(fn, {x}, tensor(std::vector<double>{1, 1, 1}));
  CHECK(!r.ok);
  CHECK(r.input == 0);
  CHECK(r.analytic == 0);
  CHECK(r.numeric == doctest::Approx(2.0).epsilon(1e-6));  // d/dx (2 x v) with v = 1
  CHECK(r.message.rfind("gradgradcheck FAILED: worst at input 0", 0) == 0);
}

TEST_CASE("gradgradcheck: errors name the rule and the shapes") {
  const Tensor x = leaf({2, 3}, 21);
  auto fn = [](const std::vector<Tensor>& in) { return exp(in[0]); };
  CHECK_ERROR(ShapeError, gradgradcheck(fn, {x}, zeros({3}, kFloat64)), "gradgradcheck",
              "grad_output must have the output's shape", "grad_output=[3]", "output=[2, 3]");
  CHECK_ERROR(DTypeError, gradgradcheck(fn, {x}, zeros({2, 3})), "gradgradcheck (grad_output)", "float32");
  CHECK_ERROR(AutogradError, gradgradcheck(fn, {x.detach()}), "gradgradcheck: at least one input must require grad",
              "none requiring grad");
  // An empty output or empty inputs give an empty Jacobian: an error, not a pass.
  CHECK_ERROR(ShapeError, gradgradcheck([](const std::vector<Tensor>& in) { return in[0].narrow(1, 0, 0); }, {x}),
              "gradgradcheck: the output must hold at least one element", "got output=[2, 0]");
  CHECK_ERROR(ShapeError, gradgradcheck(fn, {zeros({0}, kFloat64).requires_grad_()}),
              "gradgradcheck: the inputs that require grad must hold at least one element", "got input 0=[0]");
  CHECK_ERROR(DTypeError, gradgradcheck(fn, {x.to(kFloat32).detach().requires_grad_()}),
              "gradgradcheck: floating inputs must be float64", "got input 0 of float32 (requires grad)");
  CHECK_ERROR(DTypeError, gradgradcheck([](const std::vector<Tensor>& in) { return in[0] * in[1].to(kFloat64); },
                                        {x, ones({2, 3})}),
              "gradgradcheck: floating inputs must be float64", "got input 1 of float32");
}

// y = 1 / x whose backward -g / x^2 is right but computed on a detached x: its second derivative
// comes out 0. Near the pole the true second derivative is infinite.
Tensor reciprocal_with_detached_backward(const Tensor& x) {
  Tensor out = 1.0 / x.detach();
  if (!needs_grad(x)) return out;
  return record("reciprocal_detached", out, {x}, [x = save(x)](const Tensor& g) -> Grads {
    const Tensor xv = x.get("reciprocal_detached").detach();
    return {-g / (xv * xv)};
  });
}

TEST_CASE("gradgradcheck: a wrong second derivative at a singular point fails, naming the element") {
  // At x = 1e-6 the first derivative -v / x^2 at x - eps = 0 is -inf: the numeric second
  // derivative is infinite, and the detached backward says 0. inf - inf = NaN once passed this.
  const Tensor at_pole = tensor(std::vector<double>{1e-6}).requires_grad_();
  const Tensor v = tensor(std::vector<double>{1});
  const GradcheckResult wrong =
      gradgradcheck([](const std::vector<Tensor>& in) { return reciprocal_with_detached_backward(in[0]); }, {at_pole}, v);
  CHECK(!wrong.ok);
  CHECK(wrong.input == 0);
  CHECK(wrong.analytic == 0);
  CHECK(std::isinf(wrong.numeric));
  CHECK_MESSAGE(wrong.message.rfind("gradgradcheck FAILED: non-finite derivative at input 0 element 0", 0) == 0,
                wrong.message);
  CHECK_MESSAGE(wrong.message.find("the point may be singular") != std::string::npos, wrong.message);
  // The library's 1/x fails there too (the point is singular), and passes away from it.
  const auto lib = [](const std::vector<Tensor>& in) { return 1.0 / in[0]; };
  const GradcheckResult lib_at_pole = gradgradcheck(lib, {at_pole}, v);
  CHECK(!lib_at_pole.ok);
  CHECK_MESSAGE(lib_at_pole.message.find("may be singular") != std::string::npos, lib_at_pole.message);
  const GradcheckResult lib_away = gradgradcheck(lib, {leaf({3}, 27, 0.5, 2)});
  CHECK_MESSAGE(lib_away.ok, lib_away.message);
}
