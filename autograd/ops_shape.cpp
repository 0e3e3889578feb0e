// Differentiable joins, splits, triangles and index-based picks. The backward of cat is a narrow
// (a view) per input, of a triangle the same triangle, and of every pick (gather, index_select,
// embedding) a scatter-add: scatter_add and index_add are ops here too, whose backward is the
// pick again, so second derivatives flow through all of them.
#include <focus/autograd/ops_shape.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/index.h>
#include <focus/tensor/kernel.h>

#include <algorithm>
#include <optional>

namespace focus {

namespace {

std::string str(std::int64_t v) { return std::to_string(v); }
std::string str(const Shape& s) { return to_string(s); }
std::string str(DType dt) { return std::string(dtype_name(dt)); }

void check_index_dtype(const char* op, const Tensor& index, const char* what = "index") {
  if (index.dtype() != kInt64)
    throw DTypeError(std::string(op) + ": " + what + " must be int64; got " + str(index.dtype()));
}

// The first value of index outside [0, size) worth reporting (the smallest if negative, else the
// largest), or nothing when all are inside.
std::optional<std::int64_t> out_of_range(const Tensor& index, std::int64_t size) {
  const kernel::IndexBounds b = kernel::index_bounds(index);
  if (b.min > b.max) return std::nullopt;  // empty
  if (b.min < 0) return b.min;
  if (b.max >= size) return b.max;
  return std::nullopt;
}

void check_rank_at_least_1(const char* op, const Tensor& x) {
  if (x.dim() == 0) throw ShapeError(std::string(op) + ": expects a tensor of rank >= 1; got x=[]");
}

// gather and scatter_add: an int64 index with x's rank, no larger than x in any dim but dim,
// its values inside dim. Returns dim wrapped.
int check_gather_index(const char* op, const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_index_dtype(op, index);
  check_rank_at_least_1(op, x);
  const int d = wrap_dim(op, dim, x.dim());
  bool fits = index.dim() == x.dim();
  for (int k = 0; fits && k < x.dim(); ++k) fits = k == d || index.shape()[k] <= x.shape()[k];
  if (!fits)
    throw ShapeError(std::string(op) + ": index must have x's rank and be no larger than x in every dim but dim " +
                     str(d) + "; got x=" + str(x.shape()) + ", index=" + str(index.shape()));
  if (auto bad = out_of_range(index, x.shape()[d]))
    throw IndexError(std::string(op) + ": index must lie in [0, " + str(x.shape()[d]) + ") (the size of dim " +
                     str(d) + "); got index=" + str(*bad) + ", x=" + str(x.shape()));
  return d;
}

// index_select and index_add: a 1-D int64 index whose values lie inside dim. Returns dim wrapped.
int check_select_index(const char* op, const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_index_dtype(op, index);
  check_rank_at_least_1(op, x);
  const int d = wrap_dim(op, dim, x.dim());
  if (index.dim() != 1) throw ShapeError(std::string(op) + ": index must be 1-D; got index=" + str(index.shape()));
  if (auto bad = out_of_range(index, x.shape()[d]))
    throw IndexError(std::string(op) + ": index must lie in [0, " + str(x.shape()[d]) + ") (the size of dim " +
                     str(d) + "); got index=" + str(*bad) + ", x=" + str(x.shape()));
  return d;
}

// y = x with everything outside the triangle set to 0;  dx = the same triangle of g
Tensor triangle(const char* op, const Tensor& x, std::int64_t diagonal, bool lower) {
  if (x.dim() < 2)
    throw ShapeError(std::string(op) + ": expects a tensor of rank >= 2 (a matrix or a batch of them); got x=" +
                     str(x.shape()));
  Tensor out = kernel::triangle(x, diagonal, lower);
  if (!needs_grad(x)) return out;
  return record(op, out, {x}, [op, diagonal, lower](const Tensor& g) -> Grads {
    return {triangle(op, g, diagonal, lower)};
  });
}

}  // namespace

// ---- joining and splitting ----------------------------------------------------------------------

// y = x0, x1, ... joined along dim;  shapes equal but in dim, whose sizes add;
// dx_i = narrow(g, dim, start_i, size_i)
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw ValueError("cat: expects at least one tensor; got an empty list");
  const Tensor& first = tensors[0];
  if (first.dim() == 0) throw ShapeError("cat: zero-dimensional tensors cannot be joined; got tensors[0]=[]");
  const int d = wrap_dim("cat", dim, first.dim());
  Shape shape = first.shape();
  shape[d] = 0;
  std::vector<std::int64_t> sizes;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dtype() != first.dtype())
      throw DTypeError("cat: dtypes must match (no implicit promotion); got tensors[0]=" + str(first.dtype()) +
                       ", tensors[" + str(std::int64_t(i)) + "]=" + str(t.dtype()));
    bool fits = t.dim() == first.dim();
    for (int k = 0; fits && k < t.dim(); ++k) fits = k == d || t.shape()[k] == first.shape()[k];
    if (!fits)
      throw ShapeError("cat: shapes must match except in dim " + str(d) + "; got tensors[0]=" + str(first.shape()) +
                       ", tensors[" + str(std::int64_t(i)) + "]=" + str(t.shape()));
    sizes.push_back(t.shape()[d]);
    shape[d] += sizes.back();
  }
  Tensor out = Tensor::empty(shape, first.dtype());
  kernel::cat_into(out, tensors, d);
  if (!needs_grad_any(tensors)) return out;
  std::vector<bool> wants;
  for (const Tensor& t : tensors) wants.push_back(t.requires_grad());
  return record("cat", out, tensors, [d, sizes, wants](const Tensor& g) -> Grads {
    Grads grads;
    std::int64_t start = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      grads.push_back(wants[i] ? g.narrow(d, start, sizes[i]) : Tensor());
      start += sizes[i];
    }
    return grads;
  });
}

