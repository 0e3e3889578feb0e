// The additive bias (AttentionMask::bias: ALiBi, T5's relative positions) inside the fused
// attention kernel: value and dq, dk, dv, dbias against the composed path (float64 at 1e-12,
// float32) for biases [H, Tq, Tk], [1, Tq, Tk], [B, H, Tq, Tk] and strided ones, with causal,
// windows, key lengths, bool masks, Tq != Tk, kept weights (Tk <= 128) or not; gradcheck and
// gradgradcheck of the fused path through the bias; the same bits at 1 and 2 threads; errors.
#include "attention_checks.h"

#include <focus/tensor/attention_kernel.h>
#include <focus/tensor/kernel.h>

using namespace focus;
using namespace focus::testing;

namespace {

struct Case {
  std::string name;
  std::vector<Shape> shapes;  // q, k, v, bias leaves
  AttentionMask mask;
  MakeInputs make = as_is;
};

// B = 2, H = 3. 150 and 200 keys cross the 128-key block (the backward recomputes P); 90 or fewer
// keys fit one block (the forward keeps the weights and the backward reads them).
std::vector<Case> cases() {
  AttentionMask none, causal, lengths, causal_lengths, window, window_encoder, masked, short_causal, short_lengths,
      short_window, dead;
  causal.is_causal = true;
  lengths.key_lengths = tensor(std::vector<std::int64_t>{150, 97});
  causal_lengths.is_causal = true;
  causal_lengths.key_lengths = tensor(std::vector<std::int64_t>{200, 61});
  window.is_causal = true;
  window.window = 40;
  window_encoder.window = 30;
  window_encoder.key_lengths = tensor(std::vector<std::int64_t>{300, 170});
  Generator g(5);
  masked.attn_mask = bernoulli({2, 1, 150, 150}, 0.6, kBool, &g) || (arange(150).reshape({1, 1, 1, 150}) == 0.0);
  short_causal.is_causal = true;
  short_lengths.is_causal = true;
  short_lengths.key_lengths = tensor(std::vector<std::int64_t>{90, 23});
  short_window.window = 7;
  short_window.key_lengths = tensor(std::vector<std::int64_t>{50, 31});
  // Causal with Tq > Tk: rows 0 and 1 see no key; batch 1 has no key at all.
  dead.is_causal = true;
  dead.key_lengths = tensor(std::vector<std::int64_t>{3, 0});

  std::vector<Case> c;
  c.push_back({"[H, Tq, Tk], no mask", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}, {3, 150, 150}}, none});
  c.push_back({"[1, Tq, Tk], causal", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}, {1, 150, 150}}, causal});
  c.push_back({"[B, H, Tq, Tk], key_lengths", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 5}, {2, 3, 150, 150}},
               lengths});
  c.push_back({"[H, Tq, Tk], bool mask", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}, {3, 150, 150}}, masked});
  c.push_back({"[H, Tq, Tk], causal window 40", {{2, 3, 200, 8}, {2, 3, 200, 8}, {2, 3, 200, 8}, {3, 200, 200}},
               window});
  c.push_back({"[B, H, Tq, Tk], encoder window 30 with key_lengths",
               {{2, 3, 300, 8}, {2, 3, 300, 8}, {2, 3, 300, 8}, {2, 3, 300, 300}},
               window_encoder});
  // Queries that continue a cached prefix: bottom-right aligned, the bias [H, Tq, Tk] as ALiBi
  // gives it for the last Tq positions.
  c.push_back({"Tq < Tk, causal with key_lengths", {{2, 3, 37, 8}, {2, 3, 200, 8}, {2, 3, 200, 8}, {3, 37, 200}},
               causal_lengths});
  c.push_back({"one query against a cached prefix", {{2, 3, 1, 8}, {2, 3, 140, 8}, {2, 3, 140, 8}, {3, 1, 140}},
               causal});
  // Strided biases: one stored [H, Tk, Tq] and transposed (columns not adjacent), and one shared
  // by every query row ([H, 1, Tk]: row stride 0 once broadcast).
  c.push_back({"transposed bias", {{2, 3, 150, 8}, {2, 3, 130, 8}, {2, 3, 130, 8}, {3, 130, 150}}, causal,
               [](const Inputs& in) { return AttentionInputs{in[0], in[1], in[2], in[3].transpose(1, 2)}; }});
  c.push_back({"[H, 1, Tk] per-key bias", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}, {3, 1, 150}}, lengths});
  // Keys that fit one block: the kept weights carry the bias.
  c.push_back({"short, [H, Tq, Tk], causal", {{2, 3, 50, 8}, {2, 3, 50, 8}, {2, 3, 50, 8}, {3, 50, 50}}, short_causal});
  c.push_back({"short, [B, H, Tq, Tk], Tq < Tk, causal with key_lengths",
               {{2, 3, 37, 8}, {2, 3, 90, 8}, {2, 3, 90, 5}, {2, 3, 37, 90}},
               short_lengths});
  c.push_back({"short, [1, Tq, Tk], encoder window 7 with key_lengths",
               {{2, 3, 50, 8}, {2, 3, 50, 8}, {2, 3, 50, 8}, {1, 50, 50}},
               short_window});
  c.push_back({"short, 128 keys exactly", {{2, 3, 70, 8}, {2, 3, 128, 8}, {2, 3, 128, 8}, {3, 70, 128}}, none});
  c.push_back({"rows that see no key", {{2, 5, 4}, {2, 3, 4}, {2, 3, 4}, {5, 3}}, dead});
  return c;
}

