// matmul and linear: NumPy semantics (1-D, 2-D, batched, broadcast batch dims) against a naive
// triple loop, operands in every layout BLAS may see (transposed, sliced, strided, broadcast),
// float32 and float64, empty dims, gradcheck on batched, broadcast and non-contiguous inputs,
// linear vs matmul + add, and the shape and dtype errors.
#include "op_table.h"

#include <focus/tensor/matmul.h>

using namespace focus;
using focus::testing::check_close;

namespace {

// Element of t at a multi-index, read through its strides, as double.
double elem(const Tensor& t, const std::vector<std::int64_t>& idx) {
  std::int64_t off = t.offset();
  for (int d = 0; d < t.dim(); ++d) off += idx[d] * t.strides()[d];
  return dispatch(t.dtype(), [&]<class T>() { return static_cast<double>(static_cast<const T*>(t.storage()->data())[off]); });
}

// The product by definition: promote 1-D operands, broadcast batch dims, three nested loops,
// accumulate in double. Independent of the BLAS path.
Tensor naive_matmul(const Tensor& a_in, const Tensor& b_in) {
  const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  const Tensor a = a_vec ? a_in.detach().unsqueeze(0) : a_in.detach();
  const Tensor b = b_vec ? b_in.detach().unsqueeze(1) : b_in.detach();
  const std::int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  REQUIRE(b.size(-2) == K);
  const int rank = std::max(a.dim(), b.dim());
  std::vector<std::int64_t> batch(rank - 2);
  for (int i = 0; i < rank - 2; ++i) {
    const int ia = i - (rank - a.dim()), ib = i - (rank - b.dim());
    const std::int64_t da = ia >= 0 ? a.size(ia) : 1, db = ib >= 0 ? b.size(ib) : 1;
    REQUIRE((da == db || da == 1 || db == 1));
    batch[i] = da == 1 ? db : da;
  }
  std::vector<std::int64_t> out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = zeros(Shape(out_shape), kFloat64);
  double* po = out.data_ptr<double>();
  std::int64_t nb = 1;
  for (auto v : batch) nb *= v;
  for (std::int64_t n = 0; n < nb; ++n) {
    std::vector<std::int64_t> bi(batch.size());
    for (std::int64_t r = n, d = static_cast<std::int64_t>(batch.size()) - 1; d >= 0; --d) {
      bi[d] = r % batch[d];
      r /= batch[d];
    }
    auto index_into = [&](const Tensor& t, std::int64_t i, std::int64_t j) {
      std::vector<std::int64_t> idx;
      for (int d = 0; d < t.dim() - 2; ++d) {
        const std::int64_t v = bi[d + (rank - t.dim())];
        idx.push_back(t.size(d) == 1 ? 0 : v);
      }
      idx.push_back(i);
      idx.push_back(j);
      return idx;
    };
    for (std::int64_t i = 0; i < M; ++i)
      for (std::int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (std::int64_t k = 0; k < K; ++k) s += elem(a, index_into(a, i, k)) * elem(b, index_into(b, k, j));
        po[(n * M + i) * N + j] = s;
      }
  }
  std::vector<std::int64_t> final_shape = batch;
  if (!a_vec) final_shape.push_back(M);
  if (!b_vec) final_shape.push_back(N);
  return out.reshape(Shape(final_shape));
}

Tensor randu(const Shape& s, std::uint64_t seed, DType dt = kFloat64) {
  Generator g(seed);
  return uniform(s, -1, 1, dt, &g);
}

// Checks matmul(a, b) against the naive product, in the operands' own dtype.
void check_matmul(const Tensor& a, const Tensor& b, const std::string& what) {
  CAPTURE(what);
  const Tensor got = matmul(a, b);
  CHECK(got.dtype() == a.dtype());
  const double tol = a.dtype() == kFloat64 ? 1e-12 : 1e-5;
  check_close(got.to(kFloat64), naive_matmul(a, b), tol, what + ":");
}

}  // namespace

