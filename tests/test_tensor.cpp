// Tensors without autograd: dtypes, shapes, views that share storage, copies, element access,
// from_blob, in-place ops and the version counter, factories, seeded random numbers (pinned
// against an independent PCG32), printing, and the errors bad input gets.
#include "op_table.h"

#include <algorithm>
#include <cstring>
#include <sstream>

using namespace focus;
using focus::testing::check_close;

namespace {

std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }

// A [2, 3, 4] float32 tensor holding 0..23.
Tensor iota234() { return arange(24, kFloat32).reshape({2, 3, 4}); }

}  // namespace

// ---- dtypes -------------------------------------------------------------------------------------

TEST_CASE("tensor: float32 is the default dtype and every dtype has its size") {
  CHECK(zeros({2}).dtype() == kFloat32);
  CHECK(ones({2}).dtype() == kFloat32);
  CHECK(randn({2}).dtype() == kFloat32);
  CHECK(tensor(std::vector<float>{1, 2}).dtype() == kFloat32);
  CHECK(tensor(std::vector<double>{1, 2}).dtype() == kFloat64);
  CHECK(tensor(std::vector<std::int64_t>{1, 2}).dtype() == kInt64);
  CHECK(tensor(std::vector<bool>{true, false}, {2}).dtype() == kBool);
  CHECK(arange(3).dtype() == kInt64);
  CHECK(element_size(kFloat32) == 4);
  CHECK(element_size(kFloat64) == 8);
  CHECK(element_size(kInt64) == 8);
  CHECK(element_size(kBool) == 1);
  CHECK(dtype_name(kBool) == "bool");
}

TEST_CASE("tensor: tensors of different dtypes never mix") {
  const Tensor f = ones({2}), d = ones({2}, kFloat64), i = ones({2}, kInt64);
  CHECK_ERROR(DTypeError, f + d, "add", "dtypes must match", "a=float32", "b=float64");
  CHECK_ERROR(DTypeError, i * f, "mul", "a=int64", "b=float32");
  CHECK_ERROR(DTypeError, d - i, "sub", "a=float64", "b=int64");
  CHECK_ERROR(DTypeError, d / f, "div");
  CHECK_ERROR(DTypeError, lt(f, d), "lt", "a=float32", "b=float64");
  CHECK_ERROR(DTypeError, maximum(f, d), "maximum");
  CHECK_ERROR(DTypeError, where(ones({2}, kBool), f, d), "where", "a=float32", "b=float64");
  CHECK_ERROR(DTypeError, matmul(ones({2, 2}), ones({2, 2}, kFloat64)), "matmul", "float32", "float64");
}

TEST_CASE("tensor: a scalar adopts the tensor's dtype") {
  const Tensor i = arange(3);  // int64 0, 1, 2
  const Tensor a = i + 2.7;    // 2.7 becomes int64 2, as the tensor's dtype says
  CHECK(a.dtype() == kInt64);
  CHECK(a.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 3, 4});
  const Tensor f = ones({2}) * 0.1;
  CHECK(f.dtype() == kFloat32);
  CHECK(f.to_vector<float>()[0] == 0.1f);
  const Tensor d = ones({2}, kFloat64) * 0.1;
  CHECK(d.dtype() == kFloat64);
  CHECK(d.to_vector<double>()[0] == 0.1);
  CHECK((2.0 - arange(3)).to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 1, 0});
  CHECK((12.0 / (arange(3) + 1.0)).to_vector<std::int64_t>() == std::vector<std::int64_t>{12, 6, 4});
}

TEST_CASE("tensor: comparisons return bool tensors") {
  const Tensor a = tensor(std::vector<float>{1, 2, 3}), b = tensor(std::vector<float>{3, 2, 1});
  const Tensor c = a < b;
  CHECK(c.dtype() == kBool);
  CHECK(c.to_vector<bool>() == std::vector<bool>{true, false, false});
  CHECK((a == 2.0).to_vector<bool>() == std::vector<bool>{false, true, false});
  CHECK((arange(3) >= 1.0).dtype() == kBool);
}

TEST_CASE("tensor: to(dtype) converts, rounding toward zero into int64 and nonzero into true") {
  const Tensor x = tensor(std::vector<double>{-1.5, 0.0, 2.7});
  CHECK(x.to(kInt64).to_vector<std::int64_t>() == std::vector<std::int64_t>{-1, 0, 2});
  CHECK(x.to(kBool).to_vector<bool>() == std::vector<bool>{true, false, true});
  CHECK(x.to(kFloat32).dtype() == kFloat32);
  CHECK(x.to(kFloat32).to_vector<float>()[2] == 2.7f);
  CHECK(tensor(std::vector<bool>{true, false}, {2}).to(kFloat64).to_vector<double>() == std::vector<double>{1, 0});
  CHECK(x.to(kFloat64).is_same(x));  // same dtype: the tensor itself
}

// ---- shapes ---------------------------------------------------------------------------------------

TEST_CASE("tensor: shapes print as [10, 50, 64] and rank 0 as []") {
  CHECK(to_string(Shape{10, 50, 64}) == "[10, 50, 64]");
  CHECK(to_string(Shape{}) == "[]");
  std::ostringstream os;
  os << Shape{3};
  CHECK(os.str() == "[3]");
  CHECK(Shape{2, 3} == Shape(std::vector<std::int64_t>{2, 3}));
  CHECK(!(Shape{2, 3} == Shape{3, 2}));
}

