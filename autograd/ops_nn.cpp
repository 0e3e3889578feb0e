// Differentiable nn functions: softmax, log_softmax, cross_entropy, nll_loss, mse_loss,
// layer_norm, batch_norm, dropout. The fused ones run one kernel of tensor/nn_kernels.h forward and one back;
// under create_graph their backward is instead written with differentiable ops, recomputed from
// the saved input, so that it can be differentiated again. mse_loss is composed (nothing to gain
// from fusing it); dropout's backward is a product with its mask, differentiable as it stands.
#include <focus/autograd/ops_nn.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/nn_kernels.h>
#include <focus/tensor/random.h>
#include <focus/tensor/reduce.h>

#include <sstream>
#include <string>
#include <utility>

namespace focus {

using kernel::BinaryOp;

// ---- softmax family ---------------------------------------------------------------------------

// y = exp(x - max) / sum(exp(x - max)) along dim;  [..] -> [..];  dx = y * (g - sum(g * y, dim))
Tensor softmax(const Tensor& x, std::int64_t dim) {
  check_floating("softmax", x);
  const int d = wrap_dim("softmax", dim, x.dim());
  Tensor out = kernel::softmax(x, d);
  if (!needs_grad(x)) return out;
  return record("softmax", out, {x}, [x = save(x), y = save_output(out), d](const Tensor& g) -> Grads {
    if (!GradMode::is_enabled()) return {kernel::softmax_backward(y.get("softmax"), g, d)};
    const Tensor yv = softmax(x.get("softmax"), d);
    return {yv * (g - sum(g * yv, {d}, true))};
  });
}

// y = x - max - log(sum(exp(x - max))) along dim;  [..] -> [..];  dx = g - exp(y) * sum(g, dim)
Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  check_floating("log_softmax", x);
  const int d = wrap_dim("log_softmax", dim, x.dim());
  Tensor out = kernel::log_softmax(x, d);
  if (!needs_grad(x)) return out;
  return record("log_softmax", out, {x}, [x = save(x), y = save_output(out), d](const Tensor& g) -> Grads {
    if (!GradMode::is_enabled()) return {kernel::log_softmax_backward(y.get("log_softmax"), g, d)};
    return {g - softmax(x.get("log_softmax"), d) * sum(g, {d}, true)};
  });
}

// ---- losses on class indices --------------------------------------------------------------------

