// Greedy and beam search. Both run without recording gradients and read the step's
// log-probabilities on the CPU side: vocabularies here are small, and the per-step choice is a
// few comparisons per row.
#include <focus/nn/decoding.h>

#include <focus/autograd/grad_mode.h>
#include <focus/tensor/factory.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace focus::nn {

std::vector<std::vector<std::int64_t>> greedy_decode(IncrementalDecoder& decoder, std::int64_t rows,
                                                     const DecodeOptions& options) {
  NoGradGuard ng;
  std::vector<std::vector<std::int64_t>> out(rows);
  std::vector<bool> done(rows, false);
  std::vector<std::int64_t> last(rows, options.bos);
  std::int64_t open = rows;
  // A row that reaches max_len tokens is finished without another step: that step's choice
  // would be dropped anyway.
  for (std::int64_t t = 0; t < options.max_len && open > 0; ++t) {
    const Tensor logp = decoder.step(tensor(last)).to(kFloat64);
    const std::int64_t V = logp.size(1);
    const auto lp = logp.to_vector<double>();
    for (std::int64_t r = 0; r < rows; ++r) {
      if (done[r]) continue;
      const double* row = lp.data() + r * V;
      const std::int64_t best = std::max_element(row, row + V) - row;
      if (best == options.eos) {
        done[r] = true;
        --open;
      } else {
        out[r].push_back(best);
      }
      last[r] = best;
    }
  }
  return out;
}

std::vector<std::vector<std::int64_t>> beam_search(IncrementalDecoder& decoder, std::int64_t rows,
                                                   const DecodeOptions& options) {
  NoGradGuard ng;
  const int K = options.beam;
  const double neg_inf = -std::numeric_limits<double>::infinity();
  struct Hyp {
    std::vector<std::int64_t> tokens;
    double logp = 0;
    bool done = false;
  };
  // Row r * K + b of the decoder is hypothesis b of input r. Only beam 0 is live at the start,
  // so the first step does not pick K copies of the same token.
  std::vector<Hyp> hyps(rows * K);
  for (std::int64_t i = 0; i < rows * K; ++i) hyps[i].logp = i % K == 0 ? 0 : neg_inf;
  auto penalised = [&](const Hyp& h) {
    return h.logp / std::pow((5.0 + static_cast<double>(h.tokens.size() + 1)) / 6.0, options.length_penalty);
  };
  std::vector<std::int64_t> last(rows * K, options.bos);
  for (std::int64_t t = 0; t <= options.max_len; ++t) {
    bool all_done = true;
    for (const auto& h : hyps) all_done = all_done && (h.done || h.logp == neg_inf);
    if (all_done) break;
    const Tensor logp = decoder.step(tensor(last)).to(kFloat64);
    const std::int64_t V = logp.size(1);
    const auto lp = logp.to_vector<double>();
    std::vector<Hyp> next(rows * K);
    std::vector<std::int64_t> parents(rows * K), next_last(rows * K);
    for (std::int64_t r = 0; r < rows; ++r) {
      // Candidates: a finished hypothesis carries over unchanged; a live one extends by each token.
      struct Cand {
        double score;
        int parent;
        std::int64_t token;  // -1: carry a finished hypothesis
      };
      std::vector<Cand> cands;
      for (int b = 0; b < K; ++b) {
        const Hyp& h = hyps[r * K + b];
        if (h.logp == neg_inf) continue;
        if (h.done) {
          cands.push_back({h.logp, b, -1});
          continue;
        }
        const double* row = lp.data() + (r * K + b) * V;
        for (std::int64_t v = 0; v < V; ++v) cands.push_back({h.logp + row[v], b, v});
      }
      const std::size_t keep = std::min<std::size_t>(K, cands.size());
      std::partial_sort(cands.begin(), cands.begin() + keep, cands.end(),
                        [](const Cand& a, const Cand& b) { return a.score > b.score; });
      for (int b = 0; b < K; ++b) {
        Hyp& h = next[r * K + b];
        if (static_cast<std::size_t>(b) >= keep) {
          h.logp = neg_inf;
          parents[r * K + b] = r * K;
          next_last[r * K + b] = options.eos;
          continue;
        }
        const Cand& c = cands[b];
        const Hyp& parent = hyps[r * K + c.parent];
        h.tokens = parent.tokens;
        h.logp = c.score;
        h.done = parent.done || c.token == options.eos || t == options.max_len;
        if (c.token >= 0 && c.token != options.eos && t < options.max_len) h.tokens.push_back(c.token);
        parents[r * K + b] = r * K + c.parent;
        next_last[r * K + b] = c.token >= 0 ? c.token : options.eos;
      }
    }
    decoder.select_rows(tensor(parents));
    hyps = std::move(next);
    last = std::move(next_last);
  }
  std::vector<std::vector<std::int64_t>> out(rows);
  for (std::int64_t r = 0; r < rows; ++r) {
    const Hyp* best = nullptr;
    for (int b = 0; b < K; ++b) {
      const Hyp& h = hyps[r * K + b];
      if (h.logp == neg_inf) continue;
      if (!best || penalised(h) > penalised(*best)) best = &h;
    }
    if (best) out[r] = best->tokens;
  }
  return out;
}

}  // namespace focus::nn
