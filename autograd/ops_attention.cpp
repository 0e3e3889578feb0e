// Scaled dot-product attention on two paths with one contract. Composed: differentiable ops
// (matmul, add the bias, masked_fill, softmax, dropout, matmul), exact by construction. Shapes:
//   q [.., Tq, d] @ k^T [.., d, Tk] (+ bias) -> scores [.., Tq, Tk] -> weights -> @ v [.., Tk, dv]
// Fused: one node around tensor/attention_kernel.h, which never forms the scores (linear memory),
// with the bias as a 4th input when it requires grad.
#include <focus/autograd/ops_attention.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_nn.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/tensor/attention_kernel.h>
#include <focus/tensor/counter_random.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/kernel.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace focus {

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

void check_window(const AttentionMask& mask) {
  if (mask.window < 0)
    throw ValueError(std::string(kOp) + ": the window must be >= 0 (0: no window); got window=" +
                     std::to_string(mask.window));
}

}  // namespace

Tensor attention_keep_mask(const AttentionMask& mask, std::int64_t tq, std::int64_t tk, int rank) {
  check_window(mask);
  Tensor keep;
  auto combine = [&](const Tensor& m) {
    keep = keep.defined() ? kernel::binary(kernel::BinaryOp::LogicalAnd, keep, m) : m;
  };
  // In key coordinates query i sits at p = i + (tk - tq); each rule below bounds j - i.
  const double shift = double(tk - tq), w = double(mask.window);
  Tensor offset;  // [tq, tk]: j - i
  if (mask.is_causal || mask.window > 0)
    offset = kernel::binary(kernel::BinaryOp::Sub, arange(tk).reshape({1, tk}), arange(tq).reshape({tq, 1}));
  if (mask.is_causal) combine(kernel::binary(kernel::BinaryOp::Le, offset, shift));  // j <= p
  if (mask.window > 0) {
    combine(kernel::binary(kernel::BinaryOp::Ge, offset, shift - w));                  // j >= p - W
    if (!mask.is_causal) combine(kernel::binary(kernel::BinaryOp::Le, offset, shift + w));  // j <= p + W
  }
  if (mask.key_lengths.defined()) {
    const Tensor& len = mask.key_lengths;
    check_dtype("scaled_dot_product_attention (key_lengths)", len, kInt64);
    if (len.dim() != 1)
      throw ShapeError("scaled_dot_product_attention: key_lengths must be [B]; got " + to_string(len.shape()));
    Shape cols = Shape::filled(rank, 1), lens = Shape::filled(rank, 1);
    cols[rank - 1] = tk;
    lens[0] = len.shape()[0];
    combine(kernel::binary(kernel::BinaryOp::Lt, arange(tk).reshape(cols), len.reshape(lens)));
  }
  if (mask.attn_mask.defined()) {
    check_dtype("scaled_dot_product_attention (attn_mask)", mask.attn_mask, kBool);
    combine(mask.attn_mask);
  }
  return keep;
}

