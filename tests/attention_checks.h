// What the attention tests (test_attention_kernel, test_attention_bias, test_local_attention)
// share to hold the fused kernel against the composed path: seeded q, k, v (and bias) leaves, one
// run of scaled_dot_product_attention on a chosen path with the gradient of every leaf, the
// NaN-aware relative difference, the fused-vs-composed check, second derivatives, and 1 vs 2 threads.
#pragma once

#include "op_table.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace focus::testing {

// Uniform [-1, 1) leaves that require grad; leaf i draws from its own generator seeded seed + i,
// so adding a leaf leaves the others' values as they were.
inline Inputs leaves(const std::vector<Shape>& shapes, DType dtype, std::uint64_t seed) {
  Inputs in;
  for (const Shape& s : shapes) {
    Generator g(seed++);
    in.push_back(uniform(s, -1, 1, dtype, &g).requires_grad_());
  }
  return in;
}

// q, k, v and the bias (undefined: the mask's own bias, if any) made from the leaves, so an input
// may be a view of a leaf (a head-split transpose, a transposed bias) and gradients reach the leaf.
struct AttentionInputs {
  Tensor q, k, v;
  Tensor bias = {};
};
using MakeInputs = std::function<AttentionInputs(const Inputs&)>;

// The leaves themselves: q, k, v, and the bias when there is a fourth.
inline AttentionInputs as_is(const Inputs& in) { return {in[0], in[1], in[2], in.size() > 3 ? in[3] : Tensor()}; }

struct AttentionRun {
  Tensor out;
  std::vector<Tensor> grads;  // d sum(out * u) / d leaf, one per leaf, u uniform from seed 77
  std::string node;           // the output's grad_fn: which path ran
};

// With dropout_p > 0 the mask's key comes from a generator seeded 123: the same on every call.
inline AttentionRun run_attention(const Inputs& in, const MakeInputs& make, AttentionMask mask, AttentionPath path,
                                  double dropout_p = 0) {
  const AttentionInputs x = make(in);
  if (x.bias.defined()) mask.bias = x.bias;
  Generator dropout_gen(123);
  AttentionOptions o;
  o.path = path;
  o.dropout_p = dropout_p;
  o.gen = &dropout_gen;
  AttentionRun r;
  r.out = scaled_dot_product_attention(x.q, x.k, x.v, mask, o);
  r.node = r.out.grad_fn() ? r.out.grad_fn()->name() : "";
  Generator g(77);
  r.grads = grad({sum(r.out * uniform(r.out.shape(), -1, 1, r.out.dtype(), &g))}, in);
  return r;
}

inline AttentionRun run_attention(const Inputs& in, const AttentionMask& mask, AttentionPath path) {
  return run_attention(in, as_is, mask, path);
}

// scaled_dot_product_attention on one path as a function of the leaves (as_is), for gradcheck;
// with dropout, one mask for every call (its key from a generator seeded 123).
inline OpFn attention_on(const AttentionMask& mask, AttentionPath path, double dropout_p = 0) {
  return [mask, path, dropout_p](const Inputs& in) {
    const AttentionInputs x = as_is(in);
    AttentionMask m = mask;
    if (x.bias.defined()) m.bias = x.bias;
    Generator dropout_gen(123);
    AttentionOptions o;
    o.path = path;
    o.dropout_p = dropout_p;
    o.gen = &dropout_gen;
    return scaled_dot_product_attention(x.q, x.k, x.v, m, o);
  };
}

// Largest |a - b| relative to max(1, |b|), where NaN must meet NaN: -1 when the NaNs differ.
inline double max_rel_diff(const Tensor& a, const Tensor& b) {
  REQUIRE_MESSAGE(a.shape() == b.shape(), "shapes differ: " << a.shape() << " vs " << b.shape());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double m = 0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    if (std::isnan(va[i]) || std::isnan(vb[i])) {
      if (std::isnan(va[i]) != std::isnan(vb[i])) return -1;
      continue;
    }
    m = std::max(m, std::abs(va[i] - vb[i]) / std::max(1.0, std::abs(vb[i])));
  }
  return m;
}

inline void check_same(const Tensor& a, const Tensor& b, double tol, const std::string& what) {
  const double d = max_rel_diff(a, b);
  CHECK_MESSAGE((d >= 0 && d <= tol), what << ": max relative diff " << d << " (-1: NaNs differ) > " << tol);
}

// Fused against composed on the same leaves (seed 11): that each path ran, and the value and the
// gradient of every leaf within tol. grad_names label the gradients; empty: "gradient i". With
// dropout_p > 0 both paths drop the same weights (one generator state).
inline void check_paths(const std::string& what, const std::vector<Shape>& shapes, const MakeInputs& make,
                        const AttentionMask& mask, DType dtype, double tol,
                        const std::vector<std::string>& grad_names = {}, double dropout_p = 0) {
  CAPTURE(what);
  const Inputs in = leaves(shapes, dtype, 11);
  const AttentionRun fused = run_attention(in, make, mask, AttentionPath::Fused, dropout_p);
  const AttentionRun composed = run_attention(in, make, mask, AttentionPath::Composed, dropout_p);
  CHECK(fused.node == "scaled_dot_product_attention");
  CHECK(composed.node == "matmul");
  check_same(fused.out, composed.out, tol, what + " value");
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::string name = grad_names.empty() ? "gradient " + std::to_string(i) : grad_names[i];
    check_same(fused.grads[i], composed.grads[i], tol, what + " " + name);
  }
}

// First gradients of sum(out * u) for every leaf (kept differentiable), and the gradients of
// sum over leaves of sum(first_i * u_i): second derivatives through the chosen path. The u are
// drawn in that order from one generator seeded 3.
inline std::pair<std::vector<Tensor>, std::vector<Tensor>> second_gradients(const Inputs& in,
                                                                            const AttentionMask& mask,
                                                                            AttentionPath path,
                                                                            double dropout_p = 0) {
  const Tensor out = attention_on(mask, path, dropout_p)(in);
  Generator g(3);
  const auto first = grad({sum(out * uniform(out.shape(), -1, 1, kFloat64, &g))}, in, {}, false, true);
  Tensor s = sum(first[0] * uniform(first[0].shape(), -1, 1, kFloat64, &g));
  for (std::size_t i = 1; i < in.size(); ++i) s = s + sum(first[i] * uniform(first[i].shape(), -1, 1, kFloat64, &g));
  return {first, grad({s}, in)};
}

// The fused path on one thread and then on two (the thread count restored after), for the check
// that spreading slices over threads changes no bit.
inline std::pair<AttentionRun, AttentionRun> fused_on_1_and_2_threads(const Inputs& in, const AttentionMask& mask,
                                                                       double dropout_p = 0) {
  const int before = get_num_threads();
  set_num_threads(1);
  AttentionRun one = run_attention(in, as_is, mask, AttentionPath::Fused, dropout_p);
  set_num_threads(2);
  AttentionRun two = run_attention(in, as_is, mask, AttentionPath::Fused, dropout_p);
  set_num_threads(before);
  return {std::move(one), std::move(two)};
}

}  // namespace focus::testing