TEST_CASE("tensor: rank-0 tensors hold one element") {
  const Tensor s = scalar_tensor(3.5);
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.shape() == Shape{});
  CHECK(s.item<float>() == 3.5f);
  CHECK(s.at<float>({}) == 3.5f);
  CHECK((s * 2.0).item<double>() == 7.0);
  CHECK((s + ones({2, 2})).shape() == Shape{2, 2});
  CHECK(s.reshape({1, 1}).shape() == Shape{1, 1});
  CHECK(ones({1}).reshape({}).dim() == 0);
  CHECK(s.unsqueeze(0).shape() == Shape{1});
  CHECK(s.flatten().shape() == Shape{1});
  CHECK(sum(ones({2, 3})).dim() == 0);
  // A 0-dim tensor has no dims to read; squeeze and transpose of dim 0 or -1 leave it as it is.
  CHECK_ERROR(IndexError, s.size(0), "size", "0-dim tensor has no dims", "dim=0");
  CHECK_ERROR(IndexError, s.stride(-1), "stride", "0-dim", "dim=-1");
  CHECK_ERROR(IndexError, s.select(0, 0), "select", "0-dim");
  CHECK_ERROR(IndexError, s.slice(0, 0, 1), "slice", "0-dim");
  CHECK_ERROR(IndexError, s.narrow(0, 0, 1), "narrow", "0-dim");
  CHECK(s.squeeze(0).shape() == Shape{});
  CHECK(s.squeeze().shape() == Shape{});
  CHECK(s.transpose(0, -1).shape() == Shape{});
  CHECK(s.t().shape() == Shape{});
  CHECK(s.permute({}).shape() == Shape{});
  CHECK(s.expand({2, 3}).shape() == Shape{2, 3});
  // Rank-0 shapes made by dropping dims must not see the dropped sizes.
  const Tensor dropped = ones({1}).squeeze(0);
  CHECK(dropped.dim() == 0);
  CHECK(dropped.squeeze(0).dim() == 0);
  CHECK_ERROR(IndexError, dropped.size(0), "size", "0-dim");
}

TEST_CASE("tensor: n-d shapes, sizes, strides and contiguity") {
  const Tensor x = zeros({2, 3, 4});
  CHECK(x.dim() == 3);
  CHECK(x.numel() == 24);
  CHECK(x.size(0) == 2);
  CHECK(x.size(-1) == 4);
  CHECK(x.strides() == Shape{12, 4, 1});
  CHECK(x.stride(-2) == 4);
  CHECK(x.is_contiguous());
  CHECK(!x.transpose(0, 2).is_contiguous());
  CHECK(zeros({2, 0, 3}).numel() == 0);
  CHECK(zeros({2, 0, 3}).to_vector<float>().empty());
  CHECK(zeros({1, 1, 5}).slice(1, 0, 1).is_contiguous());
  CHECK(zeros({2, 0, 3}).is_contiguous());  // empty tensors are contiguous, whatever their strides
  CHECK(zeros({3, 4}).slice(1, 2, 2).is_contiguous());
  CHECK(zeros({3, 4}).slice(1, 2, 2).contiguous().numel() == 0);
}

TEST_CASE("tensor: broadcasting follows NumPy") {
  CHECK(broadcast_shapes("t", {2, 1, 3}, {4, 1}) == Shape{2, 4, 3});
  CHECK(broadcast_shapes("t", {}, {2, 3}) == Shape{2, 3});
  CHECK(broadcast_shapes("t", {0, 1}, {1, 5}) == Shape{0, 5});
  const Tensor a = arange(3, kFloat32).reshape({3, 1}), b = arange(2, kFloat32);
  CHECK(vals(a * 10.0 + b) == std::vector<double>{0, 1, 10, 11, 20, 21});
}

// ---- views share storage ----------------------------------------------------------------------------

TEST_CASE("tensor: view and reshape share storage when strides allow") {
  Tensor x = iota234();
  Tensor v = x.view({6, 4});
  CHECK(v.storage() == x.storage());
  CHECK(v.shape() == Shape{6, 4});
  CHECK(x.view({-1}).shape() == Shape{24});
  CHECK(x.view({4, -1, 2}).shape() == Shape{4, 3, 2});
  v.data_ptr<float>()[5] = 100;  // write through the view, read through the base
  CHECK(x.at<float>({0, 1, 1}) == 100);
  // A sliced tensor still views when the merged dims are contiguous among themselves.
  Tensor s = x.slice(2, 0, 2);  // [2, 3, 2], strides [12, 4, 1]
  Tensor sv = s.view({6, 2});
  CHECK(sv.storage() == x.storage());
  CHECK(vals(sv.select(1, 0)) == std::vector<double>{0, 4, 8, 12, 16, 20});
  // A transposed tensor cannot be viewed flat; reshape copies instead.
  Tensor t = x.transpose(1, 2);
  CHECK_ERROR(ShapeError, t.view({24}), "view", "strides do not allow", "[2, 4, 3]", "target=[24]");
  Tensor r = t.reshape({24});
  CHECK(r.storage() != x.storage());
  CHECK(r.to_vector<float>()[1] == 4);
  CHECK(x.reshape({2, 12}).storage() == x.storage());
  // Unit dims may be inserted anywhere by a view.
  CHECK(x.transpose(0, 1).view({3, 1, 2, 4, 1}).storage() == x.storage());
}

