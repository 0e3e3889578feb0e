// Tensor factories, named and shaped like torch's: zeros({2, 3}), randn({B, T, D}, kFloat64).
// Random ones draw from `gen`, or from default_generator() (seeded by manual_seed) when null.
#pragma once

#include <vector>

#include <focus/tensor/random.h>
#include <focus/tensor/tensor.h>

namespace focus {

[[nodiscard]] Tensor empty(const Shape& shape, DType dtype = kFloat32);
[[nodiscard]] Tensor zeros(const Shape& shape, DType dtype = kFloat32);
[[nodiscard]] Tensor ones(const Shape& shape, DType dtype = kFloat32);
[[nodiscard]] Tensor full(const Shape& shape, Scalar value, DType dtype = kFloat32);
[[nodiscard]] Tensor zeros_like(const Tensor& t);
[[nodiscard]] Tensor ones_like(const Tensor& t);
[[nodiscard]] Tensor full_like(const Tensor& t, Scalar value);
[[nodiscard]] Tensor empty_like(const Tensor& t);
[[nodiscard]] Tensor scalar_tensor(Scalar value, DType dtype = kFloat32);  // rank 0
// [start, end) in steps of step; int64 unless dtype says otherwise.
[[nodiscard]] Tensor arange(Scalar end, DType dtype = kInt64);
[[nodiscard]] Tensor arange(Scalar start, Scalar end, Scalar step = 1, DType dtype = kInt64);
// An identity matrix [n, n].
[[nodiscard]] Tensor eye(std::int64_t n, DType dtype = kFloat32);

// Copies values (row-major) into a new tensor of the given shape; the count must match.
[[nodiscard]] Tensor tensor(const std::vector<float>& values, const Shape& shape);
[[nodiscard]] Tensor tensor(const std::vector<double>& values, const Shape& shape);
[[nodiscard]] Tensor tensor(const std::vector<std::int64_t>& values, const Shape& shape);
[[nodiscard]] Tensor tensor(const std::vector<bool>& values, const Shape& shape);
// A 1-D tensor of the values.
[[nodiscard]] Tensor tensor(const std::vector<float>& values);
[[nodiscard]] Tensor tensor(const std::vector<double>& values);
[[nodiscard]] Tensor tensor(const std::vector<std::int64_t>& values);

[[nodiscard]] Tensor randn(const Shape& shape, DType dtype = kFloat32, Generator* gen = nullptr);
[[nodiscard]] Tensor rand(const Shape& shape, DType dtype = kFloat32, Generator* gen = nullptr);  // U[0, 1)
[[nodiscard]] Tensor uniform(const Shape& shape, double lo, double hi, DType dtype = kFloat32, Generator* gen = nullptr);
[[nodiscard]] Tensor normal(const Shape& shape, double mean, double std, DType dtype = kFloat32, Generator* gen = nullptr);
// Integers in [low, high), int64 unless dtype says otherwise.
[[nodiscard]] Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, DType dtype = kInt64,
                             Generator* gen = nullptr);
// Each element true (1) with probability p: bool unless dtype says otherwise.
[[nodiscard]] Tensor bernoulli(const Shape& shape, double p, DType dtype = kBool, Generator* gen = nullptr);
// A random permutation of 0..n-1 (int64), Fisher-Yates.
[[nodiscard]] Tensor randperm(std::int64_t n, Generator* gen = nullptr);

}  // namespace focus
