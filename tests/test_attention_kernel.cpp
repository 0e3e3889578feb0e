// The fused, blockwise attention kernel (tensor/attention_kernel.h) behind
// scaled_dot_product_attention: its value and every gradient against the composed path (float64
// tight, float32), for causal, key-length and bool masks, Tq != Tk, sizes that are not multiples
// of the tiles, broadcast and strided inputs; gradcheck; second derivatives through the fused
// node; rows that attend no key; which path runs when; and that its memory is linear in T.
#include "attention_checks.h"

#include <focus/tensor/allocator.h>
#include <focus/tensor/attention_kernel.h>

using namespace focus;
using namespace focus::testing;

namespace {

// The cases both dtypes run: B = 2, H = 3 unless said; 150 rows and keys cross the 64-row and
// 128-key tiles without filling them.
struct Case {
  std::string name;
  std::vector<Shape> shapes;
  MakeInputs make;
  AttentionMask mask;
};

std::vector<Case> cases() {
  std::vector<Case> c;
  AttentionMask none, causal, lengths, causal_lengths, masked;
  causal.is_causal = true;
  lengths.key_lengths = tensor(std::vector<std::int64_t>{150, 97});
  causal_lengths.is_causal = true;
  causal_lengths.key_lengths = tensor(std::vector<std::int64_t>{200, 61});
  // A random bool mask [B, 1, Tq, Tk] with every row's first key visible, broadcast over heads.
  Generator g(5);
  masked.attn_mask = bernoulli({2, 1, 150, 150}, 0.6, kBool, &g) || (arange(150).reshape({1, 1, 1, 150}) == 0.0);

  c.push_back({"no mask", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}}, as_is, none});
  c.push_back({"causal", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}}, as_is, causal});
  c.push_back({"key_lengths", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 5}}, as_is, lengths});
  c.push_back({"bool mask", {{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}}, as_is, masked});
  c.push_back({"one query against a cached prefix", {{2, 3, 1, 8}, {2, 3, 140, 8}, {2, 3, 140, 8}}, as_is, causal});
  c.push_back({"Tq < Tk, causal with key_lengths", {{2, 3, 37, 8}, {2, 3, 200, 8}, {2, 3, 200, 8}}, as_is,
               causal_lengths});
  // k, v shared by the heads ([B, 1, Tk, d]) and by the batch ([Tk, d]): their gradients sum.
  c.push_back({"broadcast k and v", {{2, 3, 70, 8}, {2, 1, 130, 8}, {130, 8}}, as_is, causal});
  // Heads split from [B, T, H * Dh] by a transpose: rows 24 elements apart, no copy.
  c.push_back({"head-split views", {{2, 150, 24}, {2, 150, 24}, {2, 150, 24}},
               [](const Inputs& in) {
                 auto split = [](const Tensor& x) { return x.reshape({2, 150, 3, 8}).transpose(1, 2); };
                 return AttentionInputs{split(in[0]), split(in[1]), split(in[2])};
               },
               causal});
  // Keys that fit one 128-key block: the forward keeps the weights and the backward reads them
  // instead of recomputing the scores (a second code path of the backward).
  AttentionMask short_lengths, short_masked;
  short_lengths.is_causal = true;
  short_lengths.key_lengths = tensor(std::vector<std::int64_t>{90, 23});
  short_masked.attn_mask = bernoulli({2, 1, 50, 50}, 0.6, kBool, &g) || (arange(50).reshape({1, 1, 1, 50}) == 0.0);
  c.push_back({"short, no mask", {{2, 3, 50, 8}, {2, 3, 50, 8}, {2, 3, 50, 8}}, as_is, none});
  c.push_back({"short, causal with key_lengths", {{2, 3, 37, 8}, {2, 3, 90, 8}, {2, 3, 90, 5}}, as_is, short_lengths});
  c.push_back({"short, bool mask", {{2, 3, 50, 8}, {2, 3, 50, 8}, {2, 3, 50, 8}}, as_is, short_masked});
  c.push_back({"short, 128 keys exactly", {{2, 3, 70, 8}, {2, 3, 128, 8}, {2, 3, 128, 8}}, as_is, none});
  // At most 4 query rows take the forward's dot-product path (no BLAS); head dims of 20 and 40
  // leave a tail after the 16-lane sums. 5 rows are the first count back on BLAS.
  AttentionMask few_lengths, few_masked;
  few_lengths.key_lengths = tensor(std::vector<std::int64_t>{140, 33});
  few_masked.attn_mask = bernoulli({2, 1, 3, 150}, 0.6, kBool, &g) || (arange(150).reshape({1, 1, 1, 150}) == 0.0);
  c.push_back({"four queries, key_lengths, head dim 20", {{2, 3, 4, 20}, {2, 3, 140, 20}, {2, 3, 140, 12}}, as_is, few_lengths});
  c.push_back({"three queries, bool mask, head dim 40", {{2, 3, 3, 40}, {2, 3, 150, 40}, {2, 3, 150, 40}}, as_is, few_masked});
  c.push_back({"five queries, causal", {{2, 3, 5, 20}, {2, 3, 140, 20}, {2, 3, 140, 20}}, as_is, causal});
  c.push_back({"two queries from head-split views", {{2, 2, 24}, {2, 130, 24}, {2, 130, 24}},
               [](const Inputs& in) {
                 auto split = [](const Tensor& x) { return x.reshape({2, x.size(1), 3, 8}).transpose(1, 2); };
                 return AttentionInputs{split(in[0]), split(in[1]), split(in[2])};
               },
               causal});
  return c;
}

}  // namespace

