// strided_loop: the one n-d iteration every kernel uses. It walks an index space in row-major
// order over N operands, each with its own strides (0 where it broadcasts) and base offset, and
// calls body(n, offsets, inner_strides) once per innermost run of n elements. Dims that are laid
// out contiguously for every operand are merged first, so contiguous operands give one long run
// that the compiler vectorises. parallel_strided_loop is the same walk cut across focus's threads
// for large spaces. Internal to kernel .cpp files.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include <focus/tensor/parallel.h>
#include <focus/tensor/shape.h>
#include <focus/tensor/threads.h>

namespace focus::kernel {

// An index space after coalescing: rank r (at least 1), sizes and each operand's strides, the
// innermost dim last. Built by coalesce, walked by walk_runs.
template <std::size_t N>
struct RunLayout {
  int rank = 0;
  std::int64_t sizes[kMaxRank];
  std::int64_t strides[N][kMaxRank];
  std::int64_t count() const {
    std::int64_t c = 1;
    for (int d = 0; d < rank; ++d) c *= sizes[d];
    return c;
  }
};

// Drops size-1 dims and merges a dim into the previous one when every operand steps through them
// as one. False when the shape has no elements.
template <std::size_t N>
bool coalesce(const Shape& shape, const std::array<Strides, N>& strides, RunLayout<N>& l) {
  for (auto s : shape)
    if (s == 0) return false;
  int r = 0;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (r > 0) {
      bool merge = true;
      for (std::size_t k = 0; k < N; ++k)
        if (l.strides[k][r - 1] != strides[k][d] * shape[d]) merge = false;
      if (merge) {
        l.sizes[r - 1] *= shape[d];
        for (std::size_t k = 0; k < N; ++k) l.strides[k][r - 1] = strides[k][d];
        continue;
      }
    }
    l.sizes[r] = shape[d];
    for (std::size_t k = 0; k < N; ++k) l.strides[k][r] = strides[k][d];
    ++r;
  }
  if (r == 0) {  // one element
    l.sizes[0] = 1;
    for (std::size_t k = 0; k < N; ++k) l.strides[k][0] = 0;
    r = 1;
  }
  l.rank = r;
  return true;
}

// Calls body(n, offsets, inner_strides) for each innermost run of the layout, in row-major order.
template <std::size_t N, class Body>
void walk_runs(const RunLayout<N>& l, const std::array<std::int64_t, N>& offsets, Body&& body) {
  const int r = l.rank;
  const std::int64_t inner = l.sizes[r - 1];
  std::array<std::int64_t, N> inner_strides;
  for (std::size_t k = 0; k < N; ++k) inner_strides[k] = l.strides[k][r - 1];
  std::array<std::int64_t, N> off = offsets;
  std::int64_t idx[kMaxRank] = {};
  for (;;) {
    body(inner, off, inner_strides);
    int d = r - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      for (std::size_t k = 0; k < N; ++k) off[k] += l.strides[k][d];
      if (idx[d] < l.sizes[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= l.strides[k][d] * l.sizes[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

template <std::size_t N, class Body>
void strided_loop(const Shape& shape, const std::array<Strides, N>& strides,
                  const std::array<std::int64_t, N>& offsets, Body&& body) {
  RunLayout<N> l;
  if (coalesce(shape, strides, l)) walk_runs(l, offsets, body);
}

// strided_loop on focus's threads when the space holds at least kParallelElements elements; body
// must then be safe to call from several threads at once on disjoint runs. The space is cut along
// its outermost coalesced dim, or, when everything coalesced into one run, into pieces of whole
// kParallelAlign elements (so each piece starts where a one-thread run's vector loop would be at
// an aligned step). Where the cuts fall depends on the shape and the thread count, and the body
// computes each element the same way in any piece, so results do not depend on the thread count.
inline constexpr std::int64_t kParallelElements = std::int64_t{1} << 15;
inline constexpr std::int64_t kParallelAlign = 64;

// `weight` is the elements each index stands for (a row's length when the body handles whole rows).
template <std::size_t N, class Body>
void parallel_strided_loop(const Shape& shape, const std::array<Strides, N>& strides,
                           const std::array<std::int64_t, N>& offsets, Body&& body, std::int64_t weight = 1) {
  RunLayout<N> l;
  if (!coalesce(shape, strides, l)) return;
  if (l.count() * weight < kParallelElements || parallel::in_parallel_region() || get_num_threads() < 2) {
    walk_runs(l, offsets, body);
    return;
  }
  if (l.rank == 1) {
    const std::int64_t blocks = (l.sizes[0] + kParallelAlign - 1) / kParallelAlign;
    parallel::for_ranges(blocks, [&](std::int64_t b, std::int64_t e) {
      const std::int64_t begin = b * kParallelAlign, end = std::min(e * kParallelAlign, l.sizes[0]);
      std::array<std::int64_t, N> off = offsets, st;
      for (std::size_t k = 0; k < N; ++k) {
        off[k] += begin * l.strides[k][0];
        st[k] = l.strides[k][0];
      }
      body(end - begin, off, st);
    });
    return;
  }
  parallel::for_ranges(l.sizes[0], [&](std::int64_t b, std::int64_t e) {
    RunLayout<N> part = l;
    part.sizes[0] = e - b;
    std::array<std::int64_t, N> off = offsets;
    for (std::size_t k = 0; k < N; ++k) off[k] += b * l.strides[k][0];
    walk_runs(part, off, body);
  });
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
