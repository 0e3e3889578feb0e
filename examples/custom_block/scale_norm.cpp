// ScaleNorm composed from focus's differentiable ops (autograd derives its backward), and the
// module that holds g.
#include "scale_norm.h"

#include <focus/focus.h>

#include <cmath>
#include <sstream>

namespace custom {

using focus::Tensor;

// x [.., D] -> sum of squares [.., 1] -> norm [.., 1];  g [] broadcasts over everything
Tensor scale_norm(const Tensor& x, const Tensor& g, double eps) {
  focus::check_floating("scale_norm", x);
  focus::check_same_dtype("scale_norm", x, g);
  if (x.dim() < 1 || g.dim() != 0)
    throw focus::ShapeError("scale_norm: x must be [.., D] and g a scalar []; got x=" + focus::to_string(x.shape()) +
                            ", g=" + focus::to_string(g.shape()));
  if (!(eps > 0)) throw focus::ValueError("scale_norm: eps must be > 0; got eps=" + std::to_string(eps));
  // max(||x||, eps) taken as sqrt(max(sum x^2, eps^2)): the same number, but clamping before the
  // square root keeps the gradient of a zero row finite (g / eps) where sqrt's slope at 0 is not.
  const Tensor norm = focus::sqrt(focus::clamp_min(focus::sum(x * x, {-1}, true), eps * eps));
  return x * (g / norm);
}

ScaleNorm::ScaleNorm(std::int64_t d_model, double eps, focus::DType dtype)
    : Norm("ScaleNorm"), d_model_(d_model), eps_(eps) {
  if (d_model <= 0) throw focus::ValueError("ScaleNorm: d_model must be positive; got d_model=" + std::to_string(d_model));
  if (!(eps > 0)) throw focus::ValueError("ScaleNorm: eps must be > 0; got eps=" + std::to_string(eps));
  g = register_parameter("g", focus::scalar_tensor(std::sqrt(static_cast<double>(d_model)), dtype));
}

// with_module_path: an error names the norm's place in the model ("blocks.0.norm1: scale_norm: ...").
Tensor ScaleNorm::forward(const Tensor& x) const {
  return with_module_path([&] {
    if (x.dim() < 1 || x.size(-1) != d_model_)
      throw focus::ShapeError("ScaleNorm: x's last dim must be d_model=" + std::to_string(d_model_) +
                              "; got x=" + focus::to_string(x.shape()));
    return scale_norm(x, g, eps_);
  });
}

std::string ScaleNorm::extra_repr() const {
  std::ostringstream os;
  os << "d_model=" << d_model_ << ", eps=" << eps_;
  return os.str();
}

}  // namespace custom
