// Second derivatives: gradgradcheck on the elementwise ops, matmul and linear, the reductions,
// softmax / log_softmax, the fused losses and layer norm, shape ops and attention; that it
// catches a backward which is right but not differentiable; and its errors.
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
  CHECK_ERROR(AutogradError, gradgradcheck(fn, {x.detach()}), "gradgradcheck: no input requires grad");
}
