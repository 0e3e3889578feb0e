// RoPE: the cos/sin tables for a block of positions and the rotation, composed from differentiable
// ops (slice, mul, cat), so its gradient is exact by construction.
#include <focus/nn/rope.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>

#include <cmath>
#include <sstream>
#include <vector>

namespace focus::nn {

// x [.., T, Dh]; cos, sin [T, Dh/2] broadcast over the leading dims.
// backward (each op's own): dx1 = g1 cos + g2 sin, dx2 = g2 cos - g1 sin (the inverse rotation).
Tensor apply_rope(const Tensor& x, std::int64_t offset, double base) {
  check_floating("rope", x);
  if (x.dim() < 2) throw ShapeError("rope: x must be [.., T, Dh]; got x=" + to_string(x.shape()));
  const std::int64_t t = x.size(-2), dh = x.size(-1), half = dh / 2;
  if (dh % 2 != 0)
    throw ValueError("rope: the head dim Dh must be even (dims rotate in pairs); got Dh=" + std::to_string(dh) +
                     ", x=" + to_string(x.shape()));
  if (offset < 0) throw ValueError("rope: offset must be >= 0; got offset=" + std::to_string(offset));
  if (!(base > 1)) {
    std::ostringstream v;
    v << base;
    throw ValueError("rope: base must be > 1; got base=" + v.str());
  }
  std::vector<double> c(t * half), s(t * half);
  for (std::int64_t i = 0; i < half; ++i) {
    const double inv_freq = 1.0 / std::pow(base, static_cast<double>(2 * i) / static_cast<double>(dh));
    for (std::int64_t p = 0; p < t; ++p) {
      const double a = static_cast<double>(offset + p) * inv_freq;
      c[p * half + i] = std::cos(a);
      s[p * half + i] = std::sin(a);
    }
  }
  const Tensor cos_t = tensor(c, {t, half}).to(x.dtype()), sin_t = tensor(s, {t, half}).to(x.dtype());
  const Tensor x1 = x.slice(-1, 0, half), x2 = x.slice(-1, half, dh);
  return cat({x1 * cos_t - x2 * sin_t, x2 * cos_t + x1 * sin_t}, -1);
}

RotaryPositions::RotaryPositions(std::int64_t d_model, std::int64_t nhead, double base)
    : Positions("RotaryPositions"), head_dim_(nhead > 0 ? d_model / nhead : 0), base_(base) {
  if (nhead <= 0 || d_model % nhead != 0)
    throw ValueError("rope: nhead must be positive and divide d_model; got d_model=" + std::to_string(d_model) +
                     ", nhead=" + std::to_string(nhead));
  if (head_dim_ % 2 != 0)
    throw ValueError("rope: the head dim (d_model / nhead) must be even; got d_model=" + std::to_string(d_model) +
                     ", nhead=" + std::to_string(nhead) + ", head dim=" + std::to_string(head_dim_));
  if (!(base > 1)) throw ValueError("rope: base must be > 1; got base=" + std::to_string(base));
}

std::string RotaryPositions::extra_repr() const {
  std::ostringstream os;
  os << "head_dim=" << head_dim_ << ", base=" << base_;
  return os.str();
}

}  // namespace focus::nn
