// Elementwise kernels: copies and dtype conversion, binary ops with broadcasting, unary maths.
// Each op is a small lambda handed to one of three loop drivers (map1, map2, map3) built on
// strided_loop; the contiguous case is a plain indexed loop the compiler vectorises. Ops on
// floating tensors run on focus's threads when large (parallel_strided_loop): each element is
// computed alone, so the result is the same at any thread count. Integer and bool ops stay on one
// thread (the integer division check's lambda gathers a flag).
#include <focus/tensor/fast_math.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/loop.h>

#include <cmath>
#include <limits>

namespace focus::kernel {

namespace {

// The loop driver for an op: threaded for floating outputs (see the top of this file).
template <class Out, std::size_t N, class Body>
void loop(const Shape& shape, const std::array<Strides, N>& strides, const std::array<std::int64_t, N>& offsets,
          Body&& body) {
  if constexpr (std::is_floating_point_v<Out>)
    parallel_strided_loop<N>(shape, strides, offsets, body);
  else
    strided_loop<N>(shape, strides, offsets, body);
}

// out[i] = f(x[i]) over out's shape; x is already broadcast to that shape.
template <class Out, class In, class F>
void map1(const Tensor& out, const Tensor& x, F f) {
  Out* po = static_cast<Out*>(out.storage()->data());
  const In* px = static_cast<const In*>(x.storage()->data());
  loop<Out, 2>(out.shape(), {out.strides(), broadcast_strides(x.shape(), x.strides(), out.shape())},
                  {out.offset(), x.offset()}, [&](std::int64_t n, auto off, auto st) {
                    Out* o = po + off[0];
                    const In* a = px + off[1];
                    if (st[0] == 1 && st[1] == 1)
                      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
                    else if (st[0] == 1 && st[1] == 0)
                      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[0]);
                    else
                      for (std::int64_t i = 0; i < n; ++i) o[i * st[0]] = f(a[i * st[1]]);
                  });
}

// out = row(x) for float ops with a vectorised row function of fast_math.h (which the float32 GELU
// uses in place of libm's erf; float64 keeps libm). A strided run is gathered into a small
// contiguous buffer first, so every element goes through the same row code.
inline void map1_rows(const Tensor& out, const Tensor& x, void (*row)(float*, const float*, std::int64_t)) {
  float* po = static_cast<float*>(out.storage()->data());
  const float* px = static_cast<const float*>(x.storage()->data());
  loop<float, 2>(out.shape(), {out.strides(), broadcast_strides(x.shape(), x.strides(), out.shape())},
                 {out.offset(), x.offset()}, [&](std::int64_t n, auto off, auto st) {
                   float* o = po + off[0];
                   const float* a = px + off[1];
                   if (st[0] == 1 && st[1] == 1) return row(o, a, n);
                   constexpr std::int64_t kChunk = 256;
                   float in[kChunk], res[kChunk];
                   for (std::int64_t i0 = 0; i0 < n; i0 += kChunk) {
                     const std::int64_t m = std::min(kChunk, n - i0);
                     for (std::int64_t i = 0; i < m; ++i) in[i] = a[(i0 + i) * st[1]];
                     row(res, in, m);
                     for (std::int64_t i = 0; i < m; ++i) o[(i0 + i) * st[0]] = res[i];
                   }
                 });
}

// out[i] = f(a[i], b[i]); a and b broadcast to out's shape.
template <class Out, class In, class F>
void map2(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  Out* po = static_cast<Out*>(out.storage()->data());
  const In* pa = static_cast<const In*>(a.storage()->data());
  const In* pb = static_cast<const In*>(b.storage()->data());
  const Shape& s = out.shape();
  loop<Out, 3>(s,
                  {out.strides(), broadcast_strides(a.shape(), a.strides(), s),
                   broadcast_strides(b.shape(), b.strides(), s)},
                  {out.offset(), a.offset(), b.offset()}, [&](std::int64_t n, auto off, auto st) {
                    Out* o = po + off[0];
                    const In* x = pa + off[1];
                    const In* y = pb + off[2];
                    if (st[0] == 1 && st[1] == 1 && st[2] == 1)
                      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
                    else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
                      const In yv = y[0];
                      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
                    } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
                      const In xv = x[0];
                      for (std::int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
                    } else {
                      for (std::int64_t i = 0; i < n; ++i) o[i * st[0]] = f(x[i * st[1]], y[i * st[2]]);
                    }
                  });
}

