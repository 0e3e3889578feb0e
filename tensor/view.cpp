// View layout rules, after NumPy's and PyTorch's: a reshape is a view when every group of old
// dims that merges or splits into new dims is contiguous within itself.
#include <focus/tensor/view.h>

#include <algorithm>

namespace focus::kernel {

Shape infer_shape(const char* op, const Shape& shape, std::int64_t numel, const Shape& from) {
  Shape out = shape;
  int infer = -1;
  std::int64_t known = 1;
  for (int i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer >= 0) throw ShapeError(std::string(op) + ": only one dim can be -1; got " + to_string(shape));
      infer = i;
    } else if (out[i] < 0) {
      throw ValueError(std::string(op) + ": sizes must be non-negative or -1; got " + to_string(shape));
    } else {
      known = checked_numel(op, Shape{known, out[i]});
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw ShapeError(std::string(op) + ": cannot infer -1 so that the element count is kept; got " +
                       to_string(from) + " -> " + to_string(shape));
    out[infer] = numel / known;
  } else if (known != numel) {
    throw ShapeError(std::string(op) + ": element count must not change; got " + to_string(from) + " (" +
                     std::to_string(numel) + " elements) -> " + to_string(shape) + " (" + std::to_string(known) +
                     " elements)");
  }
  return out;
}

Tensor try_view(const Tensor& x, const Shape& shape) {
  if (x.is_contiguous()) return as_strided(x, shape, contiguous_strides(shape), x.offset());
  if (x.numel() == 0) return as_strided(x, shape, contiguous_strides(shape), x.offset());
  // Walk old dims in chunks that are contiguous among themselves; each chunk must map onto a run
  // of new dims with the same element count.
  const Shape& os = x.shape();
  const Strides& ost = x.strides();
  Strides st = Shape::filled(shape.size(), 0);
  int nd = shape.size() - 1;
  std::int64_t chunk_base_stride = ost.size() ? ost[ost.size() - 1] : 1;
  std::int64_t tensor_numel = 1, view_numel = 1;
  for (int od = os.size() - 1; od >= 0; --od) {
    tensor_numel *= os[od];
    // End of a chunk: first dim, or the dim before is not contiguous with this one.
    if (od == 0 || (os[od - 1] != 1 && ost[od - 1] != tensor_numel * chunk_base_stride)) {
      while (nd >= 0 && (view_numel < tensor_numel || shape[nd] == 1)) {
        st[nd] = view_numel * chunk_base_stride;
        view_numel *= shape[nd];
        --nd;
      }
      if (view_numel != tensor_numel) return Tensor();
      if (od > 0) {
        chunk_base_stride = ost[od - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (nd != -1) return Tensor();
  return as_strided(x, shape, st, x.offset());
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
  const int r = x.dim();
  auto bad = [&] {
    std::string got = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) got += (i ? ", " : "") + std::to_string(dims[i]);
    return ShapeError("permute: dims must be a permutation of the tensor's " + std::to_string(r) +
                      " dims; got dims=" + got + "], shape=" + to_string(x.shape()));
  };
  if (static_cast<int>(dims.size()) != r) throw bad();
  Shape s = x.shape(), st = x.strides();
  bool used[kMaxRank] = {};
  for (int i = 0; i < r; ++i) {
    if (dims[i] < -r || dims[i] >= r) throw bad();
    const int d = static_cast<int>(dims[i] < 0 ? dims[i] + r : dims[i]);
    if (used[d]) throw bad();
    used[d] = true;
    s[i] = x.shape()[d];
    st[i] = x.strides()[d];
  }
  return as_strided(x, s, st, x.offset());
}

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) {
  const int d = wrap_sized_dim("slice", dim, x.dim());
  if (step <= 0) throw ValueError("slice: step must be positive; got step=" + std::to_string(step));
  const std::int64_t n = x.shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  end = std::clamp<std::int64_t>(end, start, n);
  Shape s = x.shape();
  Strides st = x.strides();
  s[d] = (end - start + step - 1) / step;
  st[d] = x.strides()[d] * step;
  return as_strided(x, s, st, x.offset() + start * x.strides()[d]);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (shape.size() < x.dim())
    throw ShapeError("expand: target must have at least the tensor's rank; got tensor=" + to_string(x.shape()) +
                     ", target=" + to_string(shape));
  Shape s = shape;
  Strides st = Shape::filled(shape.size(), 0);
  const int lead = shape.size() - x.dim();
  for (int i = 0; i < shape.size(); ++i) {
    const int xi = i - lead;
    if (xi < 0) {
      if (shape[i] < 0)
        throw ShapeError("expand: -1 is not allowed for a new leading dim; got target=" + to_string(shape));
      continue;
    }
    const std::int64_t have = x.shape()[xi];
    if (shape[i] == -1 || shape[i] == have) {
      s[i] = have;
      st[i] = x.strides()[xi];
    } else if (have == 1) {
      if (shape[i] < 0) throw ValueError("expand: sizes must be non-negative or -1; got " + to_string(shape));
      st[i] = 0;
    } else {
      throw ShapeError("expand: a dim can only be expanded from size 1; got tensor=" + to_string(x.shape()) +
                       ", target=" + to_string(shape));
    }
  }
  checked_numel("expand", s);
  return as_strided(x, s, st, x.offset());
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  const int d = wrap_dim("unsqueeze", dim, x.dim() + 1);
  Shape s = x.shape();
  Strides st = x.strides();
  s.insert(d, 1);
  st.insert(d, d < x.dim() ? x.strides()[d] * x.shape()[d] : 1);
  return as_strided(x, s, st, x.offset());
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  const int d = wrap_dim("squeeze", dim, x.dim());
  if (x.dim() == 0 || x.shape()[d] != 1) return x.detach();
  Shape s = x.shape();
  Strides st = x.strides();
  s.erase(d);
  st.erase(d);
  return as_strided(x, s, st, x.offset());
}

}  // namespace focus::kernel