const std::vector<std::string> kGradNames = {"dq", "dk", "dv", "dbias"};

}  // namespace

TEST_CASE("attention bias: fused equals composed in float64, value and dq, dk, dv, dbias") {
  for (const Case& c : cases()) check_paths(c.name, c.shapes, c.make, c.mask, kFloat64, 1e-12, kGradNames);
}

TEST_CASE("attention bias: fused equals composed in float32") {
  for (const Case& c : cases()) check_paths(c.name, c.shapes, c.make, c.mask, kFloat32, 2e-5, kGradNames);
}

TEST_CASE("attention bias: Auto runs fused, a constant bias stays out of the graph, rows see their bias") {
  const Inputs in = leaves({{1, 2, 6, 4}, {1, 2, 6, 4}, {1, 2, 6, 4}}, kFloat64, 21);
  // A large bias on key 0 for head 0 only: head 0's outputs come to v's key 0, head 1's do not.
  std::vector<double> values(2 * 6 * 6, 0.0);
  for (std::int64_t i = 0; i < 6; ++i) values[i * 6] = 60.0;
  AttentionMask m;
  m.bias = tensor(values, {2, 6, 6});
  const Tensor out = scaled_dot_product_attention(in[0], in[1], in[2], m);
  REQUIRE(out.grad_fn());
  CHECK(out.grad_fn()->name() == "scaled_dot_product_attention");
  for (std::int64_t i = 0; i < 6; ++i)
    CHECK(out.at<double>({0, 0, i, 2}) == doctest::Approx(in[2].at<double>({0, 0, 0, 2})).epsilon(1e-12));
  CHECK(std::abs(out.at<double>({0, 1, 3, 2}) - in[2].at<double>({0, 1, 0, 2})) > 1e-3);
  // The bias needs no gradient: three inputs as without one, and the same gradients as composed.
  const auto fused = grad({sum(out * out)}, in);
  AttentionOptions composed;
  composed.path = AttentionPath::Composed;
  const Tensor ref = scaled_dot_product_attention(in[0], in[1], in[2], m, composed);
  const auto expected = grad({sum(ref * ref)}, in);
  for (int i = 0; i < 3; ++i) check_same(fused[i], expected[i], 1e-12, "gradient " + std::to_string(i));
  // Only the bias requires grad: the fused node still records, and the gradient reaches it.
  const Tensor q = in[0].detach(), k = in[1].detach(), v = in[2].detach();
  const Tensor b = leaf({2, 6, 6}, 22);
  m.bias = b;
  const Tensor only_bias = scaled_dot_product_attention(q, k, v, m);
  REQUIRE(only_bias.grad_fn());
  CHECK(only_bias.grad_fn()->name() == "scaled_dot_product_attention");
  const Tensor db = grad({sum(only_bias * only_bias)}, {b})[0];
  const Tensor composed_out = scaled_dot_product_attention(q, k, v, m, composed);
  const Tensor db_ref = grad({sum(composed_out * composed_out)}, {b})[0];
  check_same(db, db_ref, 1e-12, "bias-only gradient");
}