// out[i] = f(c[i], a[i], b[i]); all broadcast to out's shape.
template <class Out, class C, class In, class F>
void map3(const Tensor& out, const Tensor& c, const Tensor& a, const Tensor& b, F f) {
  Out* po = static_cast<Out*>(out.storage()->data());
  const C* pc = static_cast<const C*>(c.storage()->data());
  const In* pa = static_cast<const In*>(a.storage()->data());
  const In* pb = static_cast<const In*>(b.storage()->data());
  const Shape& s = out.shape();
  loop<Out, 4>(s,
                  {out.strides(), broadcast_strides(c.shape(), c.strides(), s),
                   broadcast_strides(a.shape(), a.strides(), s), broadcast_strides(b.shape(), b.strides(), s)},
                  {out.offset(), c.offset(), a.offset(), b.offset()}, [&](std::int64_t n, auto off, auto st) {
                    for (std::int64_t i = 0; i < n; ++i)
                      po[off[0] + i * st[0]] =
                          f(pc[off[1] + i * st[1]], pa[off[2] + i * st[2]], pb[off[3] + i * st[3]]);
                  });
}

template <class T>
T int_pow(T base, T exp) {
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? (exp % 2 ? -1 : 1) : 0);
  T r = 1;
  while (exp) {
    if (exp & 1) r *= base;
    base *= base;
    exp >>= 1;
  }
  return r;
}

bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::Ge; }
bool is_logical(BinaryOp op) { return op >= BinaryOp::LogicalAnd; }

template <class T>
void run_arithmetic(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Add: return map2<T, T>(out, a, b, [](T x, T y) { return T(x + y); });
    case BinaryOp::Sub: return map2<T, T>(out, a, b, [](T x, T y) { return T(x - y); });
    case BinaryOp::Mul: return map2<T, T>(out, a, b, [](T x, T y) { return T(x * y); });
    case BinaryOp::Div:
      if constexpr (std::is_integral_v<T>) {
        bool zero = false;
        map1<bool, T>(Tensor::empty(out.shape(), kBool), b, [&](T y) { zero |= y == 0; return false; });
        if (zero) throw ValueError("div: integer division by zero; got a zero in b=" + to_string(b.shape()));
        // x / -1 is -x, negated in unsigned arithmetic: the CPU traps on INT64_MIN / -1.
        return map2<T, T>(out, a, b, [](T x, T y) {
          return y == -1 ? T(0ULL - static_cast<std::uint64_t>(x)) : T(x / y);
        });
      }
      return map2<T, T>(out, a, b, [](T x, T y) { return T(x / y); });
    case BinaryOp::Pow:
      if constexpr (std::is_integral_v<T>)
        return map2<T, T>(out, a, b, [](T x, T y) { return int_pow(x, y); });
      else
        return map2<T, T>(out, a, b, [](T x, T y) { return std::pow(x, y); });
    case BinaryOp::Maximum:
      return map2<T, T>(out, a, b, [](T x, T y) { return (x != x || x > y) ? x : y; });
    case BinaryOp::Minimum:
      return map2<T, T>(out, a, b, [](T x, T y) { return (x != x || x < y) ? x : y; });
    default: break;
  }
}

