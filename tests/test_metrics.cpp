// Corpus metrics on small corpora whose every score is worked out by hand in the comments; the
// BLEU values were also checked against NLTK 3.8 (Debian's python3-nltk):
//   from nltk.translate.bleu_score import corpus_bleu
//   100 * corpus_bleu([[r.split()] for r in refs], [h.split() for h in hyps])
#include "op_table.h"

#include <cmath>
#include <sstream>

#include <focus/metrics/metrics.h>

using focus::ValueError;
using focus::metrics::format_record;
using focus::metrics::score;
using focus::metrics::Scores;
using focus::metrics::Tokens;

namespace {

// "a b c" -> {"a", "b", "c"}; "" -> {}.
Tokens split(const std::string& sentence) {
  Tokens tokens;
  std::istringstream in(sentence);
  for (std::string token; in >> token;) tokens.push_back(token);
  return tokens;
}

std::vector<Tokens> corpus(std::initializer_list<const char*> sentences) {
  std::vector<Tokens> out;
  for (const char* s : sentences) out.push_back(split(s));
  return out;
}

}  // namespace

TEST_CASE("metrics: exact match counts whole sentences") {
  // Sentence 2 differs in one token, sentence 3 is a prefix of its reference: 1 of 3 exact.
  const Scores s = score(corpus({"a b c", "a b d", "a b"}), corpus({"a b c", "a b c", "a b c"}));
  CHECK(s.examples == 3);
  CHECK(s.exact_match == doctest::Approx(1.0 / 3.0));
}

TEST_CASE("metrics: token accuracy matches by position over the longer side") {
  // hyp "a x c d" vs ref "a b c":  positions a=a, x!=b, c=c -> 2 matches; slots max(4, 3) = 4
  // hyp "b a"     vs ref "a b":    b!=a, a!=b -> 0 matches (same bag, wrong order); slots 2
  // hyp "q"       vs ref "q r s":  q=q -> 1 match; slots 3 (missing tokens count as wrong)
  // token_acc = (2 + 0 + 1) / (4 + 2 + 3) = 3 / 9
  const Scores s = score(corpus({"a x c d", "b a", "q"}), corpus({"a b c", "a b", "q r s"}));
  CHECK(s.token_acc == doctest::Approx(3.0 / 9.0));
  CHECK(s.exact_match == 0.0);
}

TEST_CASE("metrics: precision, recall and f1 clip repeated tokens and micro-average") {
  // hyp "the the the the" vs ref "the cat": "the" said 4 times, held once -> overlap 1
  // hyp "b a"             vs ref "a b c":   order does not matter -> overlap 2
  // precision = (1 + 2) / (4 + 2) = 3 / 6;  recall = (1 + 2) / (2 + 3) = 3 / 5
  // f1 = 2 * 0.5 * 0.6 / (0.5 + 0.6) = 0.6 / 1.1 = 6 / 11
  const Scores s = score(corpus({"the the the the", "b a"}), corpus({"the cat", "a b c"}));
  CHECK(s.precision == doctest::Approx(0.5));
  CHECK(s.recall == doctest::Approx(0.6));
  CHECK(s.f1 == doctest::Approx(6.0 / 11.0));
}

TEST_CASE("metrics: BLEU of a perfect corpus is 100") {
  const Scores s = score(corpus({"the cat sat on the mat", "one two three four"}),
                         corpus({"the cat sat on the mat", "one two three four"}));
  CHECK(s.bleu == doctest::Approx(100.0));
  CHECK(s.exact_match == 1.0);
  CHECK(s.token_acc == 1.0);
  CHECK(s.f1 == 1.0);
}

