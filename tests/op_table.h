// The op table, in the spirit of PyTorch's OpInfo: one row per differentiable op names the op,
// how to call it, sample inputs (broadcast, batched, size-1, non-contiguous) and a naive
// reference. check_op() walks one row with a SUBCASE per sample: forward against the reference
// in float64, the same op in float32 against float64, and gradcheck for every float input.
// A new op is one row that gets every check.
#pragma once

#include <doctest/doctest.h>
#include <focus/focus.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// CHECK(a == b) on vectors prints their values on failure, not "{?}".
namespace doctest {
template <class T>
struct StringMaker<std::vector<T>> {
  static String convert(const std::vector<T>& v) {
    std::ostringstream os;
    os.precision(17);
    os << '{';
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << static_cast<T>(v[i]);
    os << '}';
    return os.str().c_str();
  }
};
}  // namespace doctest

namespace focus::testing {

using Inputs = std::vector<Tensor>;
using OpFn = std::function<Tensor(const Inputs&)>;

struct OpSample {
  std::string label;
  Inputs inputs;  // float inputs in float64 with requires_grad set; int/bool inputs as they are
};

struct OpSpec {
  std::string name;
  OpFn fn;
  std::function<std::vector<OpSample>()> samples;
  OpFn reference;  // naive float64 computation; may be empty when a hand-checked test covers forward
  GradcheckOptions gradcheck = {};
  double forward_tol = 1e-10;
};

// Uniform values in [lo, hi), float64, seeded, as a leaf that requires grad.
inline Tensor leaf(const Shape& shape, std::uint64_t seed, double lo = -1, double hi = 1) {
  Generator g(seed);
  return uniform(shape, lo, hi, kFloat64, &g).requires_grad_();
}

// A leaf of the given shape whose memory is transposed (last two dims swapped): non-contiguous.
inline Tensor leaf_transposed(const Shape& shape, std::uint64_t seed, double lo = -1, double hi = 1) {
  Shape swapped = shape;
  std::swap(swapped[shape.size() - 1], swapped[shape.size() - 2]);
  Generator g(seed);
  Tensor base = uniform(swapped, lo, hi, kFloat64, &g);
  return base.transpose(-1, -2).requires_grad_();
}

// A leaf that is every other element of a larger tensor along dim 0: non-contiguous.
inline Tensor leaf_strided(const Shape& shape, std::uint64_t seed, double lo = -1, double hi = 1) {
  Shape doubled = shape;
  doubled[0] *= 2;
  Generator g(seed);
  Tensor base = uniform(doubled, lo, hi, kFloat64, &g);
  return base.slice(0, 0, doubled[0], 2).requires_grad_();
}

// Largest |a - b| over all elements (shapes must match).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE_MESSAGE(a.shape() == b.shape(), "shapes differ: " << a.shape() << " vs " << b.shape());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double m = 0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    if (std::isnan(va[i]) != std::isnan(vb[i])) return INFINITY;
    if (!std::isnan(va[i])) m = std::max(m, std::abs(va[i] - vb[i]));
  }
  return m;
}

// CHECKs that a and b have the same shape and agree within tol, printing the first values.
inline void check_close(const Tensor& a, const Tensor& b, double tol, const std::string& what = "") {
  const double d = max_abs_diff(a, b);
  CHECK_MESSAGE(d <= tol, what << " max diff " << d << " > " << tol << "\n got " << a << "\n want " << b);
}

// CHECKs that f() throws E and that its message contains every one of parts (use CHECK_ERROR,
// which names the expression and line on failure).
template <class E, class F>
void check_error(F&& f, std::initializer_list<std::string_view> parts, const std::string& expr, int line) {
  try {
    f();
  } catch (const E& e) {
    const std::string msg = e.what();
    for (std::string_view p : parts)
      CHECK_MESSAGE(msg.find(p) != std::string::npos,
                    "line " << line << ": " << expr << ": message \"" << msg << "\" lacks \"" << p << "\"");
    return;
  } catch (const std::exception& e) {
    FAIL_CHECK("line " << line << ": " << expr << ": threw the wrong exception type: " << e.what());
    return;
  }
  FAIL_CHECK("line " << line << ": " << expr << ": did not throw");
}
#define CHECK_ERROR(E, expr, ...) \
  ::focus::testing::check_error<E>([&] { (void)(expr); }, {__VA_ARGS__}, #expr, __LINE__)

// ---- naive references -----------------------------------------------------------------------
// The row-major multi-index of element `flat` of shape s, and back.
inline std::vector<std::int64_t> unravel(std::int64_t flat, const Shape& s) {
  std::vector<std::int64_t> idx(s.size());
  for (int d = s.size() - 1; d >= 0; --d) {
    idx[d] = flat % s[d];
    flat /= s[d];
  }
  return idx;
}

inline std::int64_t ravel(const std::vector<std::int64_t>& idx, const Shape& s) {
  std::int64_t flat = 0;
  for (int d = 0; d < s.size(); ++d) flat = flat * s[d] + idx[d];
  return flat;
}

// Element of t (any layout) at a row-major index of a shape t broadcasts to.
inline double broadcast_at(const Tensor& t, const Shape& out, std::int64_t flat) {
  std::int64_t off = t.offset();
  for (int d = out.size() - 1; d >= 0; --d) {
    const std::int64_t i = flat % out[d];
    flat /= out[d];
    const int td = d - (out.size() - t.dim());
    if (td >= 0 && t.shape()[td] != 1) off += i * t.strides()[td];
  }
  return static_cast<const double*>(t.storage()->data())[off];
}

inline Tensor ref_unary(const Tensor& x, const std::function<double(double)>& f) {
  Tensor out = zeros(x.shape(), kFloat64);
  for (std::int64_t i = 0; i < x.numel(); ++i) out.data_ptr<double>()[i] = f(broadcast_at(x, x.shape(), i));
  return out;
}

inline Tensor ref_binary(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
  const Shape s = broadcast_shapes("ref", a.shape(), b.shape());
  Tensor out = zeros(s, kFloat64);
  for (std::int64_t i = 0; i < out.numel(); ++i)
    out.data_ptr<double>()[i] = f(broadcast_at(a, s, i), broadcast_at(b, s, i));
  return out;
}

// Float32 copies of the inputs (same values), for the dtype check.
inline Inputs to_float32(const Inputs& in) {
  Inputs out;
  for (const auto& t : in) out.push_back(t.dtype() == kFloat64 ? t.detach().to(kFloat32) : t);
  return out;
}

// Walks one row of the table.
inline void check_op(const OpSpec& spec) {
  for (const OpSample& sample : spec.samples()) {
    SUBCASE((spec.name + " " + sample.label).c_str()) {
      Tensor y;
      {
        NoGradGuard ng;
        y = spec.fn(sample.inputs);
      }
      if (spec.reference) check_close(y, spec.reference(sample.inputs), spec.forward_tol, spec.name + " forward:");
      Tensor y32 = spec.fn(to_float32(sample.inputs));
      CHECK(y32.dtype() == kFloat32);
      check_close(y32.to(kFloat64), y, 1e-4 * (1 + max_abs_diff(y, zeros_like(y))), spec.name + " float32 vs float64:");
      const GradcheckResult r = gradcheck(spec.fn, sample.inputs, spec.gradcheck);
      CHECK_MESSAGE(r.ok, r.message);
    }
  }
}

}  // namespace focus::testing