namespace {

std::string shape_str(const Tensor& t) { return to_string(t.shape()); }

// A number as a person writes it: 0.1, not std::to_string's 0.100000.
std::string number_str(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// [N, C] as it is, [C] viewed as [1, C] (layout only, no graph).
Tensor as_rows(const Tensor& input) {
  if (input.dim() == 2) return input;
  const std::int64_t st = input.strides()[0];
  return as_strided(input, {1, input.shape()[0]}, {input.shape()[0] * st, st}, input.offset());
}

// A class-index loss's input and targets as the kernels read them: input [N, C] (a [C] input is
// viewed as [1, C]) and targets [N]. Layout-only views: the graph records the caller's tensors.
struct ClassBatch {
  Tensor input;    // [N, C]
  Tensor targets;  // [N]
  bool unbatched;  // the input was [C]: the unreduced loss is [] rather than [N]
  std::int64_t count;  // targets that are not ignore_index: the divisor of a mean
};

ClassBatch check_class_loss(const char* op, const Tensor& input, const Tensor& targets,
                            const CrossEntropyOptions& options) {
  const std::string name = op;
  check_floating(op, input);
  if (targets.dtype() != kInt64)
    throw DTypeError(name + ": targets must be int64 class indices; got targets of " +
                     std::string(dtype_name(targets.dtype())));
  if (input.dim() != 1 && input.dim() != 2)
    throw ShapeError(name + ": input must be [N, C] or [C]; got input=" + shape_str(input));
  const bool unbatched = input.dim() == 1;
  const bool fits = unbatched ? targets.dim() == 0 : (targets.dim() == 1 && targets.shape()[0] == input.shape()[0]);
  if (!fits)
    throw ShapeError(name + ": targets must be [N] for input [N, C], or [] for input [C]; got input=" +
                     shape_str(input) + ", targets=" + shape_str(targets));
  const std::int64_t C = input.shape().back();
  if (C == 0) throw ShapeError(name + ": input needs at least one class; got input=" + shape_str(input));
  if (!(options.label_smoothing >= 0 && options.label_smoothing <= 1))
    throw ValueError(name + ": label_smoothing must be in [0, 1]; got label_smoothing=" +
                     number_str(options.label_smoothing));

  ClassBatch b;
  b.unbatched = unbatched;
  b.input = as_rows(input);
  b.targets = unbatched ? as_strided(targets, {1}, {1}, targets.offset()) : targets;
  const Tensor t = kernel::contiguous(b.targets);
  const std::int64_t* p = t.data_ptr<std::int64_t>();
  b.count = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if (p[i] == options.ignore_index) continue;
    if (p[i] < 0 || p[i] >= C)
      throw IndexError(name + ": each target must be in [0, C) or equal ignore_index; got targets[" +
                       std::to_string(i) + "]=" + std::to_string(p[i]) + ", C=" + std::to_string(C) +
                       ", ignore_index=" + std::to_string(options.ignore_index));
    ++b.count;
  }
  return b;
}

// Per-row losses [N] reduced: None keeps them ([] when unbatched), Sum adds them, Mean divides
// the sum by the number of rows whose target is not ignored (0 / 0 = NaN when all are, as torch).
Tensor reduce_rows(const Tensor& losses, Reduction reduction, std::int64_t count, bool unbatched) {
  if (reduction == Reduction::None) return unbatched ? as_strided(losses, {}, {}, losses.offset()) : losses;
  const Tensor kept = kernel::reduce(kernel::ReduceOp::Sum, losses, kernel::dim_mask({}, 1));
  const Tensor total = as_strided(kept, {}, {}, kept.offset());
  if (reduction == Reduction::Sum) return total;
  return kernel::binary(BinaryOp::Div, total, static_cast<Scalar>(count));
}

// d(reduced loss) / d(loss_i): 1, or 1 / count for a mean (0 when every target is ignored: then
// no row carries a gradient, and 0 keeps inf * 0 out of the composed backward).
double row_scale(Reduction reduction, std::int64_t count) {
  if (reduction != Reduction::Mean) return 1.0;
  return count > 0 ? 1.0 / static_cast<double>(count) : 0.0;
}

// The fused kernels' per-row gradient [N]: g itself when unreduced, else g * scale on every row.
Tensor row_grad(const Tensor& g, Reduction reduction, std::int64_t N, double scale) {
  if (reduction == Reduction::None) return as_strided(g, {N}, {g.dim() == 0 ? 1 : g.strides()[0]}, g.offset());
  return kernel::broadcast_to(kernel::binary(BinaryOp::Mul, g, scale), {N});
}

// The composed backward's per-row gradient as a column to broadcast over [N, C], differentiable in g.
Tensor row_grad_column(const Tensor& g, Reduction reduction, std::int64_t N, double scale) {
  return reduction == Reduction::None ? g.reshape({N, 1}) * scale : g.reshape({1, 1}) * scale;
}

// The smoothed target distribution q [N, C] (rows of ignored targets are 0), a constant: nll's
// backward kernel writes -dloss_i q_ic, so dloss = -1 on every row gives q itself.
Tensor smoothed_targets(const Tensor& targets, std::int64_t C, DType dtype, const CrossEntropyOptions& o) {
  const Tensor minus_ones = kernel::broadcast_to(kernel::scalar_tensor(-1.0, dtype), {targets.shape()[0]});
  return kernel::nll_loss_backward(targets, minus_ones, C, dtype, o.ignore_index, o.label_smoothing);
}

}  // namespace