namespace {

// 0.1, not std::to_string's 0.100000.
std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The key of one call's dropout mask, drawn from the options' generator (the default one when
// null): the fused kernel and the composed path read the same mask from it
// (kernel::AttentionDropout), and the next call draws another.
kernel::AttentionDropout dropout_of(const AttentionOptions& options) {
  kernel::AttentionDropout d;
  d.p = options.dropout_p;
  if (d.p > 0) d.key = kernel::draw_key(options.gen ? *options.gen : default_generator());
  return d;
}

// softmax(q k^T * scale, masked) (dropout) @ v, every step a node of the graph.
Tensor composed_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMask& mask,
                          const kernel::AttentionDropout& drop, double scale, Tensor* weights) {
  const std::int64_t tq = q.size(-2), tk = k.size(-2);
  Tensor scores = matmul(q, k.mT()) * scale;
  if (mask.bias.defined()) {
    // The bias may not widen the scores: a bias with more batch dims than q and k is a mistake.
    if (!broadcasts_to(mask.bias.shape(), scores.shape()))
      throw ShapeError(std::string(kOp) + ": the bias must broadcast to the scores [.., Tq, Tk]; got bias=" +
                       to_string(mask.bias.shape()) + ", scores=" + to_string(scores.shape()));
    scores = scores + mask.bias;
  }
  const Tensor keep = attention_keep_mask(mask, tq, tk, scores.dim());
  if (keep.defined()) {
    if (!(broadcast_shapes(kOp, scores.shape(), keep.shape()) == scores.shape()))
      throw ShapeError(std::string(kOp) + ": the mask must broadcast to the scores [.., Tq, Tk]; got mask=" +
                       to_string(keep.shape()) + ", scores=" + to_string(scores.shape()));
    scores = masked_fill(scores, kernel::unary(kernel::UnaryOp::LogicalNot, keep), -std::numeric_limits<double>::infinity());
  }
  Tensor w = softmax(scores, -1);
  if (weights) *weights = w;
  if (drop.p > 0) w = w * kernel::attention_dropout_mask(drop, w.shape(), w.dtype());
  return matmul(w, v);
}

// The batch dims of q broadcast with those of k and v, when the fused kernel can take them:
// q has the highest rank (so key_lengths' B is q's and the scores' first dim) and all broadcast.
bool fused_batch(const Tensor& q, const Tensor& k, const Tensor& v, Shape& batch) {
  if (q.dim() < k.dim() || q.dim() < v.dim()) return false;
  batch = Shape();
  for (int d = 0; d < q.dim() - 2; ++d) batch.push_back(q.shape()[d]);
  for (const Tensor* t : {&k, &v}) {
    const int lead = q.dim() - t->dim();
    for (int d = 0; d < t->dim() - 2; ++d) {
      const std::int64_t a = batch[lead + d], b = t->shape()[d];
      if (a != b && a != 1 && b != 1) return false;
      batch[lead + d] = a == 1 ? b : a;
    }
  }
  return true;
}

// t [.., rows, cols] viewed with the broadcast batch dims (stride 0 where it broadcasts).
Tensor expand_batch(const Tensor& t, const Shape& batch) {
  return kernel::broadcast_to(t, kernel::with_rows(batch, t.size(-2), t.size(-1)));
}

// The gradients of the composed path written with differentiable ops, recomputed from q, k, v
// (and the bias): what the fused node's backward runs under create_graph, so it can be
// differentiated again.
//   P = softmax(S), S = scale q k^T + bias (masked), Z = the dropout factors (1 without dropout);
//   dv = (P Z)^T g,  dP = (g v^T) Z,  dS = P * (dP - rowsum(dP * P)),
//   dq = scale dS k,  dk = scale dS^T q,  dbias = dS  (each summed back to its input's shape)
// The bias's gradient comes 4th, only when bias_grad (the node has the bias as an input).
Grads composed_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias, bool bias_grad,
                        const Tensor& g, const AttentionMask& mask, const kernel::AttentionDropout& drop, double scale) {
  Tensor scores = matmul(q, k.mT()) * scale;
  if (bias.defined()) scores = scores + bias;
  const Tensor keep = attention_keep_mask(mask, q.size(-2), k.size(-2), scores.dim());
  if (keep.defined())
    scores = masked_fill(scores, kernel::unary(kernel::UnaryOp::LogicalNot, keep), -std::numeric_limits<double>::infinity());
  const Tensor p = softmax(scores, -1);
  const Tensor z = drop.p > 0 ? kernel::attention_dropout_mask(drop, p.shape(), p.dtype()) : Tensor();
  const Tensor pz = z.defined() ? p * z : p;
  const Tensor dp = z.defined() ? matmul(g, v.mT()) * z : matmul(g, v.mT());
  const Tensor ds = p * (dp - sum(dp * p, {-1}, true));
  Grads grads = {sum_to(matmul(ds, k) * scale, q.shape()), sum_to(matmul(ds.mT(), q) * scale, k.shape()),
                 sum_to(matmul(pz.mT(), g), v.shape())};
  if (bias_grad) grads.push_back(sum_to(ds, bias.shape()));
  return grads;
}

