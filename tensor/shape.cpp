// Shape storage and the shape algebra shared by all ops.
#include <focus/tensor/shape.h>

#include <focus/tensor/error.h>

#include <limits>

namespace focus {

namespace {
void check_rank(int rank) {
  if (rank > kMaxRank)
    throw ValueError("shape: rank must be at most " + std::to_string(kMaxRank) + "; got " +
                     std::to_string(rank));
}
}  // namespace

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  check_rank(static_cast<int>(dims.size()));
  for (auto v : dims) d_[rank_++] = v;
}

Shape::Shape(const std::vector<std::int64_t>& dims) {
  check_rank(static_cast<int>(dims.size()));
  for (auto v : dims) d_[rank_++] = v;
}

Shape Shape::filled(int rank, std::int64_t value) {
  check_rank(rank);
  Shape s;
  for (int i = 0; i < rank; ++i) s.d_[i] = value;
  s.rank_ = rank;
  return s;
}

void Shape::push_back(std::int64_t v) {
  check_rank(rank_ + 1);
  d_[rank_++] = v;
}

void Shape::insert(int pos, std::int64_t v) {
  check_rank(rank_ + 1);
  for (int i = rank_; i > pos; --i) d_[i] = d_[i - 1];
  d_[pos] = v;
  ++rank_;
}

void Shape::erase(int pos) {
  for (int i = pos; i + 1 < rank_; ++i) d_[i] = d_[i + 1];
  --rank_;
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i)
    if (a.d_[i] != b.d_[i]) return false;
  return true;
}

std::string to_string(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

std::int64_t checked_numel(std::string_view op, const Shape& s, std::size_t elem_size) {
  std::int64_t n = 1;
  for (auto v : s) {
    if (v < 0)
      throw ValueError(std::string(op) + ": sizes must be non-negative; got " + to_string(s));
  }
  for (auto v : s) {
    if (v == 0) return 0;
    if (n > std::numeric_limits<std::int64_t>::max() / v)
      throw ValueError(std::string(op) + ": element count overflows int64; got " + to_string(s));
    n *= v;
  }
  if (elem_size > 0 &&
      n > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(elem_size))
    throw ValueError(std::string(op) + ": byte count overflows; got " + to_string(s));
  return n;
}

std::int64_t numel_of(const Shape& s) {
  std::int64_t n = 1;
  for (auto v : s) n *= v;
  return n;
}

Strides contiguous_strides(const Shape& s) {
  Strides st = Shape::filled(s.size(), 1);
  for (int i = s.size() - 2; i >= 0; --i) st[i] = st[i + 1] * (s[i + 1] > 1 ? s[i + 1] : 1);
  return st;
}

Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b) {
  const int rank = a.size() > b.size() ? a.size() : b.size();
  Shape out = Shape::filled(rank, 1);
  for (int i = 0; i < rank; ++i) {
    const int ia = a.size() - rank + i, ib = b.size() - rank + i;
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(std::string(op) + ": shapes must broadcast (equal or 1 in each dim); got a=" +
                       to_string(a) + ", b=" + to_string(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const int lead = to.size() - from.size();
  for (int i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}

int wrap_dim(std::string_view op, std::int64_t dim, int rank) {
  const int lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
  if (dim < lo || dim > hi)
    throw IndexError(std::string(op) + ": dim out of range [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]; got dim=" + std::to_string(dim));
  return static_cast<int>(dim < 0 ? dim + (rank == 0 ? 1 : rank) : dim);
}

int wrap_sized_dim(std::string_view op, std::int64_t dim, int rank) {
  if (rank == 0)
    throw IndexError(std::string(op) + ": a 0-dim tensor has no dims; got dim=" + std::to_string(dim));
  return wrap_dim(op, dim, rank);
}

}  // namespace focus