TEST_CASE("attention kernel: fused equals composed in float64, value and every gradient") {
  for (const Case& c : cases()) check_paths(c.name, c.shapes, c.make, c.mask, kFloat64, 1e-12);
}

TEST_CASE("attention kernel: fused equals composed in float32") {
  for (const Case& c : cases()) check_paths(c.name, c.shapes, c.make, c.mask, kFloat32, 2e-5);
}

TEST_CASE("attention kernel: with dropout, fused equals composed on the same mask (float64 and float32)") {
  // One generator state per run: both paths draw the same key, so they drop the same weights; the
  // short cases cover the backward that reads the kept weights, the rest the one that recomputes.
  for (const Case& c : cases()) {
    check_paths(c.name, c.shapes, c.make, c.mask, kFloat64, 1e-12, {}, 0.3);
    check_paths(c.name, c.shapes, c.make, c.mask, kFloat32, 2e-5, {}, 0.3);
  }
}

TEST_CASE("attention kernel: gradcheck of the fused path in float64") {
  // Causal with key lengths, rows crossing the 64-row tile.
  AttentionMask causal_lengths;
  causal_lengths.is_causal = true;
  causal_lengths.key_lengths = tensor(std::vector<std::int64_t>{70, 40});
  const Inputs a = leaves({{2, 1, 70, 3}, {2, 1, 70, 3}, {2, 1, 70, 2}}, kFloat64, 21);
  const GradcheckResult ra = gradcheck(attention_on(causal_lengths, AttentionPath::Fused), a);
  CHECK_MESSAGE(ra.ok, ra.message);
  // Three queries against 131 keys (two key tiles) under a bool mask.
  AttentionMask masked;
  Generator g(9);
  masked.attn_mask = bernoulli({3, 131}, 0.5, kBool, &g) || (arange(131).reshape({1, 131}) == 130.0);
  const Inputs b = leaves({{3, 2}, {131, 2}, {131, 2}}, kFloat64, 31);
  const GradcheckResult rb = gradcheck(attention_on(masked, AttentionPath::Fused), b);
  CHECK_MESSAGE(rb.ok, rb.message);
}

