// Sliding-window (local) attention, AttentionMask::window: the rule against a bool mask built by
// loops, the fused kernel against the composed path (float64 tight, float32) for causal and
// non-causal windows with key lengths, Tq != Tk and sizes off the 64 x 128 tiles, gradcheck of
// both paths, that the kernel never reads key blocks outside the window, and the error for W < 0.
#include "attention_checks.h"

#include <array>

using namespace focus;
using namespace focus::testing;

namespace {

// Returns the largest difference over the value and the three gradients (-1 if NaNs differ).
double max_diff(const AttentionRun& a, const AttentionRun& b, const std::string& what) {
  double worst = max_rel_diff(a.out, b.out);
  for (int i = 0; i < 3; ++i) {
    const double d = max_rel_diff(a.grads[i], b.grads[i]);
    worst = d < 0 || worst < 0 ? -1 : std::max(worst, d);
  }
  MESSAGE(what << ": max relative diff over value and gradients " << worst);
  return worst;
}

// The rule written out position by position: [Tq, Tk] bool, true = may attend.
Tensor window_by_loops(std::int64_t tq, std::int64_t tk, std::int64_t w, bool causal) {
  std::vector<bool> keep(tq * tk);
  for (std::int64_t i = 0; i < tq; ++i) {
    const std::int64_t p = i + tk - tq;  // query i's position among the keys
    for (std::int64_t j = 0; j < tk; ++j) {
      const bool before = j >= p - w && j <= p;  // the W keys before it and itself
      const bool after = j > p && j <= p + w;    // the W keys after it
      keep[i * tk + j] = before || (!causal && after);
    }
  }
  return tensor(keep, {tq, tk});
}

struct Case {
  std::string name;
  std::vector<Shape> shapes;  // q, k, v
  AttentionMask mask;
};

AttentionMask window(std::int64_t w, bool causal, std::vector<std::int64_t> lengths = {}) {
  AttentionMask m;
  m.window = w;
  m.is_causal = causal;
  if (!lengths.empty()) m.key_lengths = tensor(lengths);
  return m;
}

// B = 2, H = 3; 150, 200 and 300 cross the 64-row and 128-key tiles unevenly. Key lengths are
// chosen so that every row keeps a key (a row whose window lies past its sequence's end sees
// none, and its NaN reaches the slice's whole dv on both paths); one case has such rows on purpose.
std::vector<Case> cases() {
  std::vector<Case> c;
  auto qkv = [](std::int64_t tq, std::int64_t tk, std::int64_t dv = 8) {
    return std::vector<Shape>{{2, 3, tq, 8}, {2, 3, tk, 8}, {2, 3, tk, dv}};
  };
  c.push_back({"causal, W = 5 (inside one block)", qkv(150, 150), window(5, true)});
  c.push_back({"causal, W = 200 (over a block)", qkv(300, 300), window(200, true)});
  c.push_back({"causal, W = 64, key_lengths", qkv(300, 300, 5), window(64, true, {300, 240})});
  c.push_back({"non-causal, W = 40", qkv(300, 300), window(40, false)});
  c.push_back({"non-causal, W = 150, key_lengths", qkv(300, 300), window(150, false, {250, 160})});
  c.push_back({"causal continuation Tq < Tk, W = 50, key_lengths", qkv(37, 200), window(50, true, {200, 161})});
  c.push_back({"one query against a cached prefix, W = 64", qkv(1, 300), window(64, true)});
  c.push_back({"non-causal Tq < Tk, W = 20", qkv(70, 260), window(20, false)});
  // Tq > Tk, not causal: query i sits at i - 130, so rows 0..119 see no key (NaN on both paths).
  c.push_back({"non-causal Tq > Tk with rows that see no key", qkv(150, 20), window(10, false)});
  // Keys within one block: the forward keeps the weights and the backward reads them.
  c.push_back({"short, causal W = 10", qkv(50, 50), window(10, true)});
  c.push_back({"short, non-causal W = 7, Tq != Tk, key_lengths", qkv(50, 90), window(7, false, {90, 85})});
  // With a bool mask [B, 1, Tq, Tk] (every row's own key kept), broadcast over heads.
  Generator g(5);
  AttentionMask both = window(30, false);
  both.attn_mask = bernoulli({2, 1, 150, 150}, 0.6, kBool, &g) || (eye(150, kFloat64) == 1.0).reshape({1, 1, 150, 150});
  c.push_back({"non-causal W = 30 with a bool mask", qkv(150, 150), both});
  return c;
}

}  // namespace