// y = x0, x1, ... along a new dim: cat of the inputs each unsqueezed at dim (its backward too).
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw ValueError("stack: expects at least one tensor; got an empty list");
  const Tensor& first = tensors[0];
  const int d = wrap_dim("stack", dim, first.dim() + 1);
  std::vector<Tensor> parts;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dtype() != first.dtype())
      throw DTypeError("stack: dtypes must match (no implicit promotion); got tensors[0]=" + str(first.dtype()) +
                       ", tensors[" + str(std::int64_t(i)) + "]=" + str(t.dtype()));
    if (!(t.shape() == first.shape()))
      throw ShapeError("stack: tensors must all have the same shape; got tensors[0]=" + str(first.shape()) +
                       ", tensors[" + str(std::int64_t(i)) + "]=" + str(t.shape()));
    parts.push_back(t.unsqueeze(d));
  }
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
  check_rank_at_least_1("split", x);
  const int d = wrap_dim("split", dim, x.dim());
  if (split_size <= 0) throw ValueError("split: split_size must be positive; got split_size=" + str(split_size));
  const std::int64_t n = x.shape()[d];
  std::vector<Tensor> pieces;
  for (std::int64_t start = 0; start < n || pieces.empty(); start += split_size)
    pieces.push_back(x.narrow(d, start, std::min(split_size, n - start)));
  return pieces;
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  check_rank_at_least_1("chunk", x);
  const int d = wrap_dim("chunk", dim, x.dim());
  if (chunks <= 0) throw ValueError("chunk: chunks must be positive; got chunks=" + str(chunks));
  const std::int64_t n = x.shape()[d];
  if (n == 0) return std::vector<Tensor>(chunks, x.narrow(d, 0, 0));  // as torch: `chunks` empty pieces
  return split(x, (n + chunks - 1) / chunks, d);
}

// ---- triangles ----------------------------------------------------------------------------------

Tensor tril(const Tensor& x, std::int64_t diagonal) { return triangle("tril", x, diagonal, true); }
Tensor triu(const Tensor& x, std::int64_t diagonal) { return triangle("triu", x, diagonal, false); }

// ---- picking by index ---------------------------------------------------------------------------

// y[i][j] = x[index[i][j]][j] (dim 0);  y has index's shape;  dx = scatter_add(zeros(x), dim, index, g)
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  const int d = check_gather_index("gather", x, dim, index);
  Tensor out = kernel::gather(x, d, index);
  if (!needs_grad(x)) return out;
  return record("gather", out, {x}, [xs = x.shape(), d, index = save(index)](const Tensor& g) -> Grads {
    return {scatter_add(zeros(xs, g.dtype()), d, index.get("gather"), g)};
  });
}

