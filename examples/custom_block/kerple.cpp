// KERPLE's bias composed from focus's differentiable ops (autograd derives its backward), and the
// module that learns r1 and r2.
#include "kerple.h"

#include <focus/focus.h>

#include <cstdlib>
#include <vector>

namespace custom {

using focus::Tensor;

// log_r1, log_r2 [H] -> r1, r2 [H, 1, 1];  distance d [Tq, Tk];  -> bias [H, Tq, Tk]
Tensor kerple_log_bias(const Tensor& log_r1, const Tensor& log_r2, std::int64_t tq, std::int64_t tk,
                       std::int64_t q_offset, std::int64_t k_offset) {
  focus::check_floating("kerple_log_bias", log_r1);
  focus::check_same_dtype("kerple_log_bias", log_r1, log_r2);
  if (log_r1.dim() != 1 || !(log_r1.shape() == log_r2.shape()))
    throw focus::ShapeError("kerple_log_bias: log_r1 and log_r2 must both be [H]; got log_r1=" +
                            focus::to_string(log_r1.shape()) + ", log_r2=" + focus::to_string(log_r2.shape()));
  if (tq < 0 || tk < 0 || q_offset < 0 || k_offset < 0)
    throw focus::ValueError("kerple_log_bias: sizes and offsets must be >= 0; got Tq=" + std::to_string(tq) +
                            ", Tk=" + std::to_string(tk) + ", q_offset=" + std::to_string(q_offset) +
                            ", k_offset=" + std::to_string(k_offset));
  // The distances between absolute positions are constants: no gradient flows into them.
  std::vector<double> distance(static_cast<std::size_t>(tq * tk));
  for (std::int64_t i = 0; i < tq; ++i)
    for (std::int64_t j = 0; j < tk; ++j)
      distance[i * tk + j] = static_cast<double>(std::llabs((q_offset + i) - (k_offset + j)));
  const Tensor d = focus::tensor(distance, {tq, tk}).to(log_r1.dtype());
  const std::int64_t H = log_r1.size(0);
  const Tensor r1 = focus::exp(log_r1).reshape({H, 1, 1});
  const Tensor r2 = focus::exp(log_r2).reshape({H, 1, 1});
  return -(r1 * focus::log(1.0 + r2 * d));
}

KerplePositions::KerplePositions(std::int64_t nhead, focus::DType dtype) : Positions("KerplePositions") {
  if (nhead <= 0) throw focus::ValueError("KerplePositions: nhead must be positive; got nhead=" + std::to_string(nhead));
  log_r1 = register_parameter("log_r1", focus::zeros({nhead}, dtype));
  log_r2 = register_parameter("log_r2", focus::zeros({nhead}, dtype));
}

// with_module_path: an error from inside names where the scheme sits ("positions: kerple_log_bias: ...").
Tensor KerplePositions::bias(std::int64_t tq, std::int64_t tk, std::int64_t q_offset, std::int64_t k_offset) const {
  return with_module_path([&] { return kerple_log_bias(log_r1, log_r2, tq, tk, q_offset, k_offset); });
}

std::string KerplePositions::extra_repr() const { return "nhead=" + std::to_string(log_r1.size(0)); }

}  // namespace custom
