// Shape: the sizes of a tensor's dims, held inline (no heap) up to kMaxRank dims; the same type
// holds strides. Also the shape algebra every op uses: element counts with overflow checks,
// contiguous strides, NumPy broadcasting, dim wrapping, and printing as "[10, 50, 64]".
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace focus {

inline constexpr int kMaxRank = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims);
  explicit Shape(const std::vector<std::int64_t>& dims);
  static Shape filled(int rank, std::int64_t value);

  int size() const { return rank_; }
  bool empty() const { return rank_ == 0; }
  std::int64_t operator[](int i) const { return d_[i]; }
  std::int64_t& operator[](int i) { return d_[i]; }
  std::int64_t back() const { return d_[rank_ - 1]; }
  const std::int64_t* begin() const { return d_.data(); }
  const std::int64_t* end() const { return d_.data() + rank_; }
  std::int64_t* begin() { return d_.data(); }
  std::int64_t* end() { return d_.data() + rank_; }

  void push_back(std::int64_t v);
  void insert(int pos, std::int64_t v);
  void erase(int pos);
  std::vector<std::int64_t> vec() const { return {begin(), end()}; }

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<std::int64_t, kMaxRank> d_{};
  int rank_ = 0;
};

using Strides = Shape;

// "[2, 3]"; a rank-0 shape prints as "[]".
std::string to_string(const Shape& s);

// Product of the sizes. Throws ValueError naming op if a size is negative or the product would
// overflow int64 (or the byte count would overflow for elem_size > 0).
std::int64_t checked_numel(std::string_view op, const Shape& s, std::size_t elem_size = 0);
std::int64_t numel_of(const Shape& s);  // no checks: for shapes that were checked when made

Strides contiguous_strides(const Shape& s);

// NumPy broadcasting: dims are aligned from the right; each pair must be equal or contain a 1.
Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b);
// Does `from` broadcast to exactly `to` (what in-place ops and masks need)?
bool broadcasts_to(const Shape& from, const Shape& to);

// Maps a possibly negative dim into [0, rank); throws IndexError naming op otherwise.
int wrap_dim(std::string_view op, std::int64_t dim, int rank);
// wrap_dim for ops that read the dim's size (size, slice, select, ...): rank-0 shapes have no
// such dim (wrap_dim lets reductions name dim 0 or -1 of a scalar, as PyTorch does).
int wrap_sized_dim(std::string_view op, std::int64_t dim, int rank);

}  // namespace focus
