// Transformer-XL's relative attention terms, composed from differentiable ops (matmul, gather),
// so their gradient is exact by construction.
#include <focus/nn/xl_positions.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>

#include <cmath>
#include <vector>

namespace focus::nn {

Tensor relative_sinusoids(std::int64_t d_model, std::int64_t first, std::int64_t count, DType dtype) {
  if (d_model <= 0 || d_model % 2 != 0 || count < 0)
    throw ValueError("relative_sinusoids: need an even d_model > 0 and count >= 0; got d_model=" + std::to_string(d_model) +
                     ", count=" + std::to_string(count));
  const std::int64_t half = d_model / 2;
  std::vector<double> out(static_cast<std::size_t>(count * d_model));
  for (std::int64_t r = 0; r < count; ++r)
    for (std::int64_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(first + r) * std::pow(10000.0, -2.0 * static_cast<double>(i) / static_cast<double>(d_model));
      out[r * d_model + i] = std::sin(angle);
      out[r * d_model + half + i] = std::cos(angle);
    }
  return tensor(out, {count, d_model}).to(dtype);
}

RelativeXLPositions::RelativeXLPositions(std::int64_t d_model, std::int64_t nhead, DType dtype)
    : Positions("RelativeXLPositions"), d_model_(d_model), nhead_(nhead) {
  if (nhead <= 0 || d_model <= 0 || d_model % nhead != 0 || d_model % 2 != 0)
    throw ValueError("xl: nhead must divide d_model, and d_model be even; got d_model=" + std::to_string(d_model) +
                     ", nhead=" + std::to_string(nhead));
  r_proj = register_module("r_proj", std::make_shared<Linear>(d_model, d_model, false, dtype));
  u = register_parameter("u", zeros({nhead, d_model / nhead}, dtype));
  v = register_parameter("v", zeros({nhead, d_model / nhead}, dtype));
}

// Distances key - query run from dmin = k_offset - (q_offset + Tq - 1) to k_offset + Tk - 1 - q_offset,
// L = Tq + Tk - 1 of them. The position term is computed once per distance, [B, H, Tq, L], and
// key j of query i reads column (Tq - 1 - i) + j: the "relative shift", done here by gather.
Tensor RelativeXLPositions::score_bias(const Tensor& q, const Tensor& k, std::int64_t q_offset, std::int64_t k_offset) const {
  return with_module_path([&] {
    if (q.dim() != 4 || k.dim() != 4 || q.size(1) != nhead_ || k.size(1) != nhead_ || q.size(3) != d_model_ / nhead_ ||
        k.size(3) != q.size(3))
      throw ShapeError("xl: need q [B, " + std::to_string(nhead_) + ", Tq, " + std::to_string(d_model_ / nhead_) +
                       "] and k [B, H, Tk, Dh]; got q=" + focus::to_string(q.shape()) + ", k=" + focus::to_string(k.shape()));
    const std::int64_t tq = q.size(2), tk = k.size(2), dh = q.size(3), L = tq + tk - 1;
    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    const Tensor r = r_proj->forward(relative_sinusoids(d_model_, k_offset - (q_offset + tq - 1), L, q.dtype()))
                         .reshape({L, nhead_, dh})
                         .permute({1, 2, 0});                                // [H, Dh, L]
    const Tensor by_distance = matmul(q + v.unsqueeze(1), r);               // [B, H, Tq, L]
    std::vector<std::int64_t> column(static_cast<std::size_t>(tq * tk));
    for (std::int64_t i = 0; i < tq; ++i)
      for (std::int64_t j = 0; j < tk; ++j) column[i * tk + j] = tq - 1 - i + j;
    // One [Tq, Tk] table read by every batch row and head (a stride-0 view: gather and its
    // backward walk strides, so nothing of size B x H x Tq x Tk is made for it).
    const Tensor index = tensor(column, {1, 1, tq, tk}).expand({q.size(0), nhead_, tq, tk});
    const Tensor content = matmul(k, u.unsqueeze(2)).transpose(2, 3);       // [B, H, 1, Tk]: u . k_j
    return (gather(by_distance, 3, index) + content) * scale;
  });
}

std::string RelativeXLPositions::extra_repr() const {
  return "d_model=" + std::to_string(d_model_) + ", nhead=" + std::to_string(nhead_);
}

}  // namespace focus::nn
