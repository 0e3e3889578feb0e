// SGD's update (see sgd.h): one fused loop per parameter, the same arithmetic in the same order
// as torch.optim.SGD's single-tensor path, so float64 runs agree to rounding.
#include <focus/optim/sgd.h>

#include <sstream>

#include <focus/tensor/factory.h>

namespace focus::optim {

namespace {

// Scalars of one update, already in the parameter's element type (as torch casts its Python floats).
template <class T>
struct SgdCoefficients {
  T neg_lr, weight_decay;
  T buffer_decay, buffer_scale;  // momentum and 1 - dampening; 0 and 1 on the first step
  T momentum;                    // for nesterov's look-ahead
};

// Shapes: p, g, buf (read only with momentum) are [n], contiguous, and do not overlap. The first
// step runs the general formula from buf = 0 with decay 0 and scale 1, which makes buf = d exactly
// as torch's clone. The switches are template arguments so the loop has no branches and vectorises.
template <class T, bool kDecay, bool kMomentum, bool kNesterov>
void sgd_kernel(std::int64_t n, T* __restrict p, const T* __restrict g, T* __restrict buf,
                const SgdCoefficients<T>& c) {
  for (std::int64_t i = 0; i < n; ++i) {
    T d = g[i];
    if constexpr (kDecay) d = d + c.weight_decay * p[i];
    if constexpr (kMomentum) {
      buf[i] = buf[i] * c.buffer_decay + c.buffer_scale * d;
      d = kNesterov ? d + c.momentum * buf[i] : buf[i];
    }
    p[i] = p[i] + c.neg_lr * d;
  }
}

template <class T>
using SgdKernel = void (*)(std::int64_t, T*, const T*, T*, const SgdCoefficients<T>&);

// sgd_kernel for runtime switches: [decay][momentum][nesterov].
template <class T>
SgdKernel<T> pick_sgd_kernel(bool decay, bool momentum, bool nesterov) {
  static constexpr SgdKernel<T> kernels[2][2][2] = {
      {{sgd_kernel<T, false, false, false>, sgd_kernel<T, false, false, true>},
       {sgd_kernel<T, false, true, false>, sgd_kernel<T, false, true, true>}},
      {{sgd_kernel<T, true, false, false>, sgd_kernel<T, true, false, true>},
       {sgd_kernel<T, true, true, false>, sgd_kernel<T, true, true, true>}},
  };
  return kernels[decay][momentum][nesterov];
}

}  // namespace

SGD::SGD(NamedParams params, SGDOptions options) : Optimizer("SGD"), options_(options) {
  if (!(options.momentum >= 0)) throw ValueError("SGD: momentum must be >= 0; got momentum=" + number_text(options.momentum));
  if (options.nesterov && !(options.momentum > 0 && options.dampening == 0))
    throw ValueError("SGD: nesterov needs momentum > 0 and dampening == 0; got momentum=" +
                     number_text(options.momentum) + ", dampening=" + number_text(options.dampening));
  add_param_group({std::move(params), options.lr, options.weight_decay});
}

std::vector<std::string> SGD::buffer_names() const {
  if (options_.momentum == 0) return {};
  return {"momentum_buffer"};
}

void SGD::update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) {
  const bool use_momentum = options_.momentum != 0;
  const bool first = use_momentum && !state.buffers.contains("momentum_buffer");
  if (first) state.buffers["momentum_buffer"] = zeros(param.shape(), param.dtype());
  dispatch_floating("SGD", param.dtype(), [&]<class T>() {
    const SgdCoefficients<T> c{
        static_cast<T>(-group.lr),
        static_cast<T>(group.weight_decay),
        static_cast<T>(first ? 0 : options_.momentum),
        static_cast<T>(first ? 1 : 1 - options_.dampening),
        static_cast<T>(options_.momentum),
    };
    T* buf = use_momentum ? state.buffers.at("momentum_buffer").data_ptr<T>() : nullptr;
    pick_sgd_kernel<T>(group.weight_decay != 0, use_momentum, options_.nesterov)(
        param.numel(), param.data_ptr<T>(), grad.data_ptr<T>(), buf, c);
  });
}

}  // namespace focus::optim