TEST_CASE("local attention: window=W masks exactly what the rule written as loops masks") {
  for (const bool causal : {true, false}) {
    const std::vector<std::array<std::int64_t, 3>> sizes = {{7, 7, 2}, {3, 9, 4}, {9, 4, 1}, {6, 6, 9}};  // Tq, Tk, W
    for (const auto& size : sizes) {
      // Plain locals, not a structured binding: CAPTURE takes them into a lambda, which clang 14 refuses.
      const std::int64_t tq = size[0], tk = size[1], w = size[2];
      CAPTURE(causal);
      CAPTURE(tq);
      CAPTURE(tk);
      CAPTURE(w);
      AttentionMask m;
      m.is_causal = causal;
      m.window = w;
      const Tensor expected = window_by_loops(tq, tk, w, causal);
      CHECK(attention_keep_mask(m, tq, tk, 2).to_vector<bool>() == expected.to_vector<bool>());
      // Attention under the window equals attention under the loops' mask, on both paths.
      const Inputs in = leaves({{2, tq, 4}, {2, tk, 4}, {2, tk, 3}}, kFloat64, 3);
      AttentionMask explicit_mask;
      explicit_mask.attn_mask = expected;
      const AttentionRun reference = run_attention(in, explicit_mask, AttentionPath::Composed);
      CHECK(max_diff(run_attention(in, m, AttentionPath::Composed), reference, "composed") == 0.0);
      CHECK(max_diff(run_attention(in, m, AttentionPath::Fused), reference, "fused") <= 1e-12);
    }
  }
  // A bias runs fused and keeps the window.
  const Inputs in = leaves({{1, 2, 9, 4}, {1, 2, 9, 4}, {1, 2, 9, 4}}, kFloat64, 13);
  Generator g(2);
  AttentionMask biased = window(3, true);
  biased.bias = uniform({2, 9, 9}, -1, 1, kFloat64, &g);
  AttentionMask reference;
  reference.bias = biased.bias;
  reference.attn_mask = window_by_loops(9, 9, 3, true);
  const AttentionRun with_bias = run_attention(in, biased, AttentionPath::Auto);
  CHECK(with_bias.node == "scaled_dot_product_attention");
  const double d = max_diff(with_bias, run_attention(in, reference, AttentionPath::Composed), "bias");
  CHECK((d >= 0 && d <= 1e-12));
}

TEST_CASE("local attention: fused equals composed in float64, value and every gradient") {
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    const Inputs in = leaves(c.shapes, kFloat64, 11);
    const AttentionRun fused = run_attention(in, c.mask, AttentionPath::Fused);
    const AttentionRun composed = run_attention(in, c.mask, AttentionPath::Composed);
    CHECK(fused.node == "scaled_dot_product_attention");
    CHECK(composed.node == "matmul");
    const double d = max_diff(fused, composed, c.name);
    CHECK((d >= 0 && d <= 1e-12));
  }
}

TEST_CASE("local attention: fused equals composed in float32") {
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    const Inputs in = leaves(c.shapes, kFloat32, 11);
    const double d = max_diff(run_attention(in, c.mask, AttentionPath::Fused),
                              run_attention(in, c.mask, AttentionPath::Composed), c.name);
    CHECK((d >= 0 && d <= 2e-5));
  }
}

TEST_CASE("local attention: a window of at least T is no window, bit for bit") {
  const Inputs in = leaves({{2, 3, 150, 8}, {2, 3, 150, 8}, {2, 3, 150, 8}}, kFloat64, 17);
  for (const bool causal : {true, false}) {
    CAPTURE(causal);
    AttentionMask none;
    none.is_causal = causal;
    for (const std::int64_t w : {150, 151, 1000}) {
      CAPTURE(w);
      CHECK(max_diff(run_attention(in, window(w, causal), AttentionPath::Fused),
                     run_attention(in, none, AttentionPath::Fused), "W >= T") == 0.0);
    }
  }
}

