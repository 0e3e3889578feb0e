// Corpus scores: one pass over the sentence pairs gathers every count (position matches, token
// overlap, n-gram matches for n = 1..4, lengths); the ratios are taken once at the end, so every
// metric is a micro average over the corpus.
#include <focus/metrics/metrics.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include <focus/tensor/error.h>

namespace focus::metrics {
namespace {

constexpr int kMaxOrder = 4;

// Each n-gram of tokens as one string key, every token prefixed by its length so that no two
// different n-grams share a key whatever characters the tokens hold.
using NgramCounts = std::unordered_map<std::string, std::int64_t>;

NgramCounts count_ngrams(const Tokens& tokens, int n) {
  NgramCounts counts;
  for (std::size_t start = 0; start + n <= tokens.size(); ++start) {
    std::string key;
    for (int k = 0; k < n; ++k) {
      const std::string& token = tokens[start + k];
      key += std::to_string(token.size());
      key += ':';
      key += token;
    }
    ++counts[key];
  }
  return counts;
}

// Size of the multiset intersection: each hypothesis n-gram matches at most as often as the
// reference holds it (the "clipped" count).
std::int64_t clipped_matches(const NgramCounts& hyp, const NgramCounts& ref) {
  std::int64_t matches = 0;
  for (const auto& [ngram, count] : hyp) {
    const auto it = ref.find(ngram);
    if (it != ref.end()) matches += std::min(count, it->second);
  }
  return matches;
}

double ratio(std::int64_t num, std::int64_t den) {
  return static_cast<double>(num) / static_cast<double>(den);
}

// Precision or recall over zero tokens on its own side: 1 when the other side is empty as well.
double ratio_or_agreement(std::int64_t num, std::int64_t den, std::int64_t other_side) {
  if (den == 0) return other_side == 0 ? 1.0 : 0.0;
  return ratio(num, den);
}

}  // namespace

Scores score(const std::vector<Tokens>& hyps, const std::vector<Tokens>& refs) {
  if (hyps.size() != refs.size())
    throw ValueError("metrics::score: hyps and refs must hold the same number of sentences; got hyps=" +
                     std::to_string(hyps.size()) + ", refs=" + std::to_string(refs.size()));
  Scores s;
  s.examples = static_cast<std::int64_t>(hyps.size());
  if (hyps.empty()) return s;

  std::int64_t exact = 0;
  std::int64_t position_matches = 0, position_slots = 0;
  std::int64_t hyp_len = 0, ref_len = 0;  // c and r of the brevity penalty
  std::array<std::int64_t, kMaxOrder> ngram_matches{}, ngram_total{};
  std::int64_t overlap = 0;

  for (std::size_t i = 0; i < hyps.size(); ++i) {
    const Tokens& hyp = hyps[i];
    const Tokens& ref = refs[i];
    if (hyp == ref) ++exact;
    const std::size_t common = std::min(hyp.size(), ref.size());
    for (std::size_t t = 0; t < common; ++t) position_matches += hyp[t] == ref[t];
    position_slots += static_cast<std::int64_t>(std::max(hyp.size(), ref.size()));
    hyp_len += static_cast<std::int64_t>(hyp.size());
    ref_len += static_cast<std::int64_t>(ref.size());
    for (int n = 1; n <= kMaxOrder; ++n) {
      const std::int64_t matches = clipped_matches(count_ngrams(hyp, n), count_ngrams(ref, n));
      ngram_matches[n - 1] += matches;
      ngram_total[n - 1] += std::max<std::int64_t>(0, static_cast<std::int64_t>(hyp.size()) - n + 1);
      if (n == 1) overlap += matches;  // the unigram intersection is the token overlap
    }
  }

  s.exact_match = ratio(exact, s.examples);
  s.token_acc = position_slots == 0 ? 1.0 : ratio(position_matches, position_slots);
  s.precision = ratio_or_agreement(overlap, hyp_len, ref_len);
  s.recall = ratio_or_agreement(overlap, ref_len, hyp_len);
  s.f1 = s.precision + s.recall == 0.0 ? 0.0 : 2.0 * s.precision * s.recall / (s.precision + s.recall);

  // BLEU: the geometric mean in log space; any order without a match makes it 0.
  bool any_zero = hyp_len == 0;
  double log_mean = 0.0;
  for (int n = 0; n < kMaxOrder && !any_zero; ++n) {
    if (ngram_matches[n] == 0) any_zero = true;
    else log_mean += std::log(ratio(ngram_matches[n], ngram_total[n])) / kMaxOrder;
  }
  if (!any_zero) {
    const double log_bp = hyp_len < ref_len ? 1.0 - ratio(ref_len, hyp_len) : 0.0;
    s.bleu = 100.0 * std::exp(log_bp + log_mean);
  }
  return s;
}

std::string format_record(const Scores& s, double seconds) {
  char line[256];
  std::snprintf(line, sizeof line,
                "exact_match=%.4f token_acc=%.4f precision=%.4f recall=%.4f f1=%.4f bleu=%.2f "
                "examples=%lld seconds=%.1f",
                s.exact_match, s.token_acc, s.precision, s.recall, s.f1, s.bleu,
                static_cast<long long>(s.examples), seconds);
  return line;
}

}  // namespace focus::metrics
