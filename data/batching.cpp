// Length-bucketed batches and padding.
#include <focus/data/batching.h>

#include <focus/tensor/factory.h>

#include <algorithm>
#include <numeric>

namespace focus::data {

std::vector<std::vector<std::int64_t>> length_batches(const std::vector<TokenPair>& examples, std::int64_t batch_size,
                                                      Generator& gen) {
  if (batch_size <= 0) throw ValueError("length_batches: batch_size must be positive; got " + std::to_string(batch_size));
  std::vector<std::int64_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  // Shuffle first so that ties in length land in a different order each epoch.
  for (std::int64_t i = static_cast<std::int64_t>(order.size()) - 1; i > 0; --i)
    std::swap(order[i], order[static_cast<std::int64_t>(gen.below(i + 1))]);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    const auto& x = examples[a];
    const auto& y = examples[b];
    return x.src.size() != y.src.size() ? x.src.size() < y.src.size() : x.tgt.size() < y.tgt.size();
  });
  std::vector<std::vector<std::int64_t>> batches;
  for (std::size_t i = 0; i < order.size(); i += batch_size)
    batches.emplace_back(order.begin() + i, order.begin() + std::min(order.size(), i + batch_size));
  for (std::int64_t i = static_cast<std::int64_t>(batches.size()) - 1; i > 0; --i)
    std::swap(batches[i], batches[static_cast<std::int64_t>(gen.below(i + 1))]);
  return batches;
}

Batch collate(const std::vector<TokenPair>& examples, const std::vector<std::int64_t>& indices, std::int64_t pad,
              std::int64_t bos, std::int64_t eos) {
  if (indices.empty()) throw ValueError("collate: a batch needs at least one example");
  const auto B = static_cast<std::int64_t>(indices.size());
  std::int64_t S = 1, T = 1;
  for (auto i : indices) {
    S = std::max<std::int64_t>(S, examples.at(i).src.size());
    T = std::max<std::int64_t>(T, examples.at(i).tgt.size() + 1);
  }
  std::vector<std::int64_t> src(B * S, pad), tin(B * T, pad), tout(B * T, pad), sl(B), tl(B);
  Batch b;
  for (std::int64_t r = 0; r < B; ++r) {
    const TokenPair& e = examples[indices[r]];
    if (e.src.empty()) throw ValueError("collate: example " + std::to_string(indices[r]) + " has an empty source");
    std::copy(e.src.begin(), e.src.end(), src.begin() + r * S);
    tin[r * T] = bos;
    std::copy(e.tgt.begin(), e.tgt.end(), tin.begin() + r * T + 1);
    std::copy(e.tgt.begin(), e.tgt.end(), tout.begin() + r * T);
    tout[r * T + e.tgt.size()] = eos;
    sl[r] = static_cast<std::int64_t>(e.src.size());
    tl[r] = static_cast<std::int64_t>(e.tgt.size()) + 1;
    b.target_tokens += tl[r];
  }
  b.src = tensor(src, {B, S});
  b.src_lengths = tensor(sl);
  b.tgt_in = tensor(tin, {B, T});
  b.tgt_out = tensor(tout, {B, T});
  b.tgt_lengths = tensor(tl);
  return b;
}

}  // namespace focus::data
