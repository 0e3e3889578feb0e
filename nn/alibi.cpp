// ALiBi: the slopes rule and the distance bias (a table of integer distances times the slopes).
#include <focus/nn/alibi.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/tensor/factory.h>

#include <cmath>
#include <cstdlib>
#include <vector>

namespace focus::nn {

namespace {
// n a power of two: 2^(-8 (i + 1) / n), i = 0..n-1
void power_of_two_slopes(std::int64_t n, std::vector<double>& out, std::int64_t step = 1, std::int64_t count = -1) {
  for (std::int64_t i = 0, taken = 0; i < n && (count < 0 || taken < count); i += step, ++taken)
    out.push_back(std::exp2(-8.0 * static_cast<double>(i + 1) / static_cast<double>(n)));
}
}  // namespace

Tensor alibi_slopes(std::int64_t nhead, DType dtype) {
  if (nhead <= 0) throw ValueError("alibi_slopes: nhead must be positive; got nhead=" + std::to_string(nhead));
  std::int64_t m = 1;
  while (m * 2 <= nhead) m *= 2;
  std::vector<double> slopes;
  power_of_two_slopes(m, slopes);
  // The rest interleave between the first m: every other slope of 2m heads, the 1st, 3rd, ..
  if (m < nhead) power_of_two_slopes(2 * m, slopes, 2, nhead - m);
  return tensor(slopes, {nhead}).to(dtype);
}

// slopes [H] -> [H, 1, 1] times -|distance| [Tq, Tk] -> [H, Tq, Tk]
// backward (mul's own): dslopes[h] = sum over (i, j) of g[h, i, j] * -|distance[i, j]|
Tensor alibi_bias(const Tensor& slopes, std::int64_t tq, std::int64_t tk, std::int64_t q_offset,
                  std::int64_t k_offset) {
  check_floating("alibi_bias", slopes);
  if (slopes.dim() != 1) throw ShapeError("alibi_bias: slopes must be [H]; got slopes=" + to_string(slopes.shape()));
  if (tq < 0 || tk < 0 || q_offset < 0 || k_offset < 0)
    throw ValueError("alibi_bias: sizes and offsets must be >= 0; got Tq=" + std::to_string(tq) +
                     ", Tk=" + std::to_string(tk) + ", q_offset=" + std::to_string(q_offset) +
                     ", k_offset=" + std::to_string(k_offset));
  std::vector<double> dist(tq * tk);
  for (std::int64_t i = 0; i < tq; ++i)
    for (std::int64_t j = 0; j < tk; ++j)
      dist[i * tk + j] = -static_cast<double>(std::llabs((q_offset + i) - (k_offset + j)));
  return slopes.reshape({slopes.size(0), 1, 1}) * tensor(dist, {tq, tk}).to(slopes.dtype());
}

ALiBiPositions::ALiBiPositions(std::int64_t nhead, DType dtype) : Positions("ALiBiPositions") {
  slopes_ = register_buffer("slopes", alibi_slopes(nhead, dtype), false);
}

}  // namespace focus::nn