template <class T>
void run_comparison(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Eq: return map2<bool, T>(out, a, b, [](T x, T y) { return x == y; });
    case BinaryOp::Ne: return map2<bool, T>(out, a, b, [](T x, T y) { return x != y; });
    case BinaryOp::Lt: return map2<bool, T>(out, a, b, [](T x, T y) { return x < y; });
    case BinaryOp::Le: return map2<bool, T>(out, a, b, [](T x, T y) { return x <= y; });
    case BinaryOp::Gt: return map2<bool, T>(out, a, b, [](T x, T y) { return x > y; });
    case BinaryOp::Ge: return map2<bool, T>(out, a, b, [](T x, T y) { return x >= y; });
    default: break;
  }
}

void run_binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  const char* name = binary_op_name(op);
  if (is_comparison(op)) {
    dispatch(a.dtype(), [&]<class T>() { run_comparison<T>(op, out, a, b); });
  } else if (is_logical(op)) {
    check_dtype(name, a, kBool);
    switch (op) {
      case BinaryOp::LogicalAnd: return map2<bool, bool>(out, a, b, [](bool x, bool y) { return x && y; });
      case BinaryOp::LogicalOr: return map2<bool, bool>(out, a, b, [](bool x, bool y) { return x || y; });
      default: return map2<bool, bool>(out, a, b, [](bool x, bool y) { return x != y; });
    }
  } else {
    dispatch_numeric(name, a.dtype(), [&]<class T>() { run_arithmetic<T>(op, out, a, b); });
  }
}

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

}  // namespace

const char* binary_op_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne",
                                "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"};
  return names[static_cast<int>(op)];
}

const char* unary_op_name(UnaryOp op) {
  static const char* names[] = {"neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "sin", "cos",
                                "tanh", "sigmoid", "relu", "gelu", "gelu_grad", "logical_not"};
  return names[static_cast<int>(op)];
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

Tensor clone(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype());
  copy_into(out, t);
  return out;
}

Tensor to_dtype(const Tensor& t, DType dt) {
  if (t.dtype() == dt) return t;
  Tensor out = Tensor::empty(t.shape(), dt);
  copy_into(out, t);
  return out;
}

void copy_into(const Tensor& dst, const Tensor& src) {
  dispatch(dst.dtype(), [&]<class D>() {
    dispatch(src.dtype(), [&]<class S>() { map1<D, S>(dst, src, [](S v) { return static_cast<D>(v); }); });
  });
}

void fill_(const Tensor& dst, Scalar value) { copy_into(dst, scalar_tensor(value, kFloat64)); }

Tensor scalar_tensor(Scalar value, DType dt) {
  Tensor out = Tensor::empty({}, dt);
  dispatch(dt, [&]<class T>() { *out.data_ptr<T>() = static_cast<T>(value); });
  return out;
}

Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  return as_strided(t, shape, broadcast_strides(t.shape(), t.strides(), shape), t.offset());
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = binary_op_name(op);
  const Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, is_comparison(op) || is_logical(op) ? kBool : a.dtype());
  run_binary(op, out, a, b);
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, Scalar b) { return binary(op, a, scalar_tensor(b, a.dtype())); }
Tensor binary(BinaryOp op, Scalar a, const Tensor& b) { return binary(op, scalar_tensor(a, b.dtype()), b); }

void binary_(BinaryOp op, const Tensor& a, const Tensor& b) { run_binary(op, a, a, b); }

