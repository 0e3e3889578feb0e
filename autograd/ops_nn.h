// The fused neural-network functions: each is one kernel forward and one backward, because the
// composed versions lose precision (softmax needs the max subtracted; log_softmax and
// cross_entropy need log-sum-exp) or memory. Each is gradchecked against its composition.
#pragma once

#include <focus/tensor/tensor.h>

namespace focus {

class Generator;

[[nodiscard]] Tensor softmax(const Tensor& x, std::int64_t dim);
[[nodiscard]] Tensor log_softmax(const Tensor& x, std::int64_t dim);

enum class Reduction { None, Mean, Sum };

struct CrossEntropyOptions {
  std::int64_t ignore_index = -100;  // targets equal to it contribute nothing, also to the mean
  double label_smoothing = 0.0;      // in [0, 1]: target mixes (1 - e) one-hot with e uniform
  Reduction reduction = Reduction::Mean;
};
// logits [N, C] (or [C]), targets int64 [N] (or []) of class indices; as torch's cross_entropy.
// A mean divides by the number of targets that are not ignore_index; when every target is
// ignored that is 0 / 0 = NaN, as in torch (and the gradient is 0).
[[nodiscard]] Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                                   const CrossEntropyOptions& options = {});
// log_probs [N, C], targets [N]: -log_probs[i, targets[i]], with ignore_index and reduction.
// label_smoothing applies as in cross_entropy (torch's nll_loss has no such option), so that
// cross_entropy(x, t, o) == nll_loss(log_softmax(x, -1), t, o).
[[nodiscard]] Tensor nll_loss(const Tensor& log_probs, const Tensor& targets,
                              const CrossEntropyOptions& options = {});
[[nodiscard]] Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);

// Normalises over the trailing dims given by normalized_shape, then scales and shifts by
// weight and bias (each of normalized_shape, or undefined).
[[nodiscard]] Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                                const Tensor& bias = Tensor(), double eps = 1e-5);

// Normalises each channel (dim 1) of input [B, C, ..] over B and the trailing dims, then scales and
// shifts by weight and bias ([C] or undefined), as torch.nn.functional.batch_norm. training: the
// batch's mean and biased variance normalise, and defined running_mean / running_var ([C]) are
// updated in place, outside the graph: running = (1 - momentum) running + momentum batch_stat,
// with the unbiased variance for running_var. Otherwise running_mean / running_var normalise.
[[nodiscard]] Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                                const Tensor& weight, const Tensor& bias, bool training, double momentum = 0.1,
                                double eps = 1e-5);

// Zeroes each element with probability p and scales the rest by 1/(1-p) when training; the
// identity otherwise. Draws from gen, or from the default generator when null.
[[nodiscard]] Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace focus
