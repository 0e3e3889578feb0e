// Linformer's sequence projection (nn/linformer.h): with E = F = the identity it is full
// attention; padding keys add nothing; gradients of q, k, v, E and F by gradcheck; errors.
#include <doctest/doctest.h>

#include "op_table.h"

#include <focus/focus.h>
#include <focus/nn/linformer.h>

using namespace focus;

namespace {

Tensor random64(const Shape& s, std::uint64_t seed) {
  Generator g(seed);
  return randn(s, kFloat64, &g);
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(a - b)).item<double>(); }

}  // namespace

TEST_CASE("linformer: with E = F = the identity (K = T) it is full attention") {
  const std::int64_t B = 2, H = 3, T = 7, Dh = 4;
  nn::LinformerProjection proj(T, T, kFloat64);
  {
    NoGradGuard ng;
    proj.E.copy_(eye(T, kFloat64));
    proj.F.copy_(eye(T, kFloat64));
  }
  const Tensor q = random64({B, H, T, Dh}, 1), k = random64({B, H, T, Dh}, 2), v = random64({B, H, T, Dh}, 3);
  const auto [k2, v2] = proj.project(k, v);
  CHECK(k2.shape() == Shape{B, H, T, Dh});
  CHECK(max_abs_diff(scaled_dot_product_attention(q, k2, v2), scaled_dot_product_attention(q, k, v)) < 1e-12);
}

TEST_CASE("linformer: padding keys add nothing to the summaries") {
  const std::int64_t H = 2, T = 6, Dh = 3, K = 4;
  nn::LinformerProjection proj(K, 8, kFloat64);
  const Tensor k = random64({2, H, T, Dh}, 4), v = random64({2, H, T, Dh}, 5);
  const Tensor lengths = tensor(std::vector<std::int64_t>{6, 4});
  const auto [k2, v2] = proj.project(k, v, lengths);
  // Row 1 holds 4 real keys: the same as projecting those 4 alone (E's first 4 columns).
  const auto [k_short, v_short] = proj.project(k.narrow(0, 1, 1).narrow(2, 0, 4), v.narrow(0, 1, 1).narrow(2, 0, 4));
  CHECK(max_abs_diff(k2.narrow(0, 1, 1), k_short) < 1e-12);
  CHECK(max_abs_diff(v2.narrow(0, 1, 1), v_short) < 1e-12);
  const auto [k_full, v_full] = proj.project(k.narrow(0, 0, 1), v.narrow(0, 0, 1));
  CHECK(max_abs_diff(k2.narrow(0, 0, 1), k_full) < 1e-12);
}

TEST_CASE("linformer: gradcheck of attention over the projected keys, w.r.t. q, k, v, E and F") {
  const std::int64_t H = 2, T = 5, Dh = 3, K = 3;
  nn::LinformerProjection proj(K, 7, kFloat64);
  const Tensor lengths = tensor(std::vector<std::int64_t>{5, 3});
  std::vector<Tensor> in{random64({2, H, T, Dh}, 6), random64({2, H, T, Dh}, 7), random64({2, H, T, Dh}, 8), proj.E, proj.F};
  for (auto& t : in) t.requires_grad_(true);
  const auto r = gradcheck(
      [&](const std::vector<Tensor>& x) {
        const auto [k2, v2] = proj.project(x[1], x[2], lengths);
        return scaled_dot_product_attention(x[0], k2, v2);
      },
      in);
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("linformer: a sequence longer than max_len, bad sizes and bad shapes are errors naming the values") {
  CHECK_ERROR(ValueError, nn::LinformerProjection(0, 16), "LinformerProjection", "k=0, max_len=16");
  CHECK_ERROR(ValueError, nn::LinformerProjection(4, -1), "k=4, max_len=-1");
  nn::LinformerProjection proj(4, 8);
  const Tensor long_k = randn({1, 2, 9, 4});
  CHECK_ERROR(ValueError, proj.project(long_k, long_k), "linformer: the sequence is longer than max_len", "T=9, max_len=8");
  CHECK_ERROR(ShapeError, proj.project(randn({1, 2, 5, 4}), randn({1, 2, 6, 4})), "same T");
  CHECK_ERROR(ShapeError, proj.project(randn({2, 1, 5, 4}), randn({2, 1, 5, 4}), tensor(std::vector<std::int64_t>{5})),
              "key_lengths must be [B]");
}