// loss_i = lse(x_i) - sum_c q_ic x_ic, q = (1 - e) onehot(t_i) + e / C, then reduced;
// logits [N, C] or [C], targets [N] or [];  dx_ic = g_i (softmax(x_i)_c - q_ic), 0 on ignored rows
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& options) {
  const ClassBatch b = check_class_loss("cross_entropy", logits, targets, options);
  const auto f = kernel::cross_entropy_forward(b.input, b.targets, options.ignore_index, options.label_smoothing);
  Tensor out = reduce_rows(f.losses, options.reduction, b.count, b.unbatched);
  if (!needs_grad(logits)) return out;
  const std::int64_t N = b.input.shape()[0], C = b.input.shape()[1];
  const double scale = row_scale(options.reduction, b.count);
  return record("cross_entropy", out, {logits},
                [x = save(logits), t = save(b.targets), lse = f.lse, options, N, C, scale](const Tensor& g) -> Grads {
                  const Tensor& xv = x.get("cross_entropy");
                  const Tensor& targets = t.get("cross_entropy");
                  if (!GradMode::is_enabled()) {
                    const Tensor dloss = row_grad(g, options.reduction, N, scale);
                    return {kernel::cross_entropy_backward(as_rows(xv), targets, lse, dloss, options.ignore_index,
                                                           options.label_smoothing)
                                .reshape(xv.shape())};
                  }
                  const Tensor q = smoothed_targets(targets, C, xv.dtype(), options);
                  const Tensor valid = kernel::to_dtype(
                      kernel::binary(BinaryOp::Ne, targets, static_cast<Scalar>(options.ignore_index)), xv.dtype());
                  const Tensor p = softmax(xv.reshape({N, C}), 1);
                  const Tensor dx = (p * valid.reshape({N, 1}) - q) * row_grad_column(g, options.reduction, N, scale);
                  return {dx.reshape(xv.shape())};
                });
}

// loss_i = -sum_c q_ic lp_ic (= -lp_i[t_i] without smoothing), then reduced;
// log_probs [N, C] or [C], targets [N] or [];  dlp_ic = -g_i q_ic, 0 on ignored rows
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const CrossEntropyOptions& options) {
  const ClassBatch b = check_class_loss("nll_loss", log_probs, targets, options);
  const Tensor losses = kernel::nll_loss_forward(b.input, b.targets, options.ignore_index, options.label_smoothing);
  Tensor out = reduce_rows(losses, options.reduction, b.count, b.unbatched);
  if (!needs_grad(log_probs)) return out;
  const std::int64_t N = b.input.shape()[0], C = b.input.shape()[1];
  const double scale = row_scale(options.reduction, b.count);
  return record("nll_loss", out, {log_probs},
                [t = save(b.targets), shape = log_probs.shape(), dtype = log_probs.dtype(), options, N, C,
                 scale](const Tensor& g) -> Grads {
                  const Tensor& targets = t.get("nll_loss");
                  if (!GradMode::is_enabled()) {
                    const Tensor dloss = row_grad(g, options.reduction, N, scale);
                    return {kernel::nll_loss_backward(targets, dloss, C, dtype, options.ignore_index,
                                                      options.label_smoothing)
                                .reshape(shape)};
                  }
                  const Tensor q = smoothed_targets(targets, C, dtype, options);
                  return {(neg(q) * row_grad_column(g, options.reduction, N, scale)).reshape(shape)};
                });
}

// loss = (input - target)^2, then reduced; input and target the same shape. Composed from
// differentiable ops, so both arguments get gradients and create_graph needs nothing special.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_floating("mse_loss", input);
  check_same_dtype("mse_loss", input, target);
  if (!(input.shape() == target.shape()))
    throw ShapeError("mse_loss: input and target must have the same shape; got input=" + shape_str(input) +
                     ", target=" + shape_str(target));
  const Tensor diff = input - target;
  const Tensor sq = diff * diff;
  switch (reduction) {
    case Reduction::None: return sq;
    case Reduction::Sum: return sum(sq);
    case Reduction::Mean: break;
  }
  return mean(sq);
}

// ---- layer norm ---------------------------------------------------------------------------------

