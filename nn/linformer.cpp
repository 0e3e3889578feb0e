// Linformer's sequence projection (see linformer.h).
#include <focus/nn/linformer.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/tensor/error.h>
#include <focus/tensor/factory.h>

#include <cmath>

namespace focus::nn {

LinformerProjection::LinformerProjection(std::int64_t k, std::int64_t max_len, DType dtype)
    : Module("LinformerProjection"), k_(k), max_len_(max_len) {
  if (k < 1 || max_len < 1)
    throw ValueError("LinformerProjection: k and max_len must be >= 1; got k=" + std::to_string(k) +
                     ", max_len=" + std::to_string(max_len));
  const double bound = 1.0 / std::sqrt(static_cast<double>(max_len));
  E = register_parameter("E", uniform({k, max_len}, -bound, bound, dtype));
  F = register_parameter("F", uniform({k, max_len}, -bound, bound, dtype));
}

std::pair<Tensor, Tensor> LinformerProjection::project(const Tensor& k, const Tensor& v, const Tensor& key_lengths) const {
  return with_module_path([&] {
    if (k.dim() < 2 || v.dim() < 2 || k.size(-2) != v.size(-2))
      throw ShapeError("linformer: keys and values need [.., T, Dh] with the same T; got k=" + focus::to_string(k.shape()) +
                       ", v=" + focus::to_string(v.shape()));
    const std::int64_t T = k.size(-2);
    if (T > max_len_)
      throw ValueError("linformer: the sequence is longer than max_len; got T=" + std::to_string(T) +
                       ", max_len=" + std::to_string(max_len_));
    Tensor keys = k, values = v;
    if (key_lengths.defined()) {
      // keep[b, t] = t < key_lengths[b], shaped [B, 1, .., T, 1] to broadcast over heads and Dh.
      if (key_lengths.dim() != 1 || key_lengths.size(0) != k.size(0))
        throw ShapeError("linformer: key_lengths must be [B]; got key_lengths=" + focus::to_string(key_lengths.shape()) +
                         ", k=" + focus::to_string(k.shape()));
      Shape shape(std::vector<std::int64_t>(static_cast<std::size_t>(k.dim()), 1));
      shape[0] = k.size(0);
      shape[k.dim() - 2] = T;
      const Tensor positions = arange(0, T, 1, kInt64).reshape({1, T});
      const Tensor keep = lt(positions, key_lengths.reshape({-1, 1})).reshape(shape).to(k.dtype());
      keys = keys * keep;
      values = values * keep;
    }
    const Tensor e = E.narrow(1, 0, T), f = F.narrow(1, 0, T);  // [K, T]
    return std::pair{matmul(e, keys), matmul(f, values)};
  });
}

std::string LinformerProjection::extra_repr() const {
  return "k=" + std::to_string(k_) + ", max_len=" + std::to_string(max_len_);
}

}  // namespace focus::nn