TEST_CASE("metrics: BLEU sums clipped n-gram counts over the corpus") {
  // 1: "the cat sat on the mat" vs itself:   1-grams 6/6, 2-grams 5/5, 3-grams 4/4, 4-grams 3/3
  // 2: "a dog ran in the park" vs "a dog ran to the park":
  //    1-grams a dog ran the park       5/6
  //    2-grams "a dog" "dog ran" "the park"  3/5
  //    3-grams "a dog ran"              1/4
  //    4-grams none                     0/3
  // p1 = 11/12, p2 = 8/10, p3 = 5/8, p4 = 3/6; c = r = 12, so BP = 1
  // BLEU = 100 * (11/12 * 0.8 * 0.625 * 0.5)^(1/4) = 100 * 0.2291667^(1/4) = 69.1891   (NLTK 69.18913)
  const Scores s = score(corpus({"the cat sat on the mat", "a dog ran in the park"}),
                         corpus({"the cat sat on the mat", "a dog ran to the park"}));
  CHECK(s.bleu == doctest::Approx(69.18912876).epsilon(1e-9));
}

TEST_CASE("metrics: BLEU applies the brevity penalty when the output is short") {
  // Every hypothesis n-gram is in its reference, so p1..p4 = 1, but the output is short:
  // c = 6 + 4 = 10, r = 7 + 5 = 12, BP = exp(1 - 12/10) = exp(-0.2) = 0.8187308
  // BLEU = 100 * 0.8187308 * 1 = 81.87308   (NLTK 81.87308)
  const Scores s = score(corpus({"the cat sat on the mat", "a b c d"}),
                         corpus({"the cat sat on the mat today", "a b c d e"}));
  CHECK(s.bleu == doctest::Approx(100.0 * std::exp(-0.2)).epsilon(1e-9));
  CHECK(s.precision == 1.0);
  CHECK(s.recall == doctest::Approx(10.0 / 12.0));
}

TEST_CASE("metrics: BLEU with clipping and brevity penalty together") {
  // 1: "a a b c d" vs "a b c d e f":
  //    1-grams a(2, clipped to 1) b c d     4/5
  //    2-grams "a b" "b c" "c d"            3/4   ("a a" unmatched)
  //    3-grams "a b c" "b c d"              2/3
  //    4-grams "a b c d"                    1/2
  // 2: "x y z w" vs itself:                 4/4, 3/3, 2/2, 1/1
  // p1 = 8/9, p2 = 6/7, p3 = 4/5, p4 = 2/3;  product = 0.4063492, ^(1/4) = 0.7984080
  // c = 9, r = 10, BP = exp(1 - 10/9) = 0.8948393
  // BLEU = 100 * 0.8948393 * 0.7984080 = 71.44468   (NLTK 71.44468)
  // The other scores of the same corpus:
  //   exact_match = 1/2; token_acc = (1 + 4) / (6 + 4) = 0.5 (only the first "a" is in place)
  //   overlap = 4 + 4 = 8, precision = 8/9, recall = 8/10, f1 = 2*8 / (9 + 10) = 16/19
  const Scores s = score(corpus({"a a b c d", "x y z w"}), corpus({"a b c d e f", "x y z w"}));
  CHECK(s.bleu == doctest::Approx(71.44468265841446).epsilon(1e-9));
  CHECK(s.exact_match == 0.5);
  CHECK(s.token_acc == 0.5);
  CHECK(s.precision == doctest::Approx(8.0 / 9.0));
  CHECK(s.recall == doctest::Approx(0.8));
  CHECK(s.f1 == doctest::Approx(16.0 / 19.0));
}

TEST_CASE("metrics: BLEU's brevity penalty uses corpus lengths, not sentence lengths") {
  // 1: "a b c d e" vs "a b c d" (one token too many): 4/5, 3/4, 2/3, 1/2
  // 2: "w x y z" vs "w x y z v" (one too few):       4/4, 3/3, 2/2, 1/1
  // c = 9 = r, so BP = 1 although sentence 2 alone is short.
  // BLEU = 100 * (8/9 * 6/7 * 4/5 * 2/3)^(1/4) = 79.84080   (NLTK 79.84080)
  const Scores s = score(corpus({"a b c d e", "w x y z"}), corpus({"a b c d", "w x y z v"}));
  CHECK(s.bleu == doctest::Approx(79.84079523098931).epsilon(1e-9));
}