TEST_CASE("tensor: permute, transpose, t and mT are views") {
  Tensor x = iota234();
  Tensor p = x.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK(p.storage() == x.storage());
  CHECK(p.at<float>({3, 1, 2}) == x.at<float>({1, 2, 3}));
  CHECK(x.permute({-1, 0, 1}).shape() == Shape{4, 2, 3});
  CHECK(x.transpose(0, -1).shape() == Shape{4, 3, 2});
  CHECK(x.mT().shape() == Shape{2, 4, 3});
  Tensor m = arange(6, kFloat32).reshape({2, 3});
  CHECK(vals(m.t().contiguous()) == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(arange(3, kFloat32).t().shape() == Shape{3});
  CHECK_ERROR(ShapeError, x.t(), "t:", "rank <= 2", "[2, 3, 4]");
  CHECK_ERROR(ShapeError, x.permute({0, 0, 1}), "permute", "permutation", "dims=[0, 0, 1]", "shape=[2, 3, 4]");
  CHECK_ERROR(ShapeError, x.permute({0, 1}), "permute", "dims=[0, 1]");
  CHECK_ERROR(IndexError, x.transpose(0, 3), "transpose", "dim out of range", "dim=3");
}

TEST_CASE("tensor: slice, narrow and select are views with Python bounds") {
  Tensor x = arange(10, kFloat64);
  CHECK(vals(x.slice(0, 2, 8, 3)) == std::vector<double>{2, 5});
  CHECK(vals(x.slice(0, -3, 100)) == std::vector<double>{7, 8, 9});
  CHECK(x.slice(0, 5, 2).numel() == 0);
  CHECK(vals(x.slice(0, -100, 2)) == std::vector<double>{0, 1});
  CHECK(x.slice(0, 1, 9, 2).storage() == x.storage());
  CHECK(vals(x.narrow(0, 3, 2)) == std::vector<double>{3, 4});
  CHECK(vals(x.narrow(0, -2, 2)) == std::vector<double>{8, 9});
  Tensor m = iota234();
  Tensor row = m.select(1, -1);  // [2, 4]
  CHECK(row.shape() == Shape{2, 4});
  CHECK(vals(row) == std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23});
  CHECK(m.select(0, 1).select(0, 2).select(0, 3).dim() == 0);
  CHECK(m.select(0, 1).select(0, 2).select(0, 3).item<float>() == 23);
  // A write through a nested view lands in the base.
  {
    NoGradGuard ng;
    m.select(2, 1).slice(1, 1, 3).fill_(-1);
  }
  CHECK(m.at<float>({0, 1, 1}) == -1);
  CHECK(m.at<float>({1, 2, 1}) == -1);
  CHECK(m.at<float>({0, 0, 1}) == 1);
  CHECK_ERROR(ValueError, x.slice(0, 0, 5, 0), "slice", "step must be positive", "step=0");
  CHECK_ERROR(IndexError, x.slice(1, 0, 5), "slice", "dim out of range", "dim=1");
  CHECK_ERROR(IndexError, x.narrow(0, 8, 5), "narrow", "start=8", "length=5", "size=10");
  CHECK_ERROR(IndexError, m.select(1, 3), "select", "index out of range", "index=3", "size 3");
  CHECK_ERROR(IndexError, m.select(1, -4), "select", "index=-4");
}