// One node: the blockwise kernel forward; backward saves q, k, v, the bias, the output and lse
// [.., Tq], and for short key sequences the weights (the kernel keeps them only when Tk fits one
// block). `flash` carries the mask; the bias (mask.bias) is handed to the kernel here.
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMask& mask,
                       kernel::FlashMask flash, const kernel::AttentionDropout& drop, const Shape& batch, double scale) {
  const Tensor& bias = mask.bias;
  const Shape scores = kernel::with_rows(batch, q.size(-2), k.size(-2));
  if (bias.defined()) flash.bias = kernel::broadcast_to(bias, scores);
  const bool bias_grad = needs_grad(bias);
  const bool grad = needs_grad(q, k, v) || bias_grad;
  kernel::FlashForward f = kernel::flash_attention_forward(expand_batch(q, batch), expand_batch(k, batch),
                                                           expand_batch(v, batch), flash, scale, grad, drop);
  if (!grad) return f.out;
  std::vector<Tensor> inputs = {q, k, v};
  if (bias_grad) inputs.push_back(bias);
  // The closure keeps the bias once, as a saved tensor (an in-place edit of it is caught); the
  // mask and the kernel's view of it are rebuilt from that in backward.
  AttentionMask rest = mask;
  rest.bias = Tensor();
  flash.bias = Tensor();
  return record(kOp, f.out, inputs,
                [qs = save(q), ks = save(k), vs = save(v), bs = save(bias), out = save_output(f.out), lse = f.lse,
                 weights = f.weights, rest, flash, drop, batch, scores, scale, bias_grad](const Tensor& g) -> Grads {
                  const Tensor &q = qs.get(kOp), &k = ks.get(kOp), &v = vs.get(kOp), &bias = bs.get(kOp);
                  if (GradMode::is_enabled()) return composed_backward(q, k, v, bias, bias_grad, g, rest, drop, scale);
                  kernel::FlashMask with_bias = flash;
                  if (bias.defined()) with_bias.bias = kernel::broadcast_to(bias, scores);
                  const kernel::FlashGrads gr = kernel::flash_attention_backward(
                      expand_batch(q, batch), expand_batch(k, batch), expand_batch(v, batch), out.get(kOp), lse, weights,
                      g, with_bias, scale, bias_grad, drop);
                  Grads grads = {sum_to(gr.dq, q.shape()), sum_to(gr.dk, k.shape()), sum_to(gr.dv, v.shape())};
                  if (bias_grad) grads.push_back(sum_to(gr.dbias, bias.shape()));
                  return grads;
                });
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMask& mask,
                                    const AttentionOptions& options, Tensor* weights) {
  const char* op = kOp;
  check_same_dtype(op, q, k);
  check_same_dtype(op, q, v);
  check_floating(op, q);
  if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2)
    throw ShapeError(std::string(op) + ": q, k, v need rank >= 2; got q=" + to_string(q.shape()) + ", k=" +
                     to_string(k.shape()) + ", v=" + to_string(v.shape()));
  const std::int64_t tq = q.size(-2), d = q.size(-1), tk = k.size(-2);
  if (k.size(-1) != d || v.size(-2) != tk)
    throw ShapeError(std::string(op) + ": need q [.., Tq, d], k [.., Tk, d], v [.., Tk, dv]; got q=" +
                     to_string(q.shape()) + ", k=" + to_string(k.shape()) + ", v=" + to_string(v.shape()));
  if (mask.key_lengths.defined() && (mask.key_lengths.dim() != 1 || q.dim() < 3 || mask.key_lengths.size(0) != q.size(0)))
    throw ShapeError(std::string(op) + ": key_lengths must be [B] with B = q's first dim; got key_lengths=" +
                     to_string(mask.key_lengths.shape()) + ", q=" + to_string(q.shape()));
  check_window(mask);
  const double scale = options.scale > 0 ? options.scale : 1.0 / std::sqrt(static_cast<double>(d));

  if (mask.bias.defined()) check_same_dtype("scaled_dot_product_attention (bias)", q, mask.bias);
  if (!(options.dropout_p >= 0 && options.dropout_p < 1))
    throw ValueError(std::string(op) + ": dropout_p must be in [0, 1); got dropout_p=" + number_text(options.dropout_p));
  // Returning the weights needs the [.., Tq, Tk] weights, which the kernel never forms. Dropout
  // and a bias do not: the kernel draws the one and adds the other tile by tile
  // (bench/attention_bias_bench.cpp measured the bias against the composed path,
  // docs/attention_kernel.md).
  if (options.path == AttentionPath::Fused && weights != nullptr)
    throw ValueError(std::string(op) + ": the fused path returns no weights; got weights requested");
  const kernel::AttentionDropout drop = dropout_of(options);
  Shape batch;
  if (options.path == AttentionPath::Composed || weights != nullptr || tq == 0 || tk == 0 || d == 0 ||
      v.size(-1) == 0 || !fused_batch(q, k, v, batch))
    return composed_attention(q, k, v, mask, drop, scale, weights);

  kernel::FlashMask flash;
  flash.is_causal = mask.is_causal;
  flash.window = mask.window;
  if (mask.key_lengths.defined()) {
    check_dtype("scaled_dot_product_attention (key_lengths)", mask.key_lengths, kInt64);
    flash.key_lengths = mask.key_lengths;
  }
  // The scores' shape is q's and k's batch with [Tq, Tk]; a mask or bias that does not fit it
  // takes the composed path, which names the shapes in its error.
  const Shape q_batch(std::vector<std::int64_t>(q.shape().begin(), q.shape().end() - 2));
  const Shape k_batch(std::vector<std::int64_t>(k.shape().begin(), k.shape().end() - 2));
  const Shape scores = kernel::with_rows(broadcast_shapes(op, q_batch, k_batch), tq, tk);
  if (mask.bias.defined() && !broadcasts_to(mask.bias.shape(), scores))
    return composed_attention(q, k, v, mask, drop, scale, weights);
  if (mask.attn_mask.defined()) {
    check_dtype("scaled_dot_product_attention (attn_mask)", mask.attn_mask, kBool);
    if (!broadcasts_to(mask.attn_mask.shape(), scores)) return composed_attention(q, k, v, mask, drop, scale, weights);
    flash.keep = kernel::broadcast_to(mask.attn_mask, kernel::with_rows(batch, tq, tk));
  }
  return fused_attention(q, k, v, mask, flash, drop, batch, scale);
}

}  // namespace focus
