// The fused kernels behind autograd/ops_nn: softmax and log-softmax along a dim, cross-entropy
// and nll on class indices, layer norm, and the dropout mask. Plain functions on tensors, no
// autograd; the callers check shapes, dtypes and target ranges and name the op in errors.
// Float32 and float64; sums accumulate in double so that float32 rows of any length keep precision.
#pragma once

#include <focus/tensor/random.h>
#include <focus/tensor/tensor.h>

namespace focus::kernel {

// ---- softmax family (any dim, any strides; outputs contiguous, x's shape) ------------------------
// y = exp(x - max) / sum(exp(x - max)) along dim.
Tensor softmax(const Tensor& x, int dim);
// y = x - max - log(sum(exp(x - max))) along dim.
Tensor log_softmax(const Tensor& x, int dim);
// dx = y * (g - sum(g * y)) along dim; y is softmax's output, g has its shape.
Tensor softmax_backward(const Tensor& y, const Tensor& g, int dim);
// dx = g - exp(y) * sum(g) along dim; y is log_softmax's output.
Tensor log_softmax_backward(const Tensor& y, const Tensor& g, int dim);

// ---- losses on class indices ----------------------------------------------------------------------
// Shapes: logits / log_probs [N, C], targets int64 [N], each in [0, C) or equal to ignore_index.
// The smoothed target distribution of row i is q[c] = (1 - e) [c == t_i] + e / C.

struct CrossEntropyForward {
  Tensor losses;  // [N]: lse_i - sum_c q[c] logits[i, c]; 0 where the target is ignored
  Tensor lse;     // [N]: log(sum_c exp(logits[i, c])), cached so backward need not redo the max pass
};
CrossEntropyForward cross_entropy_forward(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index,
                                          double label_smoothing);
// dlogits[i, c] = dloss[i] * (exp(logits[i, c] - lse[i]) - q[c]); rows with an ignored target get 0.
// dloss [N] already holds the reduction's factor (1/count for a mean).
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& dloss,
                              std::int64_t ignore_index, double label_smoothing);

// losses[i] = -sum_c q[c] log_probs[i, c]; 0 where the target is ignored.
Tensor nll_loss_forward(const Tensor& log_probs, const Tensor& targets, std::int64_t ignore_index,
                        double label_smoothing);
// dlog_probs[i, c] = -dloss[i] q[c]; 0 on ignored rows. C and dtype give the result's width and type.
Tensor nll_loss_backward(const Tensor& targets, const Tensor& dloss, std::int64_t num_classes, DType dtype,
                         std::int64_t ignore_index, double label_smoothing);

// How many targets are not ignore_index: the divisor of a mean.
std::int64_t count_not_ignored(const Tensor& targets, std::int64_t ignore_index);

// ---- layer norm ---------------------------------------------------------------------------------
// x is read as [R, M]: R rows of the M trailing elements that are normalised together.
// weight and bias are [M] (either may be undefined).

struct LayerNormForward {
  Tensor y;     // x's shape
  Tensor mean;  // [R]: cached with rstd so backward rebuilds xhat = (x - mean) * rstd in one pass
  Tensor rstd;  // [R]: 1 / sqrt(biased variance + eps)
};
LayerNormForward layer_norm_forward(const Tensor& x, std::int64_t M, const Tensor& weight, const Tensor& bias,
                                    double eps);

struct LayerNormGrads {
  Tensor dx, dweight, dbias;  // undefined where not asked for
};
// dx = rstd * (dnorm - mean(dnorm) - xhat * mean(dnorm * xhat)) with dnorm = g * weight;
// dweight = sum over rows of g * xhat; dbias = sum over rows of g.
LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& weight, bool need_dx, bool need_dweight, bool need_dbias);

// ---- batch norm ---------------------------------------------------------------------------------
// x is read as [N, C, S]: channel c holds N * S values (S = the product of the dims after C, 1 for
// [N, C]). Each channel is independent, so channels are split across threads. weight and bias
// are [C] or undefined; statistics are [C] in x's dtype, accumulated in double.

struct BatchNormStats {
  Tensor mean, var;  // [C]: per-channel mean and biased variance (two passes: never negative)
};
BatchNormStats batch_norm_stats(const Tensor& x);
// y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]
Tensor batch_norm_apply(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                        const Tensor& bias, double eps);

struct BatchNormGrads {
  Tensor dx, dweight, dbias;  // undefined where not asked for
};
// With xhat = (x - mean) rstd, rstd = 1 / sqrt(var + eps), per channel over its N * S values:
// dweight = sum(g xhat), dbias = sum(g); dx = weight rstd (g - mean(g) - xhat mean(g xhat)) when
// mean and var were the batch's own (training), else dx = weight rstd g (eval: they are constants).
BatchNormGrads batch_norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& var,
                                   const Tensor& weight, double eps, bool batch_stats, bool need_dx,
                                   bool need_dweight, bool need_dbias);

// ---- dropout ------------------------------------------------------------------------------------
// A contiguous tensor of the shape: 0 with probability p, else 1 / (1 - p). One 64-bit key per
// call from gen (two next_u32 draws); element e is dropped when lane e % 4 of
// philox4x32({e / 4, e / 2^34, 0, 0}, key) (counter_random.h) is below p * 2^32. So a seed gives the
// same mask in float32 and float64 and at any thread count, and large masks fill on focus's
// threads. Needs 0 <= p < 1.
Tensor dropout_mask(const Shape& shape, double p, DType dtype, Generator& gen);

}  // namespace focus::kernel