TEST_CASE("matmul: NumPy semantics for 1-D, 2-D, batched and broadcast operands") {
  for (DType dt : {kFloat64, kFloat32}) {
    CAPTURE(dtype_name(dt));
    const Tensor v3 = randu({3}, 1, dt), v4 = randu({4}, 2, dt);
    const Tensor m34 = randu({3, 4}, 3, dt), m45 = randu({4, 5}, 4, dt);
    CHECK(matmul(v3, randu({3}, 5, dt)).dim() == 0);
    check_matmul(v3, randu({3}, 5, dt), "1-D @ 1-D");
    CHECK(matmul(v3, m34).shape() == Shape{4});
    check_matmul(v3, m34, "1-D @ 2-D");
    CHECK(matmul(m34, v4).shape() == Shape{3});
    check_matmul(m34, v4, "2-D @ 1-D");
    CHECK(matmul(m34, m45).shape() == Shape{3, 5});
    check_matmul(m34, m45, "2-D @ 2-D");
    const Tensor b234 = randu({2, 3, 4}, 6, dt), b245 = randu({2, 4, 5}, 7, dt);
    CHECK(matmul(b234, b245).shape() == Shape{2, 3, 5});
    check_matmul(b234, b245, "batched");
    check_matmul(b234, m45, "batched @ matrix");
    check_matmul(m34, b245, "matrix @ batched");
    check_matmul(b234, v4, "batched @ 1-D");
    CHECK(matmul(v3, b234).shape() == Shape{2, 4});
    check_matmul(v3, b234, "1-D @ batched");
    const Tensor a2134 = randu({2, 1, 3, 4}, 8, dt), b345 = randu({3, 4, 5}, 9, dt);
    CHECK(matmul(a2134, b345).shape() == Shape{2, 3, 3, 5});
    check_matmul(a2134, b345, "broadcast batch dims");
    check_matmul(randu({1, 3, 4}, 10, dt), randu({2, 1, 4, 2}, 11, dt), "broadcast both ways");
    check_matmul(randu({1, 4}, 12, dt), randu({4, 1}, 13, dt), "row @ column");
    check_matmul(randu({3, 1}, 14, dt), randu({1, 3}, 15, dt), "outer product");
  }
}

TEST_CASE("matmul: transposed, sliced and strided operands match the naive product") {
  for (DType dt : {kFloat64, kFloat32}) {
    CAPTURE(dtype_name(dt));
    const Tensor a = randu({6, 7}, 21, dt), b = randu({7, 5}, 22, dt);
    check_matmul(randu({4, 3}, 23, dt).t(), randu({5, 4}, 24, dt).t(), "both transposed");
    check_matmul(randu({4, 3}, 25, dt).t(), b.slice(0, 0, 4), "transposed @ row slice");
    check_matmul(a.slice(1, 1, 5), randu({5, 4}, 26, dt).slice(1, 0, 3).slice(0, 1, 5), "column slices (ld > cols)");
    check_matmul(a.slice(0, 0, 6, 2).slice(1, 0, 7, 3), randu({3, 2}, 27, dt), "stepped in both dims");
    check_matmul(a.slice(1, 0, 7, 2), randu({4, 3}, 28, dt).t().t(), "column step");
    check_matmul(a.select(0, 2), b, "row view as 1-D");
    check_matmul(a, b.select(1, 3), "column view as 1-D");
    check_matmul(a.t().select(0, 1).unsqueeze(0), randu({6, 2}, 29, dt), "strided row as 1 x K");
    check_matmul(randu({1, 7}, 30, dt).expand({6, 7}), b, "broadcast rows (stride 0)");
    check_matmul(a, randu({7, 1}, 31, dt).expand({7, 5}), "broadcast columns (stride 0)");
    const Tensor ba = randu({3, 5, 4}, 32, dt), bb = randu({3, 5, 6}, 33, dt);
    check_matmul(ba.mT(), bb, "batched transposed");
    check_matmul(ba.mT(), randu({3, 6, 5}, 34, dt).mT(), "batched both transposed");
    check_matmul(ba.permute({1, 0, 2}), randu({4, 2}, 35, dt), "batch dim not outermost in memory");
    check_matmul(ba.slice(0, 0, 3, 2), randu({2, 4, 3}, 36, dt), "batch step");
    check_matmul(ba.slice(1, 1, 4), randu({4, 2}, 37, dt), "sliced rows in a batch");
    check_matmul(randu({5, 4}, 38, dt).expand({3, 5, 4}), randu({3, 4, 2}, 39, dt), "batch broadcast by stride 0");
    check_matmul(randu({4, 3, 5}, 40, dt).transpose(0, 1), randu({5, 2}, 41, dt), "batch and rows swapped");
  }
}

TEST_CASE("matmul: empty dims give empty or zero results") {
  const Tensor z = matmul(randu({3, 0}, 1), randu({0, 4}, 2));
  CHECK(z.shape() == Shape{3, 4});
  CHECK(z.to_vector<double>() == std::vector<double>(12, 0.0));
  CHECK(matmul(randu({0, 3}, 3), randu({3, 4}, 4)).shape() == Shape{0, 4});
  CHECK(matmul(randu({2, 0, 3}, 5), randu({3, 4}, 6)).shape() == Shape{2, 0, 4});
  CHECK(matmul(randu({0}, 7), randu({0}, 8)).item<double>() == 0);
  CHECK(matmul(randu({2, 3}, 9), randu({3, 0}, 10)).shape() == Shape{2, 0});
}