TEST_CASE("attention bias: the kernel keeps weights that include the bias, and dbias only when asked") {
  const Inputs in = leaves({{2, 3, 20, 4}, {2, 3, 30, 4}, {2, 3, 30, 4}, {3, 20, 30}}, kFloat64, 31);
  const Tensor q = in[0].detach(), k = in[1].detach(), v = in[2].detach(), bias = in[3].detach();
  AttentionMask m;
  m.is_causal = true;
  m.bias = bias;
  Tensor expected;
  (void)scaled_dot_product_attention(q, k, v, m, {}, &expected);  // the composed path's weights
  kernel::FlashMask flash;
  flash.is_causal = true;
  flash.bias = kernel::broadcast_to(bias, {2, 3, 20, 30});
  const kernel::FlashForward f = kernel::flash_attention_forward(q, k, v, flash, 0.5, true);
  REQUIRE(f.weights.defined());
  check_same(f.weights, expected, 1e-12, "kept weights");

  const Tensor dout = leaf({2, 3, 20, 4}, 33).detach();
  CHECK_FALSE(kernel::flash_attention_backward(q, k, v, f.out, f.lse, f.weights, dout, flash, 0.5).dbias.defined());
  const kernel::FlashGrads with = kernel::flash_attention_backward(q, k, v, f.out, f.lse, f.weights, dout, flash, 0.5, true);
  REQUIRE(with.dbias.shape() == Shape{2, 3, 20, 30});
  // Query 0 sees keys up to 0 + (30 - 20) = 10: hidden keys get no gradient; seen ones do.
  CHECK(with.dbias.at<double>({1, 2, 0, 11}) == 0.0);
  CHECK(with.dbias.at<double>({1, 2, 0, 10}) != 0.0);
  // Recomputing P (no kept weights) gives the same dbias.
  const kernel::FlashGrads recomputed = kernel::flash_attention_backward(q, k, v, f.out, f.lse, Tensor(), dout, flash,
                                                                         0.5, true);
  check_same(recomputed.dbias, with.dbias, 1e-12, "dbias from recomputed P");
}

TEST_CASE("attention bias: gradcheck of the fused path through q, k, v and the bias") {
  // Causal with key lengths, Tq < Tk, a per-head bias.
  AttentionMask causal_lengths;
  causal_lengths.is_causal = true;
  causal_lengths.key_lengths = tensor(std::vector<std::int64_t>{7, 4});
  const Inputs a = leaves({{2, 3, 5, 3}, {2, 3, 7, 3}, {2, 3, 7, 2}, {3, 5, 7}}, kFloat64, 41);
  const GradcheckResult ra = gradcheck(attention_on(causal_lengths, AttentionPath::Fused), a);
  CHECK_MESSAGE(ra.ok, ra.message);
  // Three queries against 131 keys (two key blocks, the backward recomputes P) in a window.
  AttentionMask window;
  window.window = 70;
  const Inputs b = leaves({{1, 3, 2}, {1, 131, 2}, {1, 131, 2}, {3, 131}}, kFloat64, 45);
  const GradcheckResult rb = gradcheck(attention_on(window, AttentionPath::Fused), b);
  CHECK_MESSAGE(rb.ok, rb.message);
}