// y = (x - mean) * rstd * weight + bias, mean and biased variance over the trailing dims of
// normalized_shape (ns), rstd = 1 / sqrt(var + eps);  x [.., *ns], weight and bias ns;
// dx = rstd (dnorm - mean(dnorm) - xhat mean(dnorm xhat)) with dnorm = g weight,
// dweight = sum(g xhat) over the leading dims, dbias = sum(g) over them
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_floating("layer_norm", x);
  const int k = normalized_shape.size();
  bool fits = k >= 1 && x.dim() >= k;
  for (int i = 0; fits && i < k; ++i) fits = x.shape()[x.dim() - k + i] == normalized_shape[i];
  if (!fits)
    throw ShapeError("layer_norm: normalized_shape must be non-empty and match the trailing dims of x; got x=" +
                     shape_str(x) + ", normalized_shape=" + to_string(normalized_shape));
  for (const auto& [param, name] : {std::pair{weight, "weight"}, std::pair{bias, "bias"}}) {
    if (!param.defined()) continue;
    check_same_dtype("layer_norm", x, param);
    if (!(param.shape() == normalized_shape))
      throw ShapeError("layer_norm: " + std::string(name) + " must have normalized_shape; got " + name + "=" +
                       shape_str(param) + ", normalized_shape=" + to_string(normalized_shape));
  }
  const auto f = kernel::layer_norm_forward(x, numel_of(normalized_shape), weight, bias, eps);
  Tensor out = f.y;
  if (!needs_grad(x, weight, bias)) return out;
  const bool nx = x.requires_grad(), nw = weight.defined() && weight.requires_grad(),
             nb = bias.defined() && bias.requires_grad();
  return record("layer_norm", out, {x, weight, bias},
                [x = save(x), w = save(weight), saved_mean = f.mean, saved_rstd = f.rstd, normalized_shape, eps, nx,
                 nw, nb](const Tensor& g) -> Grads {
                  const Tensor& xv = x.get("layer_norm");
                  const Tensor& wv = w.get("layer_norm");
                  if (!GradMode::is_enabled()) {
                    auto d = kernel::layer_norm_backward(g, xv, saved_mean, saved_rstd, wv, nx, nw, nb);
                    return {d.dx, nw ? d.dweight.reshape(normalized_shape) : Tensor(),
                            nb ? d.dbias.reshape(normalized_shape) : Tensor()};
                  }
                  Dims dims;
                  for (int i = normalized_shape.size(); i >= 1; --i) dims.push_back(-i);
                  const Tensor xc = xv - mean(xv, dims, true);
                  const Tensor rstd = rsqrt(mean(xc * xc, dims, true) + eps);
                  const Tensor xhat = xc * rstd;
                  const Tensor dnorm = wv.defined() ? g * wv : g;
                  return {nx ? rstd * (dnorm - mean(dnorm, dims, true) - xhat * mean(dnorm * xhat, dims, true))
                             : Tensor(),
                          nw ? sum_to(g * xhat, normalized_shape) : Tensor(),
                          nb ? sum_to(g, normalized_shape) : Tensor()};
                });
}

// ---- batch norm ---------------------------------------------------------------------------------

