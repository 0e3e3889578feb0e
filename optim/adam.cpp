// Adam's and AdamW's update (see adam.h): one fused loop per parameter, the same arithmetic in the
// same order as torch's single-tensor path, so float64 runs agree to rounding. This is the hot
// loop of training; it reads g once and p, m, v once each and writes them back.
#include <focus/optim/adam.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include <focus/tensor/factory.h>
#include <focus/tensor/parallel.h>

namespace focus::optim {

namespace {

// Scalars of one update, already in the parameter's element type (as torch casts its Python floats).
template <class T>
struct AdamCoefficients {
  T beta1, one_minus_beta1, beta2, one_minus_beta2;
  T weight_decay;             // L2 (Adam)
  T shrink;                   // 1 - lr * weight_decay (AdamW)
  T neg_step_size;            // -lr / (1 - beta1^t)
  T bias_correction2_sqrt;    // sqrt(1 - beta2^t)
  T eps;
};

// Shapes: p, g, m (exp_avg), v (exp_avg_sq) and v_max (max_exp_avg_sq, read only with amsgrad)
// are [n], contiguous, and do not overlap. The switches are template arguments so the loop has no
// branches; it vectorises when built with -fno-math-errno (else std::sqrt keeps a scalar libm
// call for errno: 4-5x slower). Products are grouped as torch's addcmul_/addcdiv_ group them.
template <class T, bool kDecoupled, bool kL2, bool kAmsgrad>
void adam_kernel(std::int64_t n, T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                 T* __restrict v_max, const AdamCoefficients<T>& c) {
  for (std::int64_t i = 0; i < n; ++i) {
    if constexpr (kDecoupled) p[i] = p[i] * c.shrink;
    T grad = g[i];
    if constexpr (kL2) grad = grad + c.weight_decay * p[i];
    m[i] = m[i] * c.beta1 + c.one_minus_beta1 * grad;
    v[i] = v[i] * c.beta2 + c.one_minus_beta2 * grad * grad;
    T second = v[i];
    if constexpr (kAmsgrad) second = v_max[i] = std::max(v_max[i], v[i]);
    const T denom = std::sqrt(second) / c.bias_correction2_sqrt + c.eps;
    p[i] = p[i] + c.neg_step_size * m[i] / denom;
  }
}

// Elements a thread takes at a time (see Adam::update). zh-en at 2 threads: the optimizer's
// step took 1.6 ms of a 32 ms step on one thread (session 19).
constexpr std::int64_t kAdamChunk = std::int64_t(1) << 12;

template <class T>
using AdamKernel = void (*)(std::int64_t, T*, const T*, T*, T*, T*, const AdamCoefficients<T>&);

// adam_kernel for runtime switches: [decoupled][l2][amsgrad].
template <class T>
AdamKernel<T> pick_adam_kernel(bool decoupled, bool l2, bool amsgrad) {
  static constexpr AdamKernel<T> kernels[2][2][2] = {
      {{adam_kernel<T, false, false, false>, adam_kernel<T, false, false, true>},
       {adam_kernel<T, false, true, false>, adam_kernel<T, false, true, true>}},
      {{adam_kernel<T, true, false, false>, adam_kernel<T, true, false, true>},
       {adam_kernel<T, true, true, false>, adam_kernel<T, true, true, true>}},
  };
  return kernels[decoupled][l2][amsgrad];
}

AdamOptions as_adam(const AdamWOptions& o) { return {o.lr, o.betas, o.eps, o.weight_decay, o.amsgrad}; }

}  // namespace

Adam::Adam(NamedParams params, AdamOptions options) : Adam("Adam", std::move(params), options, false) {}

Adam::Adam(std::string op, NamedParams params, AdamOptions options, bool decoupled_weight_decay)
    : Optimizer(std::move(op)), options_(options), decoupled_weight_decay_(decoupled_weight_decay) {
  const auto [beta1, beta2] = options.betas;
  if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
    throw ValueError(this->op() + ": betas must lie in [0, 1); got betas=(" + number_text(beta1) + ", " + number_text(beta2) + ")");
  if (!(options.eps >= 0)) throw ValueError(this->op() + ": eps must be >= 0; got eps=" + number_text(options.eps));
  add_param_group({std::move(params), options.lr, options.weight_decay});
}

AdamW::AdamW(NamedParams params, AdamWOptions options) : Adam("AdamW", std::move(params), as_adam(options), true) {}

std::vector<std::string> Adam::buffer_names() const {
  if (options_.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void Adam::update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) {
  if (state.buffers.empty())
    for (const auto& name : buffer_names()) state.buffers[name] = zeros(param.shape(), param.dtype());
  // Named copies, not a structured binding: clang 14 cannot capture bindings in the lambda below.
  const double beta1 = options_.betas.first, beta2 = options_.betas.second;
  const double t = static_cast<double>(state.step);
  const double bias_correction1 = 1 - std::pow(beta1, t);
  const double bias_correction2 = 1 - std::pow(beta2, t);
  dispatch_floating(op(), param.dtype(), [&]<class T>() {
    const AdamCoefficients<T> c{
        static_cast<T>(beta1),
        static_cast<T>(1 - beta1),
        static_cast<T>(beta2),
        static_cast<T>(1 - beta2),
        static_cast<T>(group.weight_decay),
        static_cast<T>(1 - group.lr * group.weight_decay),
        static_cast<T>(-(group.lr / bias_correction1)),
        static_cast<T>(std::sqrt(bias_correction2)),
        static_cast<T>(options_.eps),
    };
    const bool decay = group.weight_decay != 0;  // torch skips the decay arithmetic at 0
    T* v_max = options_.amsgrad ? state.buffers.at("max_exp_avg_sq").data_ptr<T>() : nullptr;
    const AdamKernel<T> kernel = pick_adam_kernel<T>(decoupled_weight_decay_ && decay, !decoupled_weight_decay_ && decay, options_.amsgrad);
    T *p = param.data_ptr<T>(), *m = state.buffers.at("exp_avg").data_ptr<T>(), *v = state.buffers.at("exp_avg_sq").data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    // Every element's update is its own, so any split gives the same bits: chunks of kAdamChunk
    // elements, shared by the pool from two chunks up (a 128 x 128 weight is 4).
    parallel::for_chunks(param.numel(), kAdamChunk, 2, [&](std::int64_t a, std::int64_t b) {
      kernel(b - a, p + a, g + a, m + a, v + a, v_max ? v_max + a : nullptr, c);
    });
  });
}

}  // namespace focus::optim
