// strided_loop: the one n-d iteration every kernel uses. It walks an index space in row-major
// order over N operands, each with its own strides (0 where it broadcasts) and base offset, and
// calls body(n, offsets, inner_strides) once per innermost run of n elements. Dims that are laid
// out contiguously for every operand are merged first, so contiguous operands give one long run
// that the compiler vectorises. Internal to kernel .cpp files.
#pragma once

#include <array>
#include <cstdint>

#include <focus/tensor/shape.h>

namespace focus::kernel {

template <std::size_t N, class Body>
void strided_loop(const Shape& shape, const std::array<Strides, N>& strides,
                  const std::array<std::int64_t, N>& offsets, Body&& body) {
  for (auto s : shape)
    if (s == 0) return;
  // Coalesce: drop size-1 dims, merge a dim into the previous one when every operand steps
  // through them as one.
  std::int64_t sizes[kMaxRank];
  std::int64_t st[N][kMaxRank];
  int r = 0;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (r > 0) {
      bool merge = true;
      for (std::size_t k = 0; k < N; ++k)
        if (st[k][r - 1] != strides[k][d] * shape[d]) merge = false;
      if (merge) {
        sizes[r - 1] *= shape[d];
        for (std::size_t k = 0; k < N; ++k) st[k][r - 1] = strides[k][d];
        continue;
      }
    }
    sizes[r] = shape[d];
    for (std::size_t k = 0; k < N; ++k) st[k][r] = strides[k][d];
    ++r;
  }
  if (r == 0) {  // one element
    sizes[0] = 1;
    for (std::size_t k = 0; k < N; ++k) st[k][0] = 0;
    r = 1;
  }
  const std::int64_t inner = sizes[r - 1];
  std::array<std::int64_t, N> inner_strides;
  for (std::size_t k = 0; k < N; ++k) inner_strides[k] = st[k][r - 1];
  std::array<std::int64_t, N> off = offsets;
  std::int64_t idx[kMaxRank] = {};
  for (;;) {
    body(inner, off, inner_strides);
    int d = r - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      for (std::size_t k = 0; k < N; ++k) off[k] += st[k][d];
      if (idx[d] < sizes[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= st[k][d] * sizes[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// Strides that read a tensor of shape `in` (strides `st`) as if broadcast to `out`: 0 in every
// dim where it is size 1 or absent. The caller has checked that `in` broadcasts to `out`.
inline Strides broadcast_strides(const Shape& in, const Strides& st, const Shape& out) {
  Strides r = Shape::filled(out.size(), 0);
  const int lead = out.size() - in.size();
  for (int i = 0; i < in.size(); ++i) r[lead + i] = in[i] == 1 ? 0 : st[i];
  return r;
}

}  // namespace focus::kernel