Tensor unary(UnaryOp op, const Tensor& x) {
  const char* name = unary_op_name(op);
  if (op == UnaryOp::LogicalNot) {
    check_dtype(name, x, kBool);
    Tensor out = Tensor::empty(x.shape(), kBool);
    map1<bool, bool>(out, x, [](bool v) { return !v; });
    return out;
  }
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  if (op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Sign) {
    dispatch_numeric(name, x.dtype(), [&]<class T>() {
      if (op == UnaryOp::Neg) map1<T, T>(out, x, [](T v) { return T(-v); });
      else if (op == UnaryOp::Abs) map1<T, T>(out, x, [](T v) { return v < 0 ? T(-v) : v; });
      else map1<T, T>(out, x, [](T v) { return T((v > 0) - (v < 0)); });
    });
    return out;
  }
  dispatch_floating(name, x.dtype(), [&]<class T>() {
    switch (op) {
      case UnaryOp::Exp: return map1<T, T>(out, x, [](T v) { return std::exp(v); });
      case UnaryOp::Log: return map1<T, T>(out, x, [](T v) { return std::log(v); });
      case UnaryOp::Sqrt: return map1<T, T>(out, x, [](T v) { return std::sqrt(v); });
      case UnaryOp::Rsqrt: return map1<T, T>(out, x, [](T v) { return T(1) / std::sqrt(v); });
      case UnaryOp::Sin: return map1<T, T>(out, x, [](T v) { return std::sin(v); });
      case UnaryOp::Cos: return map1<T, T>(out, x, [](T v) { return std::cos(v); });
      case UnaryOp::Tanh: return map1<T, T>(out, x, [](T v) { return std::tanh(v); });
      case UnaryOp::Sigmoid:
        return map1<T, T>(out, x, [](T v) {
          // Split on the sign so exp never overflows.
          if (v >= 0) return T(1) / (T(1) + std::exp(-v));
          const T e = std::exp(v);
          return e / (T(1) + e);
        });
      case UnaryOp::Relu: return map1<T, T>(out, x, [](T v) { return v > 0 ? v : T(0); });
      case UnaryOp::Gelu:
        if constexpr (std::is_same_v<T, float>) return map1_rows(out, x, rows::gelu);
        return map1<T, T>(out, x, [](T v) { return T(0.5) * v * (T(1) + std::erf(v * T(kInvSqrt2))); });
      case UnaryOp::GeluGrad:
        if constexpr (std::is_same_v<T, float>) return map1_rows(out, x, rows::gelu_grad);
        return map1<T, T>(out, x, [](T v) {
          return T(0.5) * (T(1) + std::erf(v * T(kInvSqrt2))) + v * T(kInvSqrt2Pi) * std::exp(T(-0.5) * v * v);
        });
      default: return;
    }
  });
  return out;
}

Tensor pow_scalar(const Tensor& x, Scalar exponent) {
  return binary(BinaryOp::Pow, x, scalar_tensor(exponent, x.dtype()));
}

Tensor clamp(const Tensor& x, Scalar lo, Scalar hi) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  dispatch_numeric("clamp", x.dtype(), [&]<class T>() {
    const bool has_lo = !std::isnan(lo), has_hi = !std::isnan(hi);
    const T l = has_lo ? static_cast<T>(lo) : T(0), h = has_hi ? static_cast<T>(hi) : T(0);
    map1<T, T>(out, x, [=](T v) {
      if (has_lo && v < l) v = l;
      if (has_hi && v > h) v = h;
      return v;
    });
  });
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch(a.dtype(), [&]<class T>() { map3<T, bool, T>(out, cond, a, b, [](bool c, T x, T y) { return c ? x : y; }); });
  return out;
}

Tensor relu_backward(const Tensor& g, const Tensor& x) {
  Tensor out = Tensor::empty(broadcast_shapes("relu_backward", g.shape(), x.shape()), g.dtype());
  dispatch_floating("relu_backward", g.dtype(), [&]<class T>() {
    map2<T, T>(out, g, x, [](T gv, T xv) { return xv > 0 ? gv : T(0); });
  });
  return out;
}

Tensor axpby(const Tensor& a, Scalar alpha, const Tensor& b, Scalar beta) {
  const Shape shape = broadcast_shapes("axpby", a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch_numeric("axpby", a.dtype(), [&]<class T>() {
    const T al = static_cast<T>(alpha), be = static_cast<T>(beta);
    map2<T, T>(out, a, b, [=](T x, T y) { return T(x * al + y * be); });
  });
  return out;
}

}  // namespace focus::kernel