TEST_CASE("metrics: BLEU is 0 when some n-gram order has no match") {
  // "a dog ran in the park" vs "a dog ran to the park": no 4-gram matches -> 0, no smoothing.
  CHECK(score(corpus({"a dog ran in the park"}), corpus({"a dog ran to the park"})).bleu == 0.0);
  // Sentences shorter than 4 tokens have no 4-grams at all: 0 even when exact.
  const Scores short_exact = score(corpus({"a b"}), corpus({"a b"}));
  CHECK(short_exact.bleu == 0.0);
  CHECK(short_exact.exact_match == 1.0);
  // Nothing in common.
  CHECK(score(corpus({"p q r s t"}), corpus({"a b c d e"})).bleu == 0.0);
}

TEST_CASE("metrics: an empty corpus scores 0 everywhere") {
  const Scores s = score({}, {});
  CHECK(s.examples == 0);
  CHECK(s.exact_match == 0.0);
  CHECK(s.token_acc == 0.0);
  CHECK(s.precision == 0.0);
  CHECK(s.recall == 0.0);
  CHECK(s.f1 == 0.0);
  CHECK(s.bleu == 0.0);
}

TEST_CASE("metrics: empty sentences") {
  // An empty output for a non-empty reference: nothing right, BLEU 0 (c = 0).
  const Scores silent = score(corpus({""}), corpus({"a b c d"}));
  CHECK(silent.exact_match == 0.0);
  CHECK(silent.token_acc == 0.0);
  CHECK(silent.precision == 0.0);
  CHECK(silent.recall == 0.0);
  CHECK(silent.f1 == 0.0);
  CHECK(silent.bleu == 0.0);
  // Empty output for an empty reference is a perfect answer, except for BLEU, which has no
  // n-grams to count.
  const Scores both = score(corpus({""}), corpus({""}));
  CHECK(both.exact_match == 1.0);
  CHECK(both.token_acc == 1.0);
  CHECK(both.precision == 1.0);
  CHECK(both.recall == 1.0);
  CHECK(both.f1 == 1.0);
  CHECK(both.bleu == 0.0);
  // Output for empty references: precision 0 (everything said is extra), and recall, a ratio over
  // zero reference tokens, is 0 as well because the other side is not empty.
  const Scores chatty = score(corpus({"a b"}), corpus({""}));
  CHECK(chatty.precision == 0.0);
  CHECK(chatty.recall == 0.0);
  CHECK(chatty.f1 == 0.0);
  // In a corpus with some reference tokens the empty pair just adds nothing: overlap 2 of 2 + 0.
  const Scores mixed = score(corpus({"a b", ""}), corpus({"a b", ""}));
  CHECK(mixed.precision == 1.0);
  CHECK(mixed.recall == 1.0);
}

TEST_CASE("metrics: tokens are compared whole, whatever characters they hold") {
  // "ab" + "c" and "a" + "bc" must not collide when n-grams are keyed; UTF-8 tokens compare bytewise.
  const Scores s = score({{"ab", "c", "猫", "坐"}}, {{"a", "bc", "猫", "坐"}});
  CHECK(s.precision == 0.5);
  CHECK(s.bleu == 0.0);
}

TEST_CASE("metrics: hyps and refs of different sizes are rejected") {
  CHECK_ERROR(ValueError, score(corpus({"a", "b"}), corpus({"a"})), "metrics::score",
              "same number of sentences", "hyps=2", "refs=1");
}

TEST_CASE("metrics: format_record writes one line of key=value pairs") {
  Scores s;
  s.exact_match = 0.995;
  s.token_acc = 0.99901;
  s.precision = 1.0;
  s.recall = 0.25;
  s.f1 = 0.4;
  s.bleu = 99.123;
  s.examples = 1000;
  CHECK(format_record(s, 123.44) ==
        "exact_match=0.9950 token_acc=0.9990 precision=1.0000 recall=0.2500 f1=0.4000 bleu=99.12 "
        "examples=1000 seconds=123.4");
  // Every field is key=value with no space inside, so a script can split on spaces then on '='.
  std::istringstream fields(format_record(score(corpus({"a b c d"}), corpus({"a b c d"})), 0.0));
  int count = 0;
  for (std::string field; fields >> field; ++count) {
    CHECK(field.find('=') != std::string::npos);
    CHECK(field.find('%') == std::string::npos);
  }
  CHECK(count == 8);
}
