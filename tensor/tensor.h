// Tensor: a handle (shared, cheap to copy) to a strided view of a Storage: shape, strides, offset
// and dtype. Copies of a Tensor are the same tensor; clone() makes new memory.
// The autograd fields are an opaque AutogradMeta owned by autograd/; this folder never looks
// inside it. Methods marked "differentiable" are defined in autograd/ and record the graph.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <focus/tensor/dtype.h>
#include <focus/tensor/error.h>
#include <focus/tensor/shape.h>
#include <focus/tensor/storage.h>

namespace focus {

struct AutogradMeta;  // autograd/node.h
class Node;           // autograd/node.h

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Strides strides;
  std::int64_t offset = 0;  // in elements
  DType dtype = kFloat32;
  std::shared_ptr<AutogradMeta> autograd;  // null until the tensor joins the graph
};

// A plain C++ number that adopts the dtype of the tensor it meets, like a Python scalar.
using Scalar = double;

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing (like a default torch::Tensor)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Fresh, uninitialised, contiguous memory. Factories (zeros, randn, ...) are in factory.h.
  static Tensor empty(const Shape& shape, DType dtype = kFloat32);
  // A view of existing storage; no copy. Used by views and by from_blob.
  static Tensor view_of(std::shared_ptr<Storage> storage, const Shape& shape, const Strides& strides,
                        std::int64_t offset, DType dtype);

  // --- queries -------------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Strides& strides() const { return impl().strides; }
  std::int64_t offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  int dim() const { return impl().shape.size(); }
  std::int64_t size(std::int64_t d) const;  // negative d counts from the end
  std::int64_t stride(std::int64_t d) const;
  std::int64_t numel() const { return numel_of(impl().shape); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  // Do two handles refer to the same tensor (not merely equal values)?
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // --- element access (no autograd) ------------------------------------------------------------
  // Pointer to element 0 of this view; T must match dtype(). Strides still apply.
  template <class T> T* data_ptr() const;
  // The single element of a one-element tensor, converted to T.
  template <class T> T item() const;
  // One element by index (negative indices count from the end), converted to T.
  template <class T> T at(std::initializer_list<std::int64_t> index) const;
  // All elements in row-major order, converted to T.
  template <class T> std::vector<T> to_vector() const;

  // --- views: share storage, differentiable -----------------------------------------------------
  Tensor view(const Shape& shape) const;     // requires compatible strides; -1 infers one size
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor permute(const std::vector<std::int64_t>& dims) const;
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  Tensor t() const;  // transpose of a matrix (rank <= 2)
  Tensor mT() const;  // swaps the last two dims
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor squeeze() const;  // drops every size-1 dim
  Tensor expand(const Shape& shape) const;  // -1 keeps a size
  Tensor expand_as(const Tensor& other) const { return expand(other.shape()); }

  // --- copies: differentiable ------------------------------------------------------------------
  Tensor contiguous() const;  // this tensor itself when already contiguous
  Tensor clone() const;
  Tensor to(DType dtype) const;  // this tensor itself when dtype matches

  // --- common ops as methods (differentiable; see autograd/ops_*.h for all) ---------------------
  Tensor sum() const;
  Tensor sum(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor pow(Scalar exponent) const;
  Tensor matmul(const Tensor& other) const;

  // --- autograd --------------------------------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward reaches this leaf
  void set_grad(const Tensor& grad) const;
  void zero_grad() const;  // drops .grad (set to none, as PyTorch's default)
  // Backpropagates from this tensor: scalar outputs need no gradient argument.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;
  Tensor detach() const;  // same storage, outside the graph
  const std::shared_ptr<Node>& grad_fn() const;
  // Keep .grad on a non-leaf tensor too.
  void retain_grad() const;
  // Calls hook(grad) when the gradient with respect to this tensor is computed; a defined
  // return value replaces the gradient.
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;

  // --- in-place (not recorded in the graph; bump the version counter) -------------------------
  Tensor& zero_();
  Tensor& fill_(Scalar value);
  Tensor& copy_(const Tensor& src);  // src broadcasts to this shape; dtypes may differ
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& add_(Scalar other);
  Tensor& sub_(const Tensor& other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(Scalar other);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);

  std::string to_string() const;  // like PyTorch's printing; see autograd/tensor_print.cpp

 private:
  const TensorImpl& impl() const {
    if (!impl_) throw Error("tensor: use of an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Shape& s);

// Throws DTypeError naming op unless t has dtype dt.
void check_dtype(const char* op, const Tensor& t, DType dt);
// Throws DTypeError naming op unless a and b share a dtype (focus never promotes implicitly).
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
// Throws DTypeError naming op unless t is float32 or float64.
void check_floating(const char* op, const Tensor& t);

// A view over memory the caller owns (deleter may be empty: the caller keeps it alive).
Tensor from_blob(void* data, const Shape& shape, DType dtype = kFloat32,
                 std::function<void(void*)> deleter = {});
Tensor from_blob(void* data, const Shape& shape, const Strides& strides, DType dtype = kFloat32,
                 std::function<void(void*)> deleter = {});

// Layout-only view helpers for kernels and ops (no autograd, no checks beyond the rank).
Tensor as_strided(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset);

}  // namespace focus