TEST_CASE("attention bias: second derivatives through the bias (create_graph path)") {
  AttentionMask causal;
  causal.is_causal = true;
  const Inputs in = leaves({{1, 2, 3, 3}, {1, 2, 5, 3}, {1, 2, 5, 2}, {2, 3, 5}}, kFloat64, 51);
  const GradcheckResult r = gradgradcheck(attention_on(causal, AttentionPath::Fused), in);
  CHECK_MESSAGE(r.ok, r.message);
  // And equal to the composed path's, first and second gradients.
  const auto [first_f, second_f] = second_gradients(in, causal, AttentionPath::Fused);
  const auto [first_c, second_c] = second_gradients(in, causal, AttentionPath::Composed);
  for (int i = 0; i < 4; ++i) {
    check_same(first_f[i], first_c[i], 1e-12, "first gradient " + std::to_string(i));
    check_same(second_f[i], second_c[i], 1e-12, "second gradient " + std::to_string(i));
  }
}

TEST_CASE("attention bias: slices spread over threads give the same bits as one thread") {
  // 8 slices of 400 x 400 x 16: above the kernel's 64 MFLOP threshold, so 2 threads split them;
  // the bias [H, Tq, Tk] is shared by the batch, so its gradient sums two slices' dbias.
  AttentionMask causal;
  causal.is_causal = true;
  const Inputs in = leaves({{2, 4, 400, 16}, {2, 4, 400, 16}, {2, 4, 400, 16}, {4, 400, 400}}, kFloat32, 61);
  const auto [one, two] = fused_on_1_and_2_threads(in, causal);
  REQUIRE(one.node == "scaled_dot_product_attention");
  CHECK(max_rel_diff(one.out, two.out) == 0.0);
  for (int i = 0; i < 4; ++i) CHECK(max_rel_diff(one.grads[i], two.grads[i]) == 0.0);
}

TEST_CASE("attention bias: a bias that does not fit the scores is named on both paths, in-place edits caught") {
  const Inputs in = leaves({{1, 2, 3, 4}, {1, 2, 5, 4}, {1, 2, 5, 4}}, kFloat64, 71);
  AttentionMask m;
  m.bias = zeros({2, 3, 4}, kFloat64);
  for (AttentionPath path : {AttentionPath::Auto, AttentionPath::Fused, AttentionPath::Composed}) {
    AttentionOptions o;
    o.path = path;
    CHECK_ERROR(ShapeError, scaled_dot_product_attention(in[0], in[1], in[2], m, o),
                "scaled_dot_product_attention: the bias must broadcast to the scores [.., Tq, Tk]; got bias=[2, 3, 4], "
                "scores=[1, 2, 3, 5]");
  }
  // The kernel itself refuses a bias that is not a view of the scores' shape.
  kernel::FlashMask flash;
  flash.bias = zeros({2, 3, 4}, kFloat64);
  CHECK_ERROR(ShapeError,
              kernel::flash_attention_forward(in[0].detach(), in[1].detach(), in[2].detach(), flash, 0.5),
              "flash_attention_forward: the bias must be a view of the scores' shape [batch.., Tq, Tk]; got "
              "bias=[2, 3, 4], scores=[1, 2, 3, 5]");
  // The fused node saved the bias: changing it before backward is an error, not a wrong gradient.
  const Tensor b = leaf({2, 3, 5}, 72);
  Tensor values = b.detach();
  m.bias = b;
  const Tensor out = scaled_dot_product_attention(in[0], in[1], in[2], m);
  REQUIRE(out.grad_fn()->name() == "scaled_dot_product_attention");
  values.fill_(0.0);
  CHECK_ERROR(AutogradError, grad({sum(out)}, in), "backward: scaled_dot_product_attention: a tensor saved for the "
                                                   "gradient was modified in place");
}