// y = x, then y[index[i][j]][j] += src[i][j] (dim 0);  dx = g, dsrc = gather(g, dim, index)
Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  const int d = check_gather_index("scatter_add", x, dim, index);
  check_same_dtype("scatter_add", x, src);
  if (!(index.shape() == src.shape()))
    throw ShapeError("scatter_add: index and src must have the same shape; got index=" + str(index.shape()) +
                     ", src=" + str(src.shape()));
  Tensor out = kernel::clone(x);
  kernel::scatter_add_(out, d, index, src);
  if (!needs_grad(x, src)) return out;
  return record("scatter_add", out, {x, src},
                [d, index = save(index), dx = x.requires_grad(), dsrc = src.requires_grad()](const Tensor& g) -> Grads {
                  return {dx ? g : Tensor(), dsrc ? gather(g, d, index.get("scatter_add")) : Tensor()};
                });
}

// y = slices of x along dim at index;  dim: n -> len(index);  dx = index_add(zeros(x), dim, index, g)
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  const int d = check_select_index("index_select", x, dim, index);
  Tensor out = kernel::index_select(x, d, index);
  if (!needs_grad(x)) return out;
  return record("index_select", out, {x}, [xs = x.shape(), d, index = save(index)](const Tensor& g) -> Grads {
    return {index_add(zeros(xs, g.dtype()), d, index.get("index_select"), g)};
  });
}

// y = x, then slice index[i] of y along dim += slice i of src;  dx = g, dsrc = index_select(g, dim, index)
Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  const int d = check_select_index("index_add", x, dim, index);
  check_same_dtype("index_add", x, src);
  Shape want = x.shape();
  want[d] = index.numel();
  if (!(src.shape() == want))
    throw ShapeError("index_add: src must have x's shape with dim " + str(d) + " of size len(index); got x=" +
                     str(x.shape()) + ", index=" + str(index.shape()) + ", src=" + str(src.shape()));
  Tensor out = kernel::clone(x);
  kernel::index_add_(out, d, index, src);
  if (!needs_grad(x, src)) return out;
  return record("index_add", out, {x, src},
                [d, index = save(index), dx = x.requires_grad(), dsrc = src.requires_grad()](const Tensor& g) -> Grads {
                  return {dx ? g : Tensor(), dsrc ? index_select(g, d, index.get("index_add")) : Tensor()};
                });
}

// y = weight[ids];  weight [V, D], ids [...] -> [..., D];
// dweight = index_add(zeros(V, D), 0, ids, rows of g), with the rows of padding_idx left at 0
Tensor embedding(const Tensor& weight, const Tensor& ids, std::int64_t padding_idx) {
  check_index_dtype("embedding", ids, "ids");
  if (weight.dim() != 2) throw ShapeError("embedding: weight must be 2-D [V, D]; got weight=" + str(weight.shape()));
  const std::int64_t V = weight.shape()[0], D = weight.shape()[1];
  if (padding_idx >= V)
    throw ValueError("embedding: padding_idx must be below V (or negative for none); got padding_idx=" +
                     str(padding_idx) + ", weight=" + str(weight.shape()));
  const Tensor flat_ids = ids.reshape({-1});
  if (auto bad = out_of_range(flat_ids, V))
    throw IndexError("embedding: ids must lie in [0, " + str(V) + ") (the rows of weight); got id=" + str(*bad) +
                     ", weight=" + str(weight.shape()));
  Shape shape = ids.shape();
  shape.push_back(D);
  Tensor out = kernel::index_select(weight, 0, flat_ids).reshape(shape);
  if (!needs_grad(weight)) return out;
  return record("embedding", out, {weight},
                [ws = weight.shape(), flat_ids = save(flat_ids), padding_idx](const Tensor& g) -> Grads {
                  const Tensor& f = flat_ids.get("embedding");
                  Tensor rows = g.reshape({f.numel(), ws[1]});
                  if (padding_idx >= 0)
                    rows = masked_fill(rows, eq(f, static_cast<Scalar>(padding_idx)).unsqueeze(1), 0.0);
                  return {index_add(zeros(ws, g.dtype()), 0, f, rows)};
                });
}

}  // namespace focus