TEST_CASE("tensor: unsqueeze, squeeze and expand are views") {
  Tensor x = arange(3, kFloat32);
  Tensor u = x.unsqueeze(0);
  CHECK(u.shape() == Shape{1, 3});
  CHECK(x.unsqueeze(-1).shape() == Shape{3, 1});
  CHECK(x.unsqueeze(1).shape() == Shape{3, 1});
  CHECK(u.storage() == x.storage());
  CHECK(u.squeeze(0).shape() == Shape{3});
  CHECK(u.squeeze(1).shape() == Shape{1, 3});  // not size 1: unchanged
  CHECK(zeros({1, 3, 1, 2}).squeeze().shape() == Shape{3, 2});
  CHECK(zeros({1, 1}).squeeze().shape() == Shape{});
  Tensor e = x.unsqueeze(0).expand({4, 3});
  CHECK(e.shape() == Shape{4, 3});
  CHECK(e.strides() == Shape{0, 1});
  CHECK(e.storage() == x.storage());
  CHECK(vals(e.select(0, 3)) == std::vector<double>{0, 1, 2});
  CHECK(x.expand({2, 2, 3}).shape() == Shape{2, 2, 3});
  CHECK(x.unsqueeze(1).expand({-1, 5}).shape() == Shape{3, 5});
  CHECK(vals(e.contiguous()) == std::vector<double>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
  CHECK_ERROR(ShapeError, x.expand({2, 4}), "expand", "only be expanded from size 1", "tensor=[3]", "target=[2, 4]");
  CHECK_ERROR(ShapeError, x.expand({}), "expand", "at least the tensor's rank");
  CHECK_ERROR(IndexError, x.unsqueeze(2), "unsqueeze", "dim out of range", "dim=2");
  CHECK_ERROR(IndexError, x.squeeze(1), "squeeze", "dim=1");
}

TEST_CASE("tensor: contiguous, clone and to copy, contiguous keeps a contiguous tensor") {
  Tensor x = iota234();
  CHECK(x.contiguous().is_same(x));
  Tensor t = x.transpose(0, 2);
  Tensor c = t.contiguous();
  CHECK(c.is_contiguous());
  CHECK(c.storage() != x.storage());
  CHECK(vals(c) == vals(t));
  Tensor k = x.clone();
  CHECK(k.storage() != x.storage());
  k.fill_(0);
  CHECK(x.at<float>({1, 1, 1}) == 17);
  Tensor d = t.to(kFloat64);
  CHECK(d.dtype() == kFloat64);
  CHECK(vals(d) == vals(t));
  // clone of a broadcast view materialises every element.
  CHECK(arange(2, kFloat32).expand({3, 2}).clone().strides() == Shape{2, 1});
}

// ---- element access -----------------------------------------------------------------------------------

TEST_CASE("tensor: item, at, data_ptr and to_vector read typed elements") {
  Tensor x = tensor(std::vector<double>{1.5, -2, 3, 4, 5, 6}, {2, 3});
  CHECK(x.data_ptr<double>()[4] == 5);
  CHECK(x.at<double>({1, -1}) == 6);
  CHECK(x.at<int>({0, 0}) == 1);  // converted
  CHECK(x.at<std::int64_t>({0, 1}) == -2);
  CHECK(x.select(0, 1).data_ptr<double>()[0] == 4);  // a view's pointer starts at its offset
  CHECK(x.t().to_vector<double>() == std::vector<double>{1.5, 4, -2, 5, 3, 6});
  CHECK(x.to_vector<float>()[0] == 1.5f);
  CHECK(x.to_vector<bool>() == std::vector<bool>{true, true, true, true, true, true});
  CHECK(x.select(0, 0).select(0, 1).item<double>() == -2);
  CHECK(ones({1, 1}, kInt64).item<std::int64_t>() == 1);
  CHECK(ones({}, kBool).item<bool>());
  CHECK_ERROR(DTypeError, x.data_ptr<float>(), "data_ptr", "float32", "float64");
  CHECK_ERROR(ValueError, x.item<double>(), "item", "exactly one element", "[2, 3]");
  CHECK_ERROR(IndexError, x.at<double>({2, 0}), "at", "index 2 out of range", "dim 0", "size 2");
  CHECK_ERROR(IndexError, x.at<double>({0, -4}), "at", "index -4", "dim 1", "size 3");
  CHECK_ERROR(IndexError, x.at<double>({0}), "at", "expected 2 indices", "got 1");
  CHECK_ERROR(Error, Tensor().shape(), "undefined tensor");
}

TEST_CASE("tensor: from_blob views user memory, with and without strides") {
  std::vector<float> mem = {0, 1, 2, 3, 4, 5};
  Tensor x = from_blob(mem.data(), {2, 3});
  CHECK(x.data_ptr<float>() == mem.data());
  CHECK(x.at<float>({1, 2}) == 5);
  mem[0] = 42;  // no copy: the tensor sees the change
  CHECK(x.at<float>({0, 0}) == 42);
  {
    NoGradGuard ng;
    x.mul_(2.0);  // and writes land in the user's memory
  }
  CHECK(mem[5] == 10);
  // Column-major [3, 2] over the same memory with explicit strides.
  Tensor cm = from_blob(mem.data(), {3, 2}, {1, 3});
  CHECK(cm.at<float>({2, 1}) == mem[5]);
  CHECK(vals(cm) == std::vector<double>{84, 6, 2, 8, 4, 10});
  CHECK(!cm.is_contiguous());
  // Every other element, as a strided 1-D view.
  std::vector<std::int64_t> ints = {10, 11, 12, 13, 14};
  Tensor every2 = from_blob(ints.data(), {3}, {2}, kInt64);
  CHECK(every2.to_vector<std::int64_t>() == std::vector<std::int64_t>{10, 12, 14});
  CHECK(every2.storage()->nbytes() == 5 * sizeof(std::int64_t));
  // The deleter runs when the last tensor lets go.
  int deleted = 0;
  {
    auto* owned = new double[4]{1, 2, 3, 4};
    Tensor o = from_blob(owned, {4}, kFloat64, [&deleted](void* p) {
      delete[] static_cast<double*>(p);
      ++deleted;
    });
    Tensor view = o.slice(0, 1, 3);
    o = Tensor();
    CHECK(deleted == 0);
    CHECK(vals(view) == std::vector<double>{2, 3});
  }
  CHECK(deleted == 1);
  CHECK_ERROR(ShapeError, from_blob(mem.data(), {2, 3}, {1}), "from_blob", "one entry per dim", "shape=[2, 3]",
              "strides=[1]");
}

// ---- in-place ops and the version counter ----------------------------------------------------------------

TEST_CASE("tensor: in-place ops write through views and bump the version") {
  Tensor x = zeros({2, 3});
  const auto v0 = x.storage()->version();
  x.fill_(2);
  CHECK(vals(x) == std::vector<double>(6, 2));
  x.select(0, 1).add_(ones({3}), 3.0);  // alpha scales other
  CHECK(vals(x) == std::vector<double>{2, 2, 2, 5, 5, 5});
  x.mul_(tensor(std::vector<float>{1, 2, 3}));  // broadcasts
  CHECK(vals(x) == std::vector<double>{2, 4, 6, 5, 10, 15});
  x.add_(1.0);
  x.sub_(ones({1}));
  x.mul_(0.5);
  x.div_(2.0);
  CHECK(vals(x) == std::vector<double>{0.5, 1, 1.5, 1.25, 2.5, 3.75});
  x.masked_fill_(tensor(std::vector<bool>{true, false, true}, {3}), -1);
  CHECK(vals(x) == std::vector<double>{-1, 1, -1, -1, 2.5, -1});
  x.t().copy_(arange(6, kFloat64).reshape({3, 2}));  // copy_ converts dtypes and writes through a transpose
  CHECK(vals(x) == std::vector<double>{0, 2, 4, 1, 3, 5});
  x.copy_(tensor(std::vector<float>{7, 8, 9}));  // broadcast source
  CHECK(vals(x) == std::vector<double>{7, 8, 9, 7, 8, 9});
  x.zero_();
  CHECK(vals(x) == std::vector<double>(6, 0));
  CHECK(x.storage()->version() == v0 + 11);  // 11 in-place ops above
  CHECK(x.storage()->last_writer() == "fill_");  // zero_ is fill_(0)
  Tensor i = arange(4);
  i.div_(2.0);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 0, 1, 1});
}