TEST_CASE("attention kernel: second derivatives through the fused node equal the composed ones") {
  AttentionMask causal;
  causal.is_causal = true;
  const Inputs in = leaves({{1, 2, 9, 3}, {1, 2, 11, 3}, {1, 2, 11, 3}}, kFloat64, 41);
  const auto [first_f, second_f] = second_gradients(in, causal, AttentionPath::Fused);
  const auto [first_c, second_c] = second_gradients(in, causal, AttentionPath::Composed);
  for (int i = 0; i < 3; ++i) {
    check_same(first_f[i], first_c[i], 1e-12, "first gradient " + std::to_string(i));
    check_same(second_f[i], second_c[i], 1e-12, "second gradient " + std::to_string(i));
  }
  // And against finite differences of the first gradient.
  const GradcheckResult r = gradcheck(
      [&](const Inputs& x) {
        AutoGradMode on(true);
        AttentionOptions o;
        o.path = AttentionPath::Fused;
        const Tensor out = scaled_dot_product_attention(x[0], x[1], x[2], causal, o);
        Generator g(3);
        return grad({sum(out * uniform(out.shape(), -1, 1, kFloat64, &g))}, {x[1]}, {}, false, true)[0];
      },
      in);
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("attention kernel: rows that attend no key are NaN on both paths, with the same NaN gradients") {
  // Causal with Tq > Tk: query i sees keys j <= i - 2, so rows 0 and 1 see none; batch 1 has no
  // key at all (key_lengths 0). Slice 0's other rows stay finite.
  AttentionMask mask;
  mask.is_causal = true;
  mask.key_lengths = tensor(std::vector<std::int64_t>{3, 0});
  const Inputs in = leaves({{2, 5, 4}, {2, 3, 4}, {2, 3, 4}}, kFloat64, 51);
  const AttentionRun fused = run_attention(in, mask, AttentionPath::Fused);
  const AttentionRun composed = run_attention(in, mask, AttentionPath::Composed);
  REQUIRE(fused.node == "scaled_dot_product_attention");
  CHECK(std::isnan(fused.out.at<double>({0, 0, 0})));
  CHECK(std::isnan(fused.out.at<double>({1, 4, 3})));
  CHECK(std::isfinite(fused.out.at<double>({0, 2, 0})));
  check_same(fused.out, composed.out, 1e-12, "value");
  for (int i = 0; i < 3; ++i) check_same(fused.grads[i], composed.grads[i], 1e-12, "gradient " + std::to_string(i));
  // As composed: a dead row's dq is 0 and it adds nothing to dk (masked_fill's gradient stops
  // the NaN), but the NaN weights reach every dv of the slice (dv = P^T dO).
  CHECK(fused.grads[0].at<double>({0, 1, 2}) == 0.0);
  CHECK(std::isfinite(fused.grads[0].at<double>({0, 3, 1})));
  CHECK(std::isfinite(fused.grads[1].at<double>({0, 0, 0})));
  CHECK(std::isnan(fused.grads[2].at<double>({0, 2, 3})));
}

TEST_CASE("attention kernel: the weights take the composed path, and Fused refuses them, dropout stays fused") {
  const Inputs in = leaves({{1, 2, 6, 4}, {1, 2, 6, 4}, {1, 2, 6, 4}}, kFloat64, 61);
  AttentionMask causal;
  causal.is_causal = true;
  Tensor w;
  const Tensor with_weights = scaled_dot_product_attention(in[0], in[1], in[2], causal, {}, &w);
  CHECK(with_weights.grad_fn()->name() == "matmul");
  CHECK(w.shape() == Shape{1, 2, 6, 6});
  CHECK(w.at<double>({0, 1, 0, 1}) == 0.0);  // causal: query 0 does not see key 1
  const Tensor fused = scaled_dot_product_attention(in[0], in[1], in[2], causal);
  CHECK(fused.grad_fn()->name() == "scaled_dot_product_attention");
  check_same(fused, with_weights, 1e-12, "auto vs composed");

  AttentionOptions drop;
  drop.dropout_p = 0.5;
  CHECK(scaled_dot_product_attention(in[0], in[1], in[2], causal, drop).grad_fn()->name() ==
        "scaled_dot_product_attention");
  CHECK(scaled_dot_product_attention(in[0], in[1], in[2], causal, drop, &w).grad_fn()->name() == "matmul");

  AttentionOptions forced;
  forced.path = AttentionPath::Fused;
  CHECK_ERROR(ValueError, (void)scaled_dot_product_attention(in[0], in[1], in[2], causal, forced, &w),
              "scaled_dot_product_attention: the fused path returns no weights; got weights requested");
  for (double p : {1.0, -0.1, std::nan("")}) {
    forced.dropout_p = p;
    CHECK_ERROR(ValueError, (void)scaled_dot_product_attention(in[0], in[1], in[2], causal, forced),
                "scaled_dot_product_attention: dropout_p must be in [0, 1)");
  }
}

TEST_CASE("attention kernel: mask errors read the same on the fused path") {
  const Inputs in = leaves({{2, 2, 5, 4}, {2, 2, 6, 4}, {2, 2, 6, 4}}, kFloat64, 71);
  AttentionMask float_mask;
  float_mask.attn_mask = zeros({5, 6}, kFloat64);
  CHECK_ERROR(DTypeError, (void)scaled_dot_product_attention(in[0], in[1], in[2], float_mask),
              "scaled_dot_product_attention (attn_mask)");
  // A mask that does not broadcast to the scores: the same error as the composed path's.
  AttentionMask wrong;
  wrong.attn_mask = zeros({3, 5, 6}, kBool);
  auto message = [&](AttentionPath path) -> std::string {
    AttentionOptions o;
    o.path = path;
    try {
      (void)scaled_dot_product_attention(in[0], in[1], in[2], wrong, o);
    } catch (const ShapeError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(message(AttentionPath::Fused) == message(AttentionPath::Composed));
  CHECK_ERROR(ShapeError, (void)scaled_dot_product_attention(in[0], in[1], in[2], wrong),
              "scaled_dot_product_attention: shapes must broadcast", "a=[2, 2, 5, 6], b=[3, 5, 6]");
  AttentionMask float_lengths;
  float_lengths.key_lengths = zeros({2}, kFloat64);
  CHECK_ERROR(DTypeError, (void)scaled_dot_product_attention(in[0], in[1], in[2], float_lengths),
              "scaled_dot_product_attention (key_lengths)");
}

TEST_CASE("attention kernel: memory is linear in T (nothing of size T x T is kept or made)") {
  // What the kernel keeps for backward besides q, k, v: the output and one number per query row.
  const Inputs small = leaves({{2, 3, 50, 4}, {2, 3, 70, 4}, {2, 3, 70, 5}}, kFloat32, 81);
  const kernel::FlashForward f = kernel::flash_attention_forward(small[0].detach(), small[1].detach(),
                                                                 small[2].detach(), kernel::FlashMask{true, {}, {}}, 0.5);
  CHECK(f.out.shape() == Shape{2, 3, 50, 5});
  CHECK(f.lse.shape() == Shape{2, 3, 50});
  CHECK_FALSE(f.weights.defined());
  // Asked to keep the weights, it keeps them only while the keys fit one block (Tq x <= 128 per
  // slice, still linear in T): causal weights, each row summing to 1.
  const kernel::FlashForward kept = kernel::flash_attention_forward(
      small[0].detach(), small[1].detach(), small[2].detach(), kernel::FlashMask{true, {}, {}}, 0.5, true);
  REQUIRE(kept.weights.shape() == Shape{2, 3, 50, 70});
  CHECK(kept.weights.at<float>({1, 2, 0, 20}) > 0.0f);   // query 0 sees keys up to 0 + (70 - 50)
  CHECK(kept.weights.at<float>({1, 2, 0, 21}) == 0.0f);  // and no later one
  const auto row_sums = sum(kept.weights, {-1}).to_vector<double>();
  for (double r : row_sums) CHECK(r == doctest::Approx(1.0).epsilon(1e-5));
  const Inputs long_keys = leaves({{1, 1, 4, 4}, {1, 1, 129, 4}, {1, 1, 129, 4}}, kFloat32, 83);
  CHECK_FALSE(kernel::flash_attention_forward(long_keys[0].detach(), long_keys[1].detach(), long_keys[2].detach(), {},
                                              0.5, true)
                  .weights.defined());

  // The allocator's high-water mark over forward (graph kept) and backward: the fused path stays
  // far below one T x T float32 matrix, the composed path goes above it.
  const std::int64_t T = 2048, Dh = 16;
  const double square = double(T) * T * 4;  // 16 MiB
  const Inputs in = leaves({{1, 1, T, Dh}, {1, 1, T, Dh}, {1, 1, T, Dh}}, kFloat32, 91);
  AttentionMask causal;
  causal.is_causal = true;
  auto peak_growth = [&](AttentionPath path, double& kept) {
    AttentionOptions o;
    o.path = path;
    alloc::reset_peak();
    const double start = double(alloc::stats().allocated_bytes);
    const Tensor out = scaled_dot_product_attention(in[0], in[1], in[2], causal, o);
    kept = double(alloc::stats().allocated_bytes) - start;  // the output and what the graph saved
    (void)grad({sum(out)}, in);
    return double(alloc::stats().peak_bytes) - start;
  };
  double kept_fused = 0, kept_composed = 0;
  const double fused = peak_growth(AttentionPath::Fused, kept_fused);
  const double composed = peak_growth(AttentionPath::Composed, kept_composed);
  MESSAGE("T=2048, Dh=16: after forward the fused path holds " << kept_fused / 1e6 << " MB, the composed "
          << kept_composed / 1e6 << " MB; peak over forward and backward: fused " << fused / 1e6
          << " MB, composed " << composed / 1e6 << " MB (one T x T float32 matrix: " << square / 1e6 << " MB)");
  CHECK(kept_fused < square / 8);
  CHECK(fused < square / 8);
  CHECK(kept_composed > square);
  CHECK(composed > square);
}

TEST_CASE("attention kernel: slices spread over threads give the same bits as one thread") {
  // 8 slices of 400 x 400 x 16 (82 MFLOP forward): above the kernel's 64 MFLOP threshold for
  // starting threads, so with 2 threads focus's pool gives each 4 slices.
  AttentionMask causal;
  causal.is_causal = true;
  const Inputs in = leaves({{2, 4, 400, 16}, {2, 4, 400, 16}, {2, 4, 400, 16}}, kFloat32, 61);
  const auto [one, two] = fused_on_1_and_2_threads(in, causal);
  CHECK(max_rel_diff(one.out, two.out) == 0.0);
  for (int i = 0; i < 3; ++i) CHECK(max_rel_diff(one.grads[i], two.grads[i]) == 0.0);
}
