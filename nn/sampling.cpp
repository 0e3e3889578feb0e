// Temperature and top-k sampling, row by row on the host: V is a vocabulary (tens to thousands of
// entries), so sorting indices and one pass of exp per row cost nothing next to the model.
#include <focus/nn/sampling.h>

#include <focus/tensor/factory.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace focus::nn {

namespace {
std::string number(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}
}  // namespace

Tensor sample_logits(const Tensor& logits, const SamplingOptions& options, Generator& gen) {
  check_floating("sample_logits", logits);
  if (logits.dim() != 1 && logits.dim() != 2)
    throw ShapeError("sample_logits: logits must be [N, V] or [V]; got " + to_string(logits.shape()));
  if (logits.size(-1) == 0) throw ShapeError("sample_logits: the vocabulary is empty; got " + to_string(logits.shape()));
  if (!(options.temperature >= 0))
    throw ValueError("sample_logits: temperature must be >= 0; got " + number(options.temperature));
  if (options.top_k < 0) throw ValueError("sample_logits: top_k must be >= 0; got " + std::to_string(options.top_k));

  const std::int64_t V = logits.size(-1), N = logits.dim() == 2 ? logits.size(0) : 1;
  const std::vector<double> all = logits.contiguous().to_vector<double>();
  const std::int64_t k = options.top_k == 0 ? V : std::min(options.top_k, V);
  std::vector<std::int64_t> out(N), order(V);
  std::vector<double> weight(k);
  for (std::int64_t n = 0; n < N; ++n) {
    const double* row = all.data() + n * V;
    if (std::any_of(row, row + V, [](double x) { return std::isnan(x); }))
      throw ValueError("sample_logits: logits must not be NaN; got one in row " + std::to_string(n));
    // The k largest logits, largest first; a stable sort keeps the lower index first among ties.
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return row[a] > row[b]; });
    if (options.temperature == 0) {
      out[n] = order[0];
      continue;
    }
    // softmax over the kept logits, shifted by the largest so exp never overflows.
    double total = 0;
    for (std::int64_t i = 0; i < k; ++i) total += weight[i] = std::exp((row[order[i]] - row[order[0]]) / options.temperature);
    // Inverse CDF: the first token whose cumulative weight passes u * total.
    const double u = gen.uniform() * total;
    double cumulative = 0;
    std::int64_t pick = k - 1;  // rounding may leave u just above the last sum
    for (std::int64_t i = 0; i < k; ++i) {
      cumulative += weight[i];
      if (u < cumulative) {
        pick = i;
        break;
      }
    }
    out[n] = order[pick];
  }
  Tensor ids = tensor(out);
  return logits.dim() == 2 ? ids : ids.reshape({});
}

}  // namespace focus::nn