TEST_CASE("tensor: in-place ops check dtype and shape") {
  Tensor x = zeros({2, 3});
  CHECK_ERROR(DTypeError, x.add_(ones({3}, kFloat64)), "add_", "dtypes must match", "a=float32", "b=float64");
  CHECK_ERROR(ShapeError, x.add_(ones({2, 1, 3})), "add_", "broadcast to this tensor's shape", "self=[2, 3]",
              "other=[2, 1, 3]");
  CHECK_ERROR(ShapeError, x.mul_(ones({4})), "mul_", "self=[2, 3]", "[4]");
  CHECK_ERROR(ShapeError, x.copy_(ones({3, 3})), "copy_", "self=[2, 3]", "src=[3, 3]");
  CHECK_ERROR(DTypeError, x.masked_fill_(ones({3}), 1), "masked_fill_", "bool", "float32");
  CHECK_ERROR(ShapeError, x.masked_fill_(ones({2, 2}, kBool), 1), "masked_fill_", "self=[2, 3]", "mask=[2, 2]");
  CHECK_ERROR(ValueError, arange(3).div_(0.0), "div", "division by zero");
  Tensor e = ones({3}).expand({2, 3});
  CHECK_ERROR(ValueError, e.add_(ones({2, 3})), "add_", "broadcast (expanded)", "shape=[2, 3]", "strides=[0, 1]");
  CHECK_ERROR(ValueError, e.fill_(0), "fill_", "broadcast (expanded)");
  CHECK(vals(ones({3}).expand({1, 3}).mul_(2.0)) == std::vector<double>{2, 2, 2});  // size-1 dims are fine
  Tensor w = ones({2}).requires_grad_();
  CHECK_ERROR(AutogradError, w.add_(1.0), "add_", "requires grad", "NoGradGuard");
  {
    NoGradGuard ng;
    w.add_(1.0);  // what optimizers do
  }
  CHECK(vals(w) == std::vector<double>{2, 2});
}

// ---- factories ---------------------------------------------------------------------------------------------

