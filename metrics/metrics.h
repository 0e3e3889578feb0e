// Scores for a corpus of model outputs against references, both given as token lists: exact match,
// position-wise token accuracy, bag-of-tokens precision/recall/F1 and corpus BLEU-4. One call
// (score) computes them all; format_record turns them into the one-line key=value record that
// examples print and scripts grep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace focus::metrics {

using Tokens = std::vector<std::string>;

// Every fraction is in [0, 1]; bleu is on the 0-100 scale. A corpus is pairs (hyps[i], refs[i]).
//
// exact_match  sentences whose hypothesis equals its reference token for token / sentences.
// token_acc    sum over sentences of #{i : hyp[i] == ref[i]} / sum of max(|hyp|, |ref|): a token
//              counts only in its own position, and every missing or extra token counts as wrong.
// precision    overlap / hyp tokens, recall = overlap / ref tokens, where a sentence's overlap is
//              the size of the multiset intersection (a token said twice in the hypothesis but once
//              in the reference matches once) and both sums run over the whole corpus (micro
//              average). f1 = 2 p r / (p + r), 0 when p + r = 0.
// bleu         corpus BLEU-4 (Papineni et al. 2002): clipped n-gram matches and n-gram counts summed
//              over the corpus for n = 1..4, 100 * BP * (p1 p2 p3 p4)^(1/4), BP = exp(1 - r/c) when
//              the total hypothesis length c is below the total reference length r, else 1. No
//              smoothing: if some order has no match (or no n-gram at all), BLEU is 0. This equals
//              sacrebleu's corpus_bleu with tokenize="none", smooth_method="none" and NLTK's
//              corpus_bleu without a smoothing function; sacrebleu's default "exp" smoothing differs
//              only when some order has zero matches.
//
// Edge cases: an empty corpus scores 0 everywhere. A denominator of zero tokens in a non-empty
// corpus means every hypothesis (for precision) or reference (recall) is empty: the ratio is 1 when
// the other side is empty too (nothing asked, nothing said) and 0 otherwise; token_acc is 1 when
// every pair is empty on both sides. BLEU of an empty output is 0.
struct Scores {
  double exact_match = 0.0;
  double token_acc = 0.0;
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  double bleu = 0.0;
  std::int64_t examples = 0;
};

// Throws ValueError when hyps and refs hold different numbers of sentences.
[[nodiscard]] Scores score(const std::vector<Tokens>& hyps, const std::vector<Tokens>& refs);

// "exact_match=0.9950 token_acc=0.9990 precision=0.9990 recall=0.9990 f1=0.9990 bleu=99.12
// examples=1000 seconds=123.4" on one line, no trailing newline: fractions with 4 decimals, bleu
// with 2, seconds with 1.
[[nodiscard]] std::string format_record(const Scores& scores, double seconds);

}  // namespace focus::metrics
