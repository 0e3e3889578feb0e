// Dropout inside the fused attention kernel (kernel::AttentionDropout): the counter-based
// generator it draws from (Philox4x32-10 against Random123's known answers), the mask's rate and
// values, gradcheck through a fixed mask, second derivatives, and the same bits at any thread
// count and for the same seed. Fused against composed on the same mask: test_attention_kernel.cpp.
#include "attention_checks.h"

#include <focus/tensor/attention_kernel.h>
#include <focus/tensor/counter_random.h>

using namespace focus;
using namespace focus::testing;

TEST_CASE("philox4x32-10 gives Random123's known answers") {
  using Block = std::array<std::uint32_t, 4>;
  CHECK(kernel::philox4x32({0, 0, 0, 0}, 0) == Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(kernel::philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 0xffffffffffffffff) ==
        Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  // The key's low half is Random123's key[0].
  CHECK(kernel::philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, 0x299f31d0a4093822) ==
        Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("attention dropout mask: the rate, the values, and one mask per key") {
  const Shape scores{4, 3, 100, 130};  // 156,000 weights; 130 keys is not a multiple of 4
  const double p = 0.3;
  const Tensor m = kernel::attention_dropout_mask({.p = p, .key = 42}, scores, kFloat64);
  const std::vector<double> v = m.to_vector<double>();
  std::int64_t dropped = 0;
  for (double x : v) {
    if (x == 0) ++dropped;
    else CHECK(x == doctest::Approx(1 / (1 - p)).epsilon(1e-15));
  }
  // Binomial: the standard deviation of the rate is sqrt(p (1 - p) / n) = 0.0012; 5 of them.
  CHECK(std::abs(double(dropped) / double(v.size()) - p) < 0.006);
  // The mean factor is 1, so dropout leaves the expected weights as they were.
  CHECK(std::abs(mean(m).item<double>() - 1.0) < 0.01);
  // A row's mask does not repeat in the next row, slice or key.
  CHECK(max_rel_diff(m.narrow(2, 0, 1), m.narrow(2, 1, 1)) > 0);
  CHECK(max_rel_diff(m.narrow(1, 0, 1), m.narrow(1, 1, 1)) > 0);
  CHECK(max_rel_diff(m, kernel::attention_dropout_mask({.p = p, .key = 43}, scores, kFloat64)) > 0);
  CHECK(max_rel_diff(m, kernel::attention_dropout_mask({.p = p, .key = 42}, scores, kFloat64)) == 0);
  // float32 draws the same mask.
  CHECK(max_rel_diff(kernel::attention_dropout_mask({.p = p, .key = 42}, scores, kFloat32).to(kFloat64), m) < 1e-7);
  // p = 0 keeps everything.
  CHECK(min(kernel::attention_dropout_mask({.p = 0, .key = 42}, {2, 5, 7}, kFloat32)).item<double>() == 1.0);
  CHECK_ERROR(ValueError, (void)kernel::attention_dropout_mask({.p = 1, .key = 0}, scores, kFloat32),
              "attention dropout: p must be in [0, 1)");
}

TEST_CASE("attention dropout: the output is dropout of the weights times v") {
  // out = (softmax(scores) * mask) @ v, written out here from the returned weights and the mask.
  const Inputs in = leaves({{2, 3, 20, 8}, {2, 3, 20, 8}, {2, 3, 20, 8}}, kFloat64, 5);
  AttentionMask causal;
  causal.is_causal = true;
  Generator g(8);
  Tensor weights;
  AttentionOptions o;
  o.dropout_p = 0.25;
  o.gen = &g;
  (void)scaled_dot_product_attention(in[0], in[1], in[2], causal, {}, &weights);
  const Generator before = g;
  const Tensor fused = scaled_dot_product_attention(in[0], in[1], in[2], causal, o);
  // The key the call drew: the two next 32-bit draws of the generator as it was.
  Generator replay = before;
  const std::uint64_t key = std::uint64_t(replay.next_u32()) << 32 | replay.next_u32();
  const Tensor mask = kernel::attention_dropout_mask({.p = 0.25, .key = key}, weights.shape(), kFloat64);
  check_same(fused, matmul(weights * mask, in[2]), 1e-12, "fused vs (weights * mask) @ v");
  // The generator moved on: the next call drops other weights.
  const Tensor next = scaled_dot_product_attention(in[0], in[1], in[2], causal, o);
  CHECK(max_rel_diff(fused, next) > 1e-3);
  // Without dropout the output differs.
  CHECK(max_rel_diff(fused, scaled_dot_product_attention(in[0], in[1], in[2], causal)) > 1e-3);
}

TEST_CASE("attention dropout: gradcheck and second derivatives through the fused node") {
  AttentionMask causal_lengths;
  causal_lengths.is_causal = true;
  causal_lengths.key_lengths = tensor(std::vector<std::int64_t>{70, 40});
  // Rows crossing the 64-row tile; then 131 keys (two key blocks, the recomputing backward).
  const Inputs a = leaves({{2, 1, 70, 3}, {2, 1, 70, 3}, {2, 1, 70, 2}}, kFloat64, 21);
  GradcheckResult r = gradcheck(attention_on(causal_lengths, AttentionPath::Fused, 0.4), a);
  CHECK_MESSAGE(r.ok, r.message);
  const Inputs b = leaves({{1, 2, 5, 3}, {1, 2, 131, 3}, {1, 2, 131, 2}}, kFloat64, 31);
  r = gradcheck(attention_on({}, AttentionPath::Fused, 0.4), b);
  CHECK_MESSAGE(r.ok, r.message);
  // With a bias that learns (its gradient is the scores' gradient, dropout included).
  const Inputs c = leaves({{1, 2, 6, 3}, {1, 2, 9, 3}, {1, 2, 9, 3}, {2, 6, 9}}, kFloat64, 41);
  r = gradcheck(attention_on({}, AttentionPath::Fused, 0.4), c);
  CHECK_MESSAGE(r.ok, r.message);

  // Second derivatives: the fused node's create_graph backward against the composed path.
  const Inputs in = leaves({{1, 2, 9, 3}, {1, 2, 11, 3}, {1, 2, 11, 3}}, kFloat64, 51);
  AttentionMask causal;
  causal.is_causal = true;
  const auto [first_f, second_f] = second_gradients(in, causal, AttentionPath::Fused, 0.4);
  const auto [first_c, second_c] = second_gradients(in, causal, AttentionPath::Composed, 0.4);
  for (int i = 0; i < 3; ++i) {
    check_same(first_f[i], first_c[i], 1e-12, "first gradient " + std::to_string(i));
    check_same(second_f[i], second_c[i], 1e-12, "second gradient " + std::to_string(i));
  }
}

TEST_CASE("attention dropout: the same bits at 1 and 2 threads and for the same seed") {
  // 8 slices of 400 x 400 x 16: above the kernel's threshold for starting threads.
  AttentionMask causal;
  causal.is_causal = true;
  const Inputs in = leaves({{2, 4, 400, 16}, {2, 4, 400, 16}, {2, 4, 400, 16}}, kFloat32, 61);
  const auto [one, two] = fused_on_1_and_2_threads(in, causal, 0.1);
  CHECK(max_rel_diff(one.out, two.out) == 0.0);
  for (int i = 0; i < 3; ++i) CHECK(max_rel_diff(one.grads[i], two.grads[i]) == 0.0);
  const AttentionRun again = run_attention(in, as_is, causal, AttentionPath::Fused, 0.1);
  CHECK(max_rel_diff(one.out, again.out) == 0.0);
}