TEST_CASE("tensor: constant and range factories") {
  CHECK(vals(zeros({2, 2})) == std::vector<double>(4, 0));
  CHECK(vals(ones({3}, kInt64)) == std::vector<double>(3, 1));
  CHECK(vals(full({2}, 2.5, kFloat64)) == std::vector<double>{2.5, 2.5});
  CHECK(full({2}, 3.0, kBool).to_vector<bool>() == std::vector<bool>{true, true});
  const Tensor like = ones({2, 3}, kFloat64).t();
  CHECK(zeros_like(like).shape() == Shape{3, 2});
  CHECK(zeros_like(like).dtype() == kFloat64);
  CHECK(vals(ones_like(like)) == std::vector<double>(6, 1));
  CHECK(vals(full_like(like, -1)) == std::vector<double>(6, -1));
  CHECK(empty_like(like).shape() == Shape{3, 2});
  CHECK(arange(4).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(vals(arange(1, 2, 0.25, kFloat64)) == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(vals(arange(5, 0, -2)) == std::vector<double>{5, 3, 1});
  CHECK(arange(3, 3).numel() == 0);
  CHECK(arange(5, 0).numel() == 0);
  CHECK(vals(eye(2)) == std::vector<double>{1, 0, 0, 1});
  CHECK(vals(tensor(std::vector<double>{1, 2, 3, 4}, {2, 2}).select(1, 1)) == std::vector<double>{2, 4});
  CHECK(tensor(std::vector<std::int64_t>{5}, {}).item<std::int64_t>() == 5);
  CHECK_ERROR(ShapeError, tensor(std::vector<float>{1, 2, 3}, {2, 2}), "tensor", "value count", "3 values",
              "[2, 2]");
  CHECK_ERROR(ValueError, arange(0, 1, 0), "arange", "step must be non-zero", "step=0");
  CHECK_ERROR(ValueError, zeros({2, -1}), "sizes must be non-negative", "[2, -1]");
}

TEST_CASE("tensor: a size that overflows throws before allocating") {
  CHECK_ERROR(ValueError, zeros({1LL << 40, 1LL << 40}), "zeros:", "element count overflows int64",
              "[1099511627776, 1099511627776]");
  CHECK_ERROR(ValueError, ones({1LL << 62}, kFloat64), "ones:", "byte count overflows", "[4611686018427387904]");
  CHECK_ERROR(ValueError, full({1LL << 62, 4}, 1.0), "full:", "overflows");
  CHECK_ERROR(ValueError, empty({1LL << 62, 4}), "empty:", "overflows");
  CHECK_ERROR(ValueError, randn({1LL << 40, 1LL << 40}), "overflows");
  CHECK_ERROR(ValueError, ones({2}).expand({1LL << 40, 1LL << 40, 2}), "expand", "overflows");
  CHECK_ERROR(ValueError, ones({1}).reshape({1LL << 40, 1LL << 40}), "reshape", "overflows");
}

// ---- random numbers --------------------------------------------------------------------------------------

// Expected numbers in this section come from tests/reference/pcg32.py, an independent PCG32 in
// plain Python integers that also reproduces the published pcg32-demo vector.
TEST_CASE("tensor: PCG32 matches the reference generator") {
  Generator demo;
  demo.set_state({1753877967969059832ULL, 109, false, 0});  // pcg32_srandom_r(42, 54)
  const std::vector<std::uint32_t> want_demo = {0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e};
  for (std::uint32_t w : want_demo) CHECK(demo.next_u32() == w);

  Generator g(42);
  for (std::uint32_t w : {565663470u, 3244226384u, 2504567229u, 903561869u, 4026996297u}) CHECK(g.next_u32() == w);
  Generator g0(0);
  for (std::uint32_t w : {3837872008u, 932996374u, 1548399547u}) CHECK(g0.next_u32() == w);
  g.manual_seed(0);  // reseeding restarts the stream
  CHECK(g.next_u32() == 3837872008u);
}

TEST_CASE("tensor: uniform, normal and integer draws match the reference") {
  Generator g(42);
  const Tensor u = rand({3}, kFloat64, &g);
  CHECK(vals(u) == std::vector<double>{0.131703792179788, 0.58313999481779999, 0.93760814244927826});
  g.manual_seed(42);
  const Tensor uf = rand({3}, kFloat32, &g);
  CHECK(uf.to_vector<float>() == std::vector<float>{0.131703734f, 0.755355299f, 0.583139956f});
  g.manual_seed(42);
  const auto n = vals(randn({4}, kFloat64, &g));
  const std::vector<double> want_n = {-0.46057625437195304, -0.26516834743495454, -0.64092712800952056,
                                      -2.2666833516753009};
  for (int i = 0; i < 4; ++i) CHECK_MESSAGE(std::abs(n[i] - want_n[i]) < 1e-15, i << ": " << n[i] << " vs " << want_n[i]);
  g.manual_seed(7);
  CHECK(randint(0, 7, {10}, kInt64, &g).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{6, 3, 4, 5, 5, 1, 3, 3, 1, 3});
  g.manual_seed(7);
  CHECK(randint(10, 10 + 1000003, {5}, kInt64, &g).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{10 + 946188, 10 + 498960, 10 + 637994, 10 + 788245, 10 + 825744});
  g.manual_seed(42);  // a range of exactly 2^32 is the raw 32-bit draws
  CHECK(randint(0, 1LL << 32, {2}, kInt64, &g).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{565663470, 3244226384LL});
  g.manual_seed(5);  // a range wider than 32 bits draws two words, the high one first
  CHECK(randint(0, (1LL << 40) + 3, {3}, kInt64, &g).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{730063147367LL, 547531685270LL, 1000467114693LL});
  g.manual_seed(3);
  CHECK(randperm(8, &g).to_vector<std::int64_t>() == std::vector<std::int64_t>{5, 1, 0, 2, 7, 4, 3, 6});
  g.manual_seed(9);
  CHECK(bernoulli({8}, 0.3, kBool, &g).to_vector<bool>() ==
        std::vector<bool>{false, false, false, true, false, false, false, false});
  // Seed 24's first draw must be rejected by Lemire's threshold (2^32 - n) mod n.
  g.manual_seed(24);
  CHECK(randint(0, 3000000000LL, {3}, kInt64, &g).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{2992828868LL, 1750585328LL, 2267197292LL});
}

TEST_CASE("tensor: the same seed gives the same numbers, from manual_seed or a Generator") {
  manual_seed(123);
  const Tensor a = randn({5});
  const Tensor b = randn({5});
  manual_seed(123);
  CHECK(vals(randn({5})) == vals(a));
  CHECK(vals(randn({5})) == vals(b));
  CHECK(vals(a) != vals(b));
  Generator g1(5), g2(5);
  CHECK(vals(rand({4}, kFloat32, &g1)) == vals(rand({4}, kFloat32, &g2)));
  CHECK(vals(randint(-3, 3, {6}, kInt64, &g1)) == vals(randint(-3, 3, {6}, kInt64, &g2)));
  CHECK(vals(bernoulli({6}, 0.5, kBool, &g1)) == vals(bernoulli({6}, 0.5, kBool, &g2)));
  CHECK(vals(randperm(8, &g1)) == vals(randperm(8, &g2)));
  // An explicit generator leaves the default one alone.
  manual_seed(123);
  Generator other(9);
  (void)randn({3}, kFloat32, &other);
  CHECK(vals(randn({5})) == vals(a));
  // get_state / set_state resume a stream exactly, including Box-Muller's spare value.
  Generator g(11);
  (void)randn({3}, kFloat64, &g);  // odd count: a spare is waiting
  const auto st = g.get_state();
  const auto first = vals(randn({4}, kFloat64, &g));
  g.set_state(st);
  CHECK(vals(randn({4}, kFloat64, &g)) == first);
}

TEST_CASE("tensor: random factories respect their ranges and moments") {
  Generator g(2024);
  const auto r = vals(randint(-2, 3, {2000}, kInt64, &g));
  int counts[5] = {};
  for (double v : r) {
    REQUIRE((v >= -2 && v < 3));
    ++counts[static_cast<int>(v) + 2];
  }
  for (int c : counts) CHECK(c > 300);  // each of 5 values about 400 times
  const auto u = vals(uniform({4000}, -3, -1, kFloat64, &g));
  double mean = 0;
  for (double v : u) {
    REQUIRE((v >= -3 && v < -1));
    mean += v / u.size();
  }
  CHECK(std::abs(mean + 2) < 0.05);
  const auto nv = vals(normal({4000}, 5, 2, kFloat64, &g));
  double m = 0, sq = 0;
  for (double v : nv) m += v / nv.size();
  for (double v : nv) sq += (v - m) * (v - m) / nv.size();
  CHECK(std::abs(m - 5) < 0.1);
  CHECK(std::abs(std::sqrt(sq) - 2) < 0.1);
  const Tensor b = bernoulli({4000}, 0.25, kFloat32, &g);
  CHECK(b.dtype() == kFloat32);
  const double frac = sum(b).item<double>() / 4000;
  CHECK(std::abs(frac - 0.25) < 0.03);
  CHECK(vals(bernoulli({5}, 0, kBool, &g)) == std::vector<double>(5, 0));
  CHECK(vals(bernoulli({5}, 1, kBool, &g)) == std::vector<double>(5, 1));
  auto p = randperm(50, &g).to_vector<std::int64_t>();
  std::sort(p.begin(), p.end());
  for (std::int64_t i = 0; i < 50; ++i) CHECK(p[i] == i);
  CHECK(randperm(0, &g).numel() == 0);
  CHECK_ERROR(ValueError, randint(3, 3, {2}, kInt64, &g), "randint", "low < high", "low=3", "high=3");
  CHECK_ERROR(ValueError, bernoulli({2}, 1.5, kBool, &g), "bernoulli", "p must be in [0, 1]", "p=1.5");
  CHECK_ERROR(DTypeError, randn({2}, kInt64, &g), "normal", "floating", "int64");
  CHECK_ERROR(ValueError, normal({2}, 0, -1, kFloat32, &g), "normal", "std must be non-negative");
  CHECK_ERROR(ValueError, randperm(-1, &g), "randperm", "n must be non-negative", "n=-1");
}

// ---- printing -------------------------------------------------------------------------------------------------

TEST_CASE("tensor: printing shows values, shape and dtype like PyTorch") {
  CHECK(tensor(std::vector<float>{1.5f, -2.25f, 3}).to_string() ==
        "tensor([ 1.5000, -2.2500,  3.0000], shape=[3], dtype=float32)");
  CHECK(arange(6, kFloat32).reshape({2, 3}).to_string() ==
        "tensor([[0., 1., 2.],\n"
        "        [3., 4., 5.]], shape=[2, 3], dtype=float32)");
  CHECK(arange(8).reshape({2, 2, 2}).to_string() ==
        "tensor([[[0, 1],\n"
        "         [2, 3]],\n"
        "\n"
        "        [[4, 5],\n"
        "         [6, 7]]], shape=[2, 2, 2], dtype=int64)");
  CHECK(scalar_tensor(2.5, kFloat64).to_string() == "tensor(2.5000, shape=[], dtype=float64)");
  CHECK(tensor(std::vector<bool>{true, false}, {2}).to_string() == "tensor([ true, false], shape=[2], dtype=bool)");
  CHECK(tensor(std::vector<double>{1e-6, 1}).to_string() == "tensor([1.0000e-06, 1.0000e+00], shape=[2], dtype=float64)");
  CHECK(tensor(std::vector<double>{0.001, 2}).to_string() == "tensor([1.0000e-03, 2.0000e+00], shape=[2], dtype=float64)");
  CHECK(tensor(std::vector<float>{1, 2000}).to_string() == "tensor([1.0000e+00, 2.0000e+03], shape=[2], dtype=float32)");
  CHECK(tensor(std::vector<float>{0, 1000}).to_string() == "tensor([   0., 1000.], shape=[2], dtype=float32)");
  CHECK(tensor(std::vector<double>{-0.0, 1.5, NAN, INFINITY}).to_string() ==
        "tensor([-0.0000,  1.5000,     nan,     inf], shape=[4], dtype=float64)");
  CHECK(zeros({0}).to_string() == "tensor([], shape=[0], dtype=float32)");
  CHECK(tensor(std::vector<std::int64_t>{(1LL << 62) + 1}).to_string() ==
        "tensor([4611686018427387905], shape=[1], dtype=int64)");
  Tensor w = ones({2}).requires_grad_();
  CHECK(w.to_string() == "tensor([1., 1.], shape=[2], dtype=float32, requires_grad=true)");
  CHECK((w * 2.0).to_string() == "tensor([2., 2.], shape=[2], dtype=float32, grad_fn=<mul>)");
  CHECK(Tensor().to_string() == "tensor(undefined)");
  std::ostringstream os;
  os << arange(2);
  CHECK(os.str() == "tensor([0, 1], shape=[2], dtype=int64)");
}

TEST_CASE("tensor: large tensors print abbreviated") {
  const std::string s = arange(2000).to_string();
  CHECK(s == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=[2000], dtype=int64)");
  const std::string m = arange(5000).reshape({50, 100}).to_string();
  CHECK(m ==
        "tensor([[   0,    1,    2,  ...,   97,   98,   99],\n"
        "        [ 100,  101,  102,  ...,  197,  198,  199],\n"
        "        [ 200,  201,  202,  ...,  297,  298,  299],\n"
        "        ...,\n"
        "        [4700, 4701, 4702,  ..., 4797, 4798, 4799],\n"
        "        [4800, 4801, 4802,  ..., 4897, 4898, 4899],\n"
        "        [4900, 4901, 4902,  ..., 4997, 4998, 4999]], shape=[50, 100], dtype=int64)");
  // Blocks of a 3-D tensor are separated by a blank line, also around the ellipsis.
  const std::string b = arange(2 * 500 * 2).reshape({500, 2, 2}).to_string();
  CHECK(b.find("         [   2,    3]],\n\n        [[   4,    5],") != std::string::npos);
  CHECK(b.find("]],\n\n        ...,\n\n        [[1988, 1989],") != std::string::npos);
  // 4-D: blocks of blocks by two blank lines.
  CHECK(ones({2, 1, 1, 1}).to_string() == "tensor([[[[1.]]],\n\n\n        [[[1.]]]], shape=[2, 1, 1, 1], dtype=float32)");
  // Small tensors are printed whole.
  CHECK(arange(20).to_string().find("...") == std::string::npos);
}

// ---- errors -------------------------------------------------------------------------------------------------

TEST_CASE("tensor: bad shapes and dims throw errors that name the op, the rule and the shapes") {
  const Tensor a = ones({2, 3}), b = ones({4, 5});
  CHECK_ERROR(ShapeError, a + b, "add", "shapes must broadcast", "a=[2, 3]", "b=[4, 5]");
  CHECK_ERROR(ShapeError, a * ones({3, 3}), "mul", "a=[2, 3]", "b=[3, 3]");
  CHECK_ERROR(ShapeError, a.view({4, 2}), "view", "element count must not change", "[2, 3]", "[4, 2]");
  CHECK_ERROR(ShapeError, a.reshape({-1, -1}), "reshape", "only one dim can be -1");
  CHECK_ERROR(ShapeError, a.reshape({-1, 4}), "reshape", "cannot infer -1", "[2, 3] -> [-1, 4]");
  CHECK_ERROR(IndexError, a.size(2), "size", "dim out of range [-2, 1]", "dim=2");
  CHECK_ERROR(IndexError, a.transpose(-3, 0), "transpose", "dim=-3");
  CHECK_ERROR(IndexError, a.flatten(1, 0), "flatten", "start_dim", "end_dim");
  CHECK_ERROR(IndexError, sum(a, {2}), "sum", "dim out of range", "dim=2");
  CHECK_ERROR(ValueError, zeros({1, 1, 1, 1, 1, 1, 1, 1, 1}), "rank must be at most 8", "got 9");
}

// ---- layouts at random -------------------------------------------------------------------------------------

namespace {

// A tensor of the given shape laid out at random: a permuted, sliced (with steps and offsets)
// view of a larger base whose elements are distinct.
Tensor random_layout(const Shape& shape, Generator& g) {
  const int r = shape.size();
  std::vector<std::int64_t> perm(r);
  for (int i = 0; i < r; ++i) perm[i] = i;
  for (int i = r - 1; i > 0; --i) std::swap(perm[i], perm[g.below(i + 1)]);
  // Base dims in permuted order, each with room for a start offset and a step.
  Shape base_shape, starts, steps;
  for (int i = 0; i < r; ++i) {
    const std::int64_t n = shape[perm[i]];
    const std::int64_t step = 1 + static_cast<std::int64_t>(g.below(2));
    const std::int64_t start = static_cast<std::int64_t>(g.below(2));
    base_shape.push_back(start + (n == 0 ? 0 : (n - 1) * step + 1) + static_cast<std::int64_t>(g.below(2)));
    starts.push_back(start);
    steps.push_back(step);
  }
  Tensor t = arange(static_cast<double>(numel_of(base_shape)), kFloat64).reshape(base_shape);
  for (int i = 0; i < r; ++i) t = t.slice(i, starts[i], starts[i] + shape[perm[i]] * steps[i], steps[i]);
  std::vector<std::int64_t> inverse(r);
  for (int i = 0; i < r; ++i) inverse[perm[i]] = i;
  t = t.permute(inverse);
  REQUIRE(t.shape() == shape);
  return t;
}

Shape random_shape(Generator& g, int max_rank, std::int64_t max_size) {
  Shape s;
  const int r = static_cast<int>(g.below(max_rank + 1));
  for (int i = 0; i < r; ++i) s.push_back(1 + static_cast<std::int64_t>(g.below(max_size)));
  return s;
}

}  // namespace

TEST_CASE("tensor: view agrees with a copy wherever strides allow one, on random layouts") {
  Generator g(99);
  int viewed = 0, refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const Shape s = random_shape(g, 4, 4);
    const Tensor x = random_layout(s, g);
    const std::vector<double> want = vals(x);
    // A target shape with the same element count: split every size into random factors.
    Shape target;
    for (auto n : s) {
      if (n == 4 && g.below(2)) {
        target.push_back(2);
        target.push_back(2);
      } else {
        target.push_back(n);
      }
      if (g.below(4) == 0) target.push_back(1);
    }
    // ... and sometimes merge neighbours.
    if (target.size() >= 2 && g.below(2)) {
      const int i = static_cast<int>(g.below(target.size() - 1));
      const std::int64_t merged = target[i] * target[i + 1];
      target.erase(i + 1);
      target[i] = merged;
    }
    CAPTURE(to_string(s));
    CAPTURE(to_string(x.strides()));
    CAPTURE(to_string(target));
    const Tensor r = x.reshape(target);
    CHECK(vals(r) == want);
    try {
      const Tensor v = x.view(target);
      ++viewed;
      CHECK(v.storage() == x.storage());
      CHECK(vals(v) == want);
    } catch (const ShapeError&) {
      ++refused;
      CHECK(r.storage() != x.storage());
    }
  }
  CHECK_MESSAGE(viewed > 50, viewed);  // the trials exercise both outcomes
  CHECK_MESSAGE(refused > 10, refused);
}

TEST_CASE("tensor: in-place ops and copies write correctly through random layouts") {
  Generator g(7);
  for (int trial = 0; trial < 200; ++trial) {
    const Shape s = random_shape(g, 4, 3);
    Tensor dst = random_layout(s, g);
    const std::vector<double> before = vals(dst);
    const Tensor src = random_layout(s, g);
    CAPTURE(to_string(s));
    CAPTURE(to_string(dst.strides()));
    CAPTURE(to_string(src.strides()));
    const auto sv = vals(src);
    Tensor d2 = dst.clone();
    dst.add_(src, 2.0);
    std::vector<double> want(before.size());
    for (std::size_t i = 0; i < want.size(); ++i) want[i] = before[i] + 2 * sv[i];
    CHECK(vals(dst) == want);
    d2.copy_(src.to(kFloat32));
    CHECK(vals(d2) == sv);
  }
}
