// Scaled dot-product attention composed from differentiable ops (matmul, masked_fill, softmax,
// dropout, matmul), so its gradient is exact by construction. Shapes:
//   q [.., Tq, d] @ k^T [.., d, Tk] -> scores [.., Tq, Tk] -> weights -> @ v [.., Tk, dv]
#include <focus/autograd/ops_attention.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_nn.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/kernel.h>

#include <cmath>
#include <limits>

namespace focus {

Tensor attention_keep_mask(const AttentionMask& mask, std::int64_t tq, std::int64_t tk, int rank) {
  Tensor keep;
  auto combine = [&](const Tensor& m) {
    keep = keep.defined() ? kernel::binary(kernel::BinaryOp::LogicalAnd, keep, m) : m;
  };
  if (mask.is_causal) {
    // keep[i][j] = j <= i + (tk - tq)
    Tensor rows = arange(tq).reshape({tq, 1}), cols = arange(tk).reshape({1, tk});
    combine(kernel::binary(kernel::BinaryOp::Le, cols, kernel::binary(kernel::BinaryOp::Add, rows, double(tk - tq))));
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

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMask& mask,
                                    const AttentionOptions& options, Tensor* weights) {
  const char* op = "scaled_dot_product_attention";
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
  const double scale = options.scale > 0 ? options.scale : 1.0 / std::sqrt(static_cast<double>(d));

  Tensor scores = matmul(q, k.mT()) * scale;
  const Tensor keep = attention_keep_mask(mask, tq, tk, scores.dim());
  if (keep.defined()) {
    if (!(broadcast_shapes(op, scores.shape(), keep.shape()) == scores.shape()))
      throw ShapeError(std::string(op) + ": the mask must broadcast to the scores [.., Tq, Tk]; got mask=" +
                       to_string(keep.shape()) + ", scores=" + to_string(scores.shape()));
    scores = masked_fill(scores, kernel::unary(kernel::UnaryOp::LogicalNot, keep), -std::numeric_limits<double>::infinity());
  }
  Tensor w = softmax(scores, -1);
  if (weights) *weights = w;
  if (options.dropout_p > 0) w = dropout(w, options.dropout_p, true, options.gen);
  return matmul(w, v);
}

}  // namespace focus
