// Tensor factories: constant, range and random tensors.
#include <focus/tensor/factory.h>

#include <focus/tensor/kernel.h>

#include <cmath>

namespace focus {

namespace {
// The generator's lock, held for a whole fill: the tensor gets one contiguous run of the stream
// and the per-element draws pay for no lock.
Generator::Locked lock_gen_or_default(Generator* gen) { return (gen ? *gen : default_generator()).lock(); }

// Fills a fresh contiguous tensor element by element from draw(), converted to its dtype.
template <class Draw>
Tensor generate(const char* op, const Shape& shape, DType dtype, Draw draw) {
  checked_numel(op, shape, element_size(dtype));
  Tensor out = Tensor::empty(shape, dtype);
  dispatch(dtype, [&]<class T>() {
    T* p = out.data_ptr<T>();
    for (std::int64_t i = 0, n = out.numel(); i < n; ++i) p[i] = static_cast<T>(draw());
  });
  return out;
}

template <class T>
Tensor from_values(const std::vector<T>& values, const Shape& shape) {
  const std::int64_t n = checked_numel("tensor", shape, sizeof(T));
  if (n != static_cast<std::int64_t>(values.size()))
    throw ShapeError("tensor: value count must equal the shape's element count; got " + std::to_string(values.size()) +
                     " values for shape " + to_string(shape));
  Tensor out = Tensor::empty(shape, dtype_of_v<T>);
  T* p = out.data_ptr<T>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = values[i];
  return out;
}

// A fresh tensor of one value; op names the factory the caller used in size errors.
Tensor filled(const char* op, const Shape& shape, Scalar value, DType dtype) {
  checked_numel(op, shape, element_size(dtype));
  Tensor out = Tensor::empty(shape, dtype);
  kernel::fill_(out, value);
  return out;
}
}  // namespace

Tensor empty(const Shape& shape, DType dtype) { return Tensor::empty(shape, dtype); }
Tensor zeros(const Shape& shape, DType dtype) { return filled("zeros", shape, 0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return filled("ones", shape, 1, dtype); }
Tensor full(const Shape& shape, Scalar value, DType dtype) { return filled("full", shape, value, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, Scalar value) { return full(t.shape(), value, t.dtype()); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }
Tensor scalar_tensor(Scalar value, DType dtype) { return kernel::scalar_tensor(value, dtype); }

Tensor arange(Scalar end, DType dtype) { return arange(0, end, 1, dtype); }
Tensor arange(Scalar start, Scalar end, Scalar step, DType dtype) {
  if (step == 0 || std::isnan(start) || std::isnan(end) || std::isnan(step))
    throw ValueError("arange: step must be non-zero and bounds finite; got start=" + std::to_string(start) +
                     ", end=" + std::to_string(end) + ", step=" + std::to_string(step));
  const double count = std::ceil((end - start) / step);
  if (count > 9.2e18) throw ValueError("arange: too many elements; got " + std::to_string(count));
  const auto n = static_cast<std::int64_t>(count < 0 ? 0 : count);
  std::int64_t i = 0;
  return generate("arange", {n}, dtype, [&] { return start + step * static_cast<double>(i++); });
}

Tensor eye(std::int64_t n, DType dtype) {
  Tensor out = zeros({n, n}, dtype);
  dispatch(dtype, [&]<class T>() {
    for (std::int64_t i = 0; i < n; ++i) out.data_ptr<T>()[i * n + i] = static_cast<T>(1);
  });
  return out;
}

Tensor tensor(const std::vector<float>& v, const Shape& s) { return from_values(v, s); }
Tensor tensor(const std::vector<double>& v, const Shape& s) { return from_values(v, s); }
Tensor tensor(const std::vector<std::int64_t>& v, const Shape& s) { return from_values(v, s); }
Tensor tensor(const std::vector<bool>& v, const Shape& s) {
  const std::int64_t n = checked_numel("tensor", s, 1);
  if (n != static_cast<std::int64_t>(v.size()))
    throw ShapeError("tensor: value count must equal the shape's element count; got " + std::to_string(v.size()) +
                     " values for shape " + to_string(s));
  Tensor out = Tensor::empty(s, kBool);
  for (std::int64_t i = 0; i < n; ++i) out.data_ptr<bool>()[i] = v[i];
  return out;
}
Tensor tensor(const std::vector<float>& v) { return from_values(v, {static_cast<std::int64_t>(v.size())}); }
Tensor tensor(const std::vector<double>& v) { return from_values(v, {static_cast<std::int64_t>(v.size())}); }
Tensor tensor(const std::vector<std::int64_t>& v) { return from_values(v, {static_cast<std::int64_t>(v.size())}); }

Tensor randn(const Shape& shape, DType dtype, Generator* gen) { return normal(shape, 0, 1, dtype, gen); }

Tensor rand(const Shape& shape, DType dtype, Generator* gen) { return uniform(shape, 0, 1, dtype, gen); }

Tensor uniform(const Shape& shape, double lo, double hi, DType dtype, Generator* gen) {
  if (!is_floating(dtype)) throw DTypeError("uniform: dtype must be floating; got " + std::string(dtype_name(dtype)));
  if (!(lo <= hi)) throw ValueError("uniform: needs lo <= hi; got lo=" + std::to_string(lo) + ", hi=" + std::to_string(hi));
  auto g = lock_gen_or_default(gen);
  if (dtype == kFloat32) return generate("uniform", shape, dtype, [&] { return lo + (hi - lo) * g.uniform_float(); });
  return generate("uniform", shape, dtype, [&] { return lo + (hi - lo) * g.uniform(); });
}

Tensor normal(const Shape& shape, double mean, double std, DType dtype, Generator* gen) {
  if (!is_floating(dtype)) throw DTypeError("normal: dtype must be floating; got " + std::string(dtype_name(dtype)));
  if (!(std >= 0)) throw ValueError("normal: std must be non-negative; got std=" + std::to_string(std));
  auto g = lock_gen_or_default(gen);
  return generate("normal", shape, dtype, [&] { return mean + std * g.normal(); });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, DType dtype, Generator* gen) {
  if (low >= high)
    throw ValueError("randint: needs low < high; got low=" + std::to_string(low) + ", high=" + std::to_string(high));
  auto g = lock_gen_or_default(gen);
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  return generate("randint", shape, dtype, [&] { return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + g.below(span)); });
}

Tensor bernoulli(const Shape& shape, double p, DType dtype, Generator* gen) {
  if (!(p >= 0 && p <= 1)) throw ValueError("bernoulli: p must be in [0, 1]; got p=" + std::to_string(p));
  auto g = lock_gen_or_default(gen);
  return generate("bernoulli", shape, dtype, [&] { return g.uniform() < p ? 1 : 0; });
}

Tensor randperm(std::int64_t n, Generator* gen) {
  if (n < 0) throw ValueError("randperm: n must be non-negative; got n=" + std::to_string(n));
  Tensor out = arange(n);
  std::int64_t* p = out.data_ptr<std::int64_t>();
  auto g = lock_gen_or_default(gen);
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[static_cast<std::int64_t>(g.below(i + 1))]);
  return out;
}

}  // namespace focus