TEST_CASE("matmul: gemm applies transpose flags, alpha and beta into a strided output") {
  const Tensor a = randu({3, 4}, 51), b = randu({5, 4}, 52);
  Tensor big = randu({3, 8}, 53);
  const Tensor before = big.clone();
  Tensor c = big.slice(1, 2, 7);  // [3, 5] with row stride 8
  kernel::gemm(a, false, b, true, c, 2.0, 0.5);
  const Tensor want = naive_matmul(a, b.t()) * 2.0 + before.slice(1, 2, 7) * 0.5;
  check_close(c, want, 1e-12, "gemm:");
  check_close(big.slice(1, 0, 2), before.slice(1, 0, 2), 0, "gemm left of c:");  // nothing outside c
  check_close(big.slice(1, 7, 8), before.slice(1, 7, 8), 0, "gemm right of c:");
  Tensor c2 = zeros({4, 4}, kFloat64);
  kernel::gemm(a, true, a, false, c2);  // a^T a
  check_close(c2, naive_matmul(a.t(), a), 1e-12, "gemm a^T a:");
}

TEST_CASE("matmul: gradients pass gradcheck on batched, broadcast and non-contiguous inputs") {
  using focus::testing::leaf;
  using focus::testing::leaf_strided;
  using focus::testing::leaf_transposed;
  const std::vector<std::pair<const char*, std::vector<Tensor>>> cases = {
      {"2-D", {leaf({3, 4}, 1), leaf({4, 2}, 2)}},
      {"1-D @ 1-D", {leaf({4}, 3), leaf({4}, 4)}},
      {"1-D @ 2-D", {leaf({4}, 5), leaf({4, 3}, 6)}},
      {"2-D @ 1-D", {leaf({3, 4}, 7), leaf({4}, 8)}},
      {"batched", {leaf({2, 3, 4}, 9), leaf({2, 4, 2}, 10)}},
      {"batched @ matrix", {leaf({2, 3, 4}, 11), leaf({4, 2}, 12)}},
      {"matrix @ batched", {leaf({3, 4}, 13), leaf({2, 4, 2}, 14)}},
      {"broadcast batch", {leaf({2, 1, 2, 3}, 15), leaf({3, 3, 2}, 16)}},
      {"1-D @ batched", {leaf({3}, 17), leaf({2, 3, 2}, 18)}},
      {"batched @ 1-D", {leaf({2, 2, 3}, 19), leaf({3}, 20)}},
      {"transposed", {leaf_transposed({3, 4}, 21), leaf_transposed({4, 2}, 22)}},
      {"strided", {leaf_strided({3, 4}, 23), leaf_strided({4, 3}, 24)}},
      {"batched transposed", {leaf_transposed({2, 3, 4}, 25), leaf_strided({4, 2}, 26)}},
  };
  for (const auto& [name, inputs] : cases) {
    CAPTURE(name);
    const GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, inputs);
    CHECK_MESSAGE(r.ok, name << ": " << r.message);
  }
  // Only one side requiring grad.
  const GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); },
                                      {leaf({2, 3, 4}, 27), randu({4, 2}, 28)});
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("matmul: hand-checked gradients") {
  Tensor a = tensor(std::vector<double>{1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor b = tensor(std::vector<double>{5, 6, 7, 8}, {2, 2}).requires_grad_();
  Tensor y = matmul(a, b);
  CHECK(y.to_vector<double>() == std::vector<double>{19, 22, 43, 50});
  y.sum().backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{11, 15, 11, 15});  // ones @ b^T
  CHECK(b.grad().to_vector<double>() == std::vector<double>{4, 4, 6, 6});      // a^T @ ones
}

TEST_CASE("matmul: linear equals matmul with the transposed weight plus the bias") {
  for (DType dt : {kFloat64, kFloat32}) {
    CAPTURE(dtype_name(dt));
    const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
    const Tensor w = randu({5, 4}, 61, dt), bias = randu({5}, 62, dt);
    const std::vector<std::pair<const char*, Tensor>> xs = {
        {"matrix", randu({3, 4}, 63, dt)},
        {"vector", randu({4}, 64, dt)},
        {"batched", randu({2, 3, 4}, 65, dt)},
        {"non-contiguous", randu({3, 2, 4}, 66, dt).transpose(0, 1)},
        {"transposed", randu({4, 3}, 67, dt).t()},
        {"empty batch", randu({0, 4}, 68, dt)},
    };
    for (const auto& [name, x] : xs) {
      CAPTURE(name);
      const Tensor got = linear(x, w, bias);
      CHECK(got.dtype() == dt);
      check_close(got.to(kFloat64), (matmul(x, w.t()) + bias).to(kFloat64), tol, std::string(name) + " with bias:");
      check_close(linear(x, w).to(kFloat64), matmul(x, w.t()).to(kFloat64), tol, std::string(name) + " no bias:");
    }
    // A transposed weight (stored [in, out]) and a strided bias.
    const Tensor wt = randu({4, 5}, 69, dt).t();
    const Tensor bs = randu({10}, 70, dt).slice(0, 0, 10, 2);
    const Tensor x = randu({3, 4}, 71, dt);
    check_close(linear(x, wt, bs).to(kFloat64), (matmul(x, wt.t()) + bs).to(kFloat64), tol, "strided weight and bias:");
  }
}

TEST_CASE("matmul: linear passes gradcheck on batched and non-contiguous inputs") {
  using focus::testing::leaf;
  using focus::testing::leaf_strided;
  using focus::testing::leaf_transposed;
  auto with_bias = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); };
  auto no_bias = [](const std::vector<Tensor>& in) { return linear(in[0], in[1]); };
  const std::vector<std::pair<const char*, std::vector<Tensor>>> cases = {
      {"matrix", {leaf({3, 4}, 1), leaf({2, 4}, 2), leaf({2}, 3)}},
      {"vector", {leaf({4}, 4), leaf({2, 4}, 5), leaf({2}, 6)}},
      {"batched", {leaf({2, 3, 4}, 7), leaf({2, 4}, 8), leaf({2}, 9)}},
      {"transposed x and weight", {leaf_transposed({2, 3, 4}, 10), leaf_transposed({2, 4}, 11), leaf({2}, 12)}},
      {"strided", {leaf_strided({3, 4}, 13), leaf_strided({2, 4}, 14), leaf_strided({2}, 15)}},
  };
  for (const auto& [name, inputs] : cases) {
    CAPTURE(name);
    const GradcheckResult r = gradcheck(with_bias, inputs);
    CHECK_MESSAGE(r.ok, name << " with bias: " << r.message);
    const GradcheckResult r2 = gradcheck(no_bias, {inputs[0], inputs[1]});
    CHECK_MESSAGE(r2.ok, name << " no bias: " << r2.message);
  }
  // Gradients equal those of the composed form.
  Tensor x = focus::testing::leaf({2, 3, 4}, 16), w = focus::testing::leaf({5, 4}, 17), b = focus::testing::leaf({5}, 18);
  const Tensor v = randu({2, 3, 5}, 19);
  const auto g1 = grad({(linear(x, w, b) * v).sum()}, {x, w, b});
  const auto g2 = grad({((matmul(x, w.t()) + b) * v).sum()}, {x, w, b});
  for (int i = 0; i < 3; ++i) check_close(g1[i], g2[i], 1e-12, "linear vs composed gradient:");
}