// y = (x - mean_c) rstd_c weight_c + bias_c, rstd = 1 / sqrt(var + eps), statistics per channel c
// over B and the trailing dims (M values);  x [B, C, ..], the rest [C];  dweight = sum(g xhat),
// dbias = sum(g); training: dx = weight rstd (g - mean(g) - xhat mean(g xhat)); eval: dx = g weight rstd
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_floating("batch_norm", x);
  if (x.dim() < 2) throw ShapeError("batch_norm: input must be [B, C, ..] (rank >= 2); got input=" + shape_str(x));
  const std::int64_t C = x.shape()[1], M = C == 0 ? 0 : x.numel() / C;
  for (const auto& [t, name] : {std::pair{running_mean, "running_mean"}, std::pair{running_var, "running_var"},
                                std::pair{weight, "weight"}, std::pair{bias, "bias"}}) {
    if (!t.defined()) continue;
    check_same_dtype("batch_norm", x, t);
    if (!(t.shape() == Shape{C}))
      throw ShapeError("batch_norm: " + std::string(name) + " must be [C], C = input's dim 1; got " + name + "=" +
                       shape_str(t) + ", input=" + shape_str(x));
  }
  if (!training && !(running_mean.defined() && running_var.defined()))
    throw ValueError("batch_norm: eval mode needs running_mean and running_var; got input=" + shape_str(x));
  if (training && M <= 1)
    throw ValueError("batch_norm: expected more than 1 value per channel when training; got input=" + shape_str(x));
  Tensor mean = running_mean, var = running_var;
  if (training) {
    const auto stats = kernel::batch_norm_stats(x);
    mean = stats.mean, var = stats.var;
    const double unbias = static_cast<double>(M) / static_cast<double>(M - 1);
    if (running_mean.defined()) Tensor(running_mean).copy_(kernel::axpby(running_mean, 1 - momentum, mean, momentum));
    if (running_var.defined()) Tensor(running_var).copy_(kernel::axpby(running_var, 1 - momentum, var, momentum * unbias));
  }
  Tensor out = kernel::batch_norm_apply(x, mean, var, weight, bias, eps);
  if (!needs_grad(x, weight, bias)) return out;
  const bool nx = x.requires_grad(), nw = weight.defined() && weight.requires_grad(),
             nb = bias.defined() && bias.requires_grad();
  // Copies in eval: the running statistics change in place at the next training step.
  if (!training) mean = kernel::clone(mean), var = kernel::clone(var);
  return record("batch_norm", out, {x, weight, bias},
                [x = save(x), w = save(weight), mean, var, training, eps, nx, nw, nb](const Tensor& g) -> Grads {
                  const Tensor& xv = x.get("batch_norm");
                  const Tensor& wv = w.get("batch_norm");
                  if (!GradMode::is_enabled()) {
                    auto d = kernel::batch_norm_backward(g, xv, mean, var, wv, eps, training, nx, nw, nb);
                    return {d.dx, d.dweight, d.dbias};
                  }
                  Dims dims{0};
                  Shape per_channel{1, xv.shape()[1]};  // [1, C, 1, ..] broadcasts over x
                  for (int d = 2; d < xv.dim(); ++d) dims.push_back(d), per_channel.push_back(1);
                  const Tensor xc = training ? xv - focus::mean(xv, dims, true) : xv - mean.reshape(per_channel);
                  const Tensor rstd = rsqrt((training ? focus::mean(xc * xc, dims, true) : var.reshape(per_channel)) + eps);
                  const Tensor xhat = xc * rstd;
                  const Tensor dnorm = wv.defined() ? g * wv.reshape(per_channel) : g;
                  const Tensor dx = training ? rstd * (dnorm - focus::mean(dnorm, dims, true) -
                                                       xhat * focus::mean(dnorm * xhat, dims, true))
                                             : dnorm * rstd;
                  return {nx ? dx : Tensor(), nw ? sum(g * xhat, dims) : Tensor(), nb ? sum(g, dims) : Tensor()};
                });
}

// ---- dropout ------------------------------------------------------------------------------------

// y = x * mask, mask 0 with probability p else 1 / (1 - p);  dx = g * mask (the same mask)
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  check_floating("dropout", x);
  if (!(p >= 0 && p <= 1)) throw ValueError("dropout: p must be in [0, 1]; got p=" + number_str(p));
  if (!training || p == 0) return x;
  // p = 1 drops everything (x * 0, as torch: inf and NaN inputs still give NaN) and draws nothing.
  const Tensor mask = p == 1 ? kernel::broadcast_to(kernel::scalar_tensor(0.0, x.dtype()), x.shape())
                             : kernel::dropout_mask(x.shape(), p, x.dtype(), gen ? *gen : default_generator());
  Tensor out = kernel::binary(BinaryOp::Mul, x, mask);
  if (!needs_grad(x)) return out;
  return record("dropout", out, {x}, [mask](const Tensor& g) -> Grads { return {g * mask}; });
}

}  // namespace focus