TEST_CASE("local attention: gradcheck of both paths in float64") {
  // Causal W = 3 with key lengths (row 69 of sequence 1 keeps keys 66, 67), rows crossing the
  // 64-row tile.
  const Inputs a = leaves({{2, 1, 70, 3}, {2, 1, 70, 3}, {2, 1, 70, 2}}, kFloat64, 21);
  // Non-causal W = 2, three queries at the end of 131 keys (two key blocks).
  const Inputs b = leaves({{3, 2}, {131, 2}, {131, 2}}, kFloat64, 31);
  for (const AttentionPath path : {AttentionPath::Fused, AttentionPath::Composed}) {
    CAPTURE(int(path));
    const GradcheckResult ra = gradcheck(attention_on(window(3, true, {70, 68}), path), a);
    CHECK_MESSAGE(ra.ok, ra.message);
    const GradcheckResult rb = gradcheck(attention_on(window(2, false), path), b);
    CHECK_MESSAGE(rb.ok, rb.message);
  }
}

TEST_CASE("local attention: the fused kernel reads no key block outside the window") {
  // v is NaN on whole key blocks that some queries' windows miss. Any visit to such a block would
  // reach those queries' output (P V with P = 0 still gives 0 * NaN) and, in backward, their dq
  // (dP = dO V^T). So finite rows prove the blocks were skipped, forward and backward.
  const std::int64_t T = 512;
  auto nan_keys = [&](std::int64_t begin, std::int64_t end, Tensor v) {
    std::vector<double> data = v.to_vector<double>();
    for (std::int64_t j = begin; j < end; ++j)
      for (std::int64_t c = 0; c < 8; ++c) data[j * 8 + c] = std::numeric_limits<double>::quiet_NaN();
    return tensor(data, {1, T, 8}).requires_grad_();
  };
  auto finite_rows = [&](const Tensor& t, std::int64_t begin, std::int64_t end) {
    const std::vector<double> d = t.to_vector<double>();
    for (std::int64_t i = begin * t.size(-1); i < end * t.size(-1); ++i)
      if (!std::isfinite(d[i])) return false;
    return true;
  };
  Inputs in = leaves({{1, T, 8}, {1, T, 8}, {1, T, 8}}, kFloat64, 41);
  {
    // Causal, W = 64, keys 0..127 NaN: the query tiles from row 192 on see keys >= 128 only.
    in[2] = nan_keys(0, 128, in[2].detach());
    const AttentionRun r = run_attention(in, window(64, true), AttentionPath::Fused);
    CHECK(std::isnan(r.out.at<double>({0, 100, 0})));  // a row whose window holds NaN keys
    CHECK(finite_rows(r.out, 192, T));
    CHECK(finite_rows(r.grads[0], 192, T));
  }
  {
    // Not causal, W = 32, keys 0..127 and 384..511 NaN: the query tiles of rows 192..319 see
    // keys 160..351 only.
    in[2] = nan_keys(384, T, in[2].detach());
    const AttentionRun r = run_attention(in, window(32, false), AttentionPath::Fused);
    CHECK(finite_rows(r.out, 192, 320));
    CHECK(finite_rows(r.grads[0], 192, 320));
  }
}

TEST_CASE("local attention: slices spread over threads give the same bits as one thread") {
  // 8 slices of 2000 queries x 101 keys x 16 (100 MFLOP forward): above the kernel's threshold
  // for starting threads.
  const Inputs in = leaves({{2, 4, 2000, 16}, {2, 4, 2000, 16}, {2, 4, 2000, 16}}, kFloat32, 61);
  const auto [one, two] = fused_on_1_and_2_threads(in, window(100, true));
  CHECK(max_diff(one, two, "1 vs 2 threads") == 0.0);
}

TEST_CASE("local attention: a negative window is a ValueError naming it, on every path") {
  const Inputs in = leaves({{1, 2, 5, 4}, {1, 2, 5, 4}, {1, 2, 5, 4}}, kFloat64, 71);
  for (const AttentionPath path : {AttentionPath::Auto, AttentionPath::Fused, AttentionPath::Composed}) {
    AttentionOptions o;
    o.path = path;
    CHECK_ERROR(ValueError, (void)scaled_dot_product_attention(in[0], in[1], in[2], window(-3, true), o),
                "scaled_dot_product_attention: the window must be >= 0 (0: no window); got window=-3");
  }
  CHECK_ERROR(ValueError, (void)attention_keep_mask(window(-1, false), 5, 5, 2), "got window=-1");
}