TEST_CASE("matmul: errors name the op, the rule and the shapes") {
  CHECK_ERROR(ShapeError, matmul(ones({2, 3}), ones({4, 5})), "matmul", "inner dims must match", "a=[2, 3]", "b=[4, 5]");
  CHECK_ERROR(ShapeError, matmul(ones({3}), ones({4})), "matmul", "a=[3]", "b=[4]");
  CHECK_ERROR(ShapeError, matmul(ones({2, 3}), ones({2})), "matmul", "a=[2, 3]", "b=[2]");
  CHECK_ERROR(ShapeError, matmul(ones({}), ones({2})), "matmul", "at least 1 dim", "a=[]");
  CHECK_ERROR(ShapeError, matmul(ones({2, 2, 3}), ones({3, 3, 2})), "matmul", "batch dims must broadcast",
              "a=[2, 2, 3]", "b=[3, 3, 2]");
  CHECK_ERROR(DTypeError, matmul(ones({2, 2}), ones({2, 2}, kFloat64)), "matmul", "a=float32", "b=float64");
  CHECK_ERROR(DTypeError, matmul(ones({2, 2}, kInt64), ones({2, 2}, kInt64)), "matmul", "floating", "int64");
  CHECK_ERROR(ShapeError, linear(ones({2, 3}), ones({4, 5})), "linear", "in_features", "input=[2, 3]", "weight=[4, 5]");
  CHECK_ERROR(ShapeError, linear(ones({2, 3}), ones({3})), "linear", "weight=[3]");
  CHECK_ERROR(ShapeError, linear(ones({2, 3}), ones({4, 3}), ones({3})), "linear", "bias must be [out_features]",
              "bias=[3]", "weight=[4, 3]");
  CHECK_ERROR(DTypeError, linear(ones({2, 3}), ones({4, 3}, kFloat64)), "linear", "a=float32", "b=float64");
  CHECK_ERROR(DTypeError, linear(ones({2, 3}), ones({4, 3}), ones({4}, kFloat64)), "linear", "float64");
  CHECK_ERROR(DTypeError, linear(ones({2, 3}, kInt64), ones({4, 3}, kInt64)), "linear", "floating", "int64");
}
