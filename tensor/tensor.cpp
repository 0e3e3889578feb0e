// Tensor construction, layout queries and typed element access.
#include <focus/tensor/tensor.h>

#include <focus/tensor/kernel.h>

namespace focus {

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  const std::int64_t n = checked_numel("empty", shape, element_size(dtype));
  auto storage = std::make_shared<Storage>(static_cast<std::size_t>(n) * element_size(dtype));
  return view_of(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::view_of(std::shared_ptr<Storage> storage, const Shape& shape, const Strides& strides,
                       std::int64_t offset, DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_sized_dim("size", d, dim())]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides()[wrap_sized_dim("stride", d, dim())]; }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // no element is out of place
  const auto& s = shape();
  const auto& st = strides();
  std::int64_t expected = 1;
  for (int i = s.size() - 1; i >= 0; --i) {
    if (s[i] == 1) continue;
    if (st[i] != expected) return false;
    expected *= s[i];
  }
  return true;
}

template <class T>
T* Tensor::data_ptr() const {
  if (dtype() != dtype_of_v<T>)
    throw DTypeError("data_ptr: requested element type " + std::string(dtype_name(dtype_of_v<T>)) +
                     " does not match the tensor; got " + std::string(dtype_name(dtype())));
  return static_cast<T*>(storage()->data()) + offset();
}

template <class T>
T Tensor::item() const {
  if (numel() != 1)
    throw ValueError("item: tensor must have exactly one element; got shape " + focus::to_string(shape()));
  return dispatch(dtype(), [&]<class S>() { return static_cast<T>(*data_ptr<S>()); });
}

template <class T>
T Tensor::at(std::initializer_list<std::int64_t> index) const {
  if (static_cast<int>(index.size()) != dim())
    throw IndexError("at: expected " + std::to_string(dim()) + " indices; got " +
                     std::to_string(index.size()));
  std::int64_t off = 0;
  int d = 0;
  for (std::int64_t i : index) {
    const std::int64_t n = shape()[d];
    if (i < -n || i >= n)
      throw IndexError("at: index " + std::to_string(i) + " out of range for dim " + std::to_string(d) +
                       " of size " + std::to_string(n));
    off += (i < 0 ? i + n : i) * strides()[d];
    ++d;
  }
  return dispatch(dtype(), [&]<class S>() { return static_cast<T>(data_ptr<S>()[off]); });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = kernel::to_dtype(*this, dtype_of_v<T>);
  c = kernel::contiguous(c);
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}

#define FOCUS_INSTANTIATE_ACCESS(T)                                            \
  template T* Tensor::data_ptr<T>() const;                                     \
  template T Tensor::item<T>() const;                                          \
  template T Tensor::at<T>(std::initializer_list<std::int64_t>) const;         \
  template std::vector<T> Tensor::to_vector<T>() const;
FOCUS_INSTANTIATE_ACCESS(float)
FOCUS_INSTANTIATE_ACCESS(double)
FOCUS_INSTANTIATE_ACCESS(std::int64_t)
FOCUS_INSTANTIATE_ACCESS(bool)
#undef FOCUS_INSTANTIATE_ACCESS
// int is handy in tests and loops; it reads through the tensor's own dtype.
template int Tensor::item<int>() const;
template int Tensor::at<int>(std::initializer_list<std::int64_t>) const;

void check_dtype(const char* op, const Tensor& t, DType dt) {
  if (t.dtype() != dt)
    throw DTypeError(std::string(op) + ": expected dtype " + std::string(dtype_name(dt)) + "; got " +
                     std::string(dtype_name(t.dtype())));
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    throw DTypeError(std::string(op) + ": dtypes must match (no implicit promotion); got a=" +
                     std::string(dtype_name(a.dtype())) + ", b=" + std::string(dtype_name(b.dtype())));
}

void check_floating(const char* op, const Tensor& t) {
  if (!is_floating(t.dtype()))
    throw DTypeError(std::string(op) + ": expected a floating dtype (float32 or float64); got " +
                     std::string(dtype_name(t.dtype())));
}

Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter) {
  return from_blob(data, shape, contiguous_strides(shape), dtype, std::move(deleter));
}

Tensor from_blob(void* data, const Shape& shape, const Strides& strides, DType dtype,
                 std::function<void(void*)> deleter) {
  if (strides.size() != shape.size())
    throw ShapeError("from_blob: strides must have one entry per dim; got shape=" +
                     focus::to_string(shape) + ", strides=" + focus::to_string(strides));
  checked_numel("from_blob", shape, element_size(dtype));
  std::int64_t extent = 1;  // one past the furthest element, in elements
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) { extent = 0; break; }
    if (strides[i] < 0)
      throw ValueError("from_blob: strides must be non-negative; got " + focus::to_string(strides));
    extent += (shape[i] - 1) * strides[i];
  }
  auto storage = std::make_shared<Storage>(data, static_cast<std::size_t>(extent) * element_size(dtype),
                                           std::move(deleter));
  return Tensor::view_of(std::move(storage), shape, strides, 0, dtype);
}

Tensor as_strided(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset) {
  return Tensor::view_of(t.storage(), shape, strides, offset, t.dtype());
}

}  // namespace focus
